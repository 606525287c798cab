// tools/agent/metrics.h: a tiny Prometheus registry (counters, gauges, histograms)
// rendered in the text exposition format 0.0.4 for GET /metrics.
#ifndef DRIFTWATCH_TOOLS_AGENT_METRICS_H_
#define DRIFTWATCH_TOOLS_AGENT_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dw::tools::agent {

// Label name -> value. A std::map, so a series' labels render sorted by name.
using Labels = std::map<std::string, std::string>;

// The Content-Type of Render()'s output.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

class Counter {
 public:
  // Adds `v`; negative values are ignored (counters only go up).
  void Inc(double v = 1);
  // For a running total kept elsewhere (the kernel's drop count, the webhook's
  // deliveries): takes `total` if it is larger; a counter never goes down.
  void Advance(double total);
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Gauge {
 public:
  void Set(double v) { value_ = v; }
  void Inc(double v = 1) { value_ += v; }
  void Dec(double v = 1) { value_ -= v; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

// Fixed upper bounds (sorted, ascending, without +Inf, which is implied).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket counts, not cumulative; one more than bounds() (the +Inf bucket).
  const std::vector<uint64_t>& buckets() const { return buckets_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// `count` bounds start, start*factor, ... (e.g. 1e-6, 2, 12 for 1 us .. 2 ms).
std::vector<double> ExponentialBuckets(double start, double factor, size_t count);

// A set of metric families. A family is a name with one type and help text;
// each distinct label set in it is one series. Getters create the family and
// series on first use and return the same object afterwards; references stay
// valid until the series is removed or the registry is destroyed, so callers
// keep them and update without lookups on the hot path.
//
// Names: characters outside [a-zA-Z0-9_:] (metric) or [a-zA-Z0-9_] (label)
// become '_', and a leading digit gets a '_' prefix, so any input renders as a
// valid exposition. A name first registered as one type and later requested as
// another is a programming error: the second getter returns a series that is
// never rendered. The help text of a family is the one given first; a
// histogram's bounds are those given when its family was created.
//
// Not thread-safe: the agent updates and renders it on its one io_context thread.
class Registry {
 public:
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                       const Labels& labels = {});

  // Drops one series (e.g. the gauge of a workload that was deleted). Returns
  // whether it existed. References to it become dangling.
  bool Remove(std::string_view name, const Labels& labels);

  // The exposition text: families sorted by name, each with "# HELP" and
  // "# TYPE" lines, then its series sorted by label set. Families without
  // series are left out. Histograms render name_bucket{...,le="..."}
  // (cumulative, ending with le="+Inf"), name_sum and name_count.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::vector<double> bounds;  // histograms only
    std::map<Labels, Counter> counters;
    std::map<Labels, Gauge> gauges;
    std::map<Labels, Histogram> histograms;
  };
  Family& GetFamily(std::string_view name, std::string_view help, Type type);

  std::map<std::string, Family> families_;
};

// What an exposition (Render()'s output) does against Prometheus's naming
// conventions (prometheus.io/docs/practices/naming): a counter's name must end
// in "_total" and nothing else's may; units are base units spelled out
// (seconds, bytes), so a name with "_microseconds", "_milliseconds",
// "_nanoseconds", "_minutes", "_hours", "_us", "_ms" or "_kilobytes",
// "_megabytes" is wrong. One line per problem, naming the metric; empty when
// the exposition keeps them.
std::vector<std::string> ConventionProblems(std::string_view exposition);

// Prometheus float rendering: "3", "1234567", "0.25", "0.0001", "1e-06",
// "1e+20", "+Inf", "-Inf", "NaN".
std::string FormatMetricValue(double v);

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_METRICS_H_
