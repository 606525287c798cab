// tools/agent/metrics.cc: the Prometheus registry and its text exposition.
#include "tools/agent/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace dw::tools::agent {
namespace {

bool IsNameChar(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (allow_colon && c == ':');
}

std::string SanitizeName(std::string_view name, bool allow_colon) {
  std::string out;
  out.reserve(name.size() + 1);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) out += '_';
  for (char c : name) out += IsNameChar(c, allow_colon) ? c : '_';
  return out;
}

Labels SanitizeLabels(const Labels& labels) {
  Labels out;
  for (const auto& [k, v] : labels) out[SanitizeName(k, false)] = v;
  return out;
}

// HELP text escapes backslash and newline; label values also escape '"'.
void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="1",b="2"}`, with `extra` (the histogram's le) last; "" for no labels.
void AppendLabels(std::string& out, const Labels& labels, std::string_view extra_value = {},
                  bool has_extra = false) {
  if (labels.empty() && !has_extra) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    AppendEscaped(out, v, true);
    out += '"';
  }
  if (has_extra) {
    if (!first) out += ',';
    out += "le=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, const std::string& name, std::string_view suffix,
                  const Labels& labels, double value) {
  out += name;
  out += suffix;
  AppendLabels(out, labels);
  out += ' ';
  out += FormatMetricValue(value);
  out += '\n';
}

}  // namespace

void Counter::Advance(double total) {
  if (total > value_) value_ = total;
}

std::vector<std::string> ConventionProblems(std::string_view exposition) {
  static constexpr std::string_view kWrongUnits[] = {"_microseconds", "_milliseconds", "_nanoseconds",
                                                     "_minutes",      "_hours",        "_us",
                                                     "_ms",           "_kilobytes",    "_megabytes"};
  std::vector<std::string> problems;
  while (!exposition.empty()) {
    size_t nl = exposition.find('\n');
    std::string_view line = exposition.substr(0, nl);
    exposition = nl == std::string_view::npos ? std::string_view() : exposition.substr(nl + 1);
    constexpr std::string_view kType = "# TYPE ";
    if (line.substr(0, kType.size()) != kType) continue;
    line.remove_prefix(kType.size());
    size_t sp = line.find(' ');
    const std::string name(line.substr(0, sp));
    const std::string_view type = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    if (type == "counter" && !total) problems.push_back(name + ": a counter's name must end in _total");
    if (type != "counter" && total) {
      problems.push_back(name + ": a " + std::string(type) + " must not end in _total (counters only)");
    }
    const std::string bare = total ? name.substr(0, name.size() - 6) : name;
    for (std::string_view unit : kWrongUnits) {
      if (bare.find(std::string(unit) + "_") != std::string::npos ||
          (bare.size() >= unit.size() && bare.compare(bare.size() - unit.size(), unit.size(), unit) == 0)) {
        problems.push_back(name + ": use base units (seconds, bytes), not " + std::string(unit.substr(1)));
      }
    }
  }
  return problems;
}

void Counter::Inc(double v) {
  if (v > 0) value_ += v;
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  while (!bounds_.empty() && std::isinf(bounds_.back())) bounds_.pop_back();
  buckets_.assign(bounds_.size() + 1, 0);
}

void Histogram::Observe(double v) {
  // The first bucket whose upper bound is >= v (Prometheus buckets are "le").
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  ++buckets_[i];
  ++count_;
  sum_ += v;
}

std::vector<double> ExponentialBuckets(double start, double factor, size_t count) {
  std::vector<double> out;
  out.reserve(count);
  double b = start;
  for (size_t i = 0; i < count; ++i, b *= factor) out.push_back(b);
  return out;
}

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integers (counters) print in full; other values as printf's %g with the
  // shortest round-trip precision, as Prometheus' Go client does.
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

Registry::Family& Registry::GetFamily(std::string_view name, std::string_view help, Type type) {
  auto [it, inserted] = families_.try_emplace(SanitizeName(name, true));
  if (inserted) {
    it->second.type = type;
    it->second.help = std::string(help);
  }
  return it->second;
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  return GetFamily(name, help, Type::kCounter).counters[SanitizeLabels(labels)];
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  return GetFamily(name, help, Type::kGauge).gauges[SanitizeLabels(labels)];
}

Histogram& Registry::histogram(std::string_view name, std::string_view help,
                               std::vector<double> bounds, const Labels& labels) {
  Family& f = GetFamily(name, help, Type::kHistogram);
  if (f.histograms.empty() && f.bounds.empty()) f.bounds = Histogram(std::move(bounds)).bounds();
  return f.histograms.try_emplace(SanitizeLabels(labels), f.bounds).first->second;
}

bool Registry::Remove(std::string_view name, const Labels& labels) {
  auto it = families_.find(SanitizeName(name, true));
  if (it == families_.end()) return false;
  Labels key = SanitizeLabels(labels);
  Family& f = it->second;
  return f.counters.erase(key) + f.gauges.erase(key) + f.histograms.erase(key) > 0;
}

std::string Registry::Render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    size_t series = f.type == Type::kCounter ? f.counters.size()
                    : f.type == Type::kGauge ? f.gauges.size()
                                             : f.histograms.size();
    if (series == 0) continue;
    out += "# HELP " + name + ' ';
    AppendEscaped(out, f.help, false);
    out += "\n# TYPE " + name + ' ';
    out += f.type == Type::kCounter ? "counter" : f.type == Type::kGauge ? "gauge" : "histogram";
    out += '\n';
    switch (f.type) {
      case Type::kCounter:
        for (const auto& [labels, c] : f.counters) AppendSample(out, name, "", labels, c.value());
        break;
      case Type::kGauge:
        for (const auto& [labels, g] : f.gauges) AppendSample(out, name, "", labels, g.value());
        break;
      case Type::kHistogram:
        for (const auto& [labels, h] : f.histograms) {
          uint64_t cumulative = 0;
          for (size_t i = 0; i <= h.bounds().size(); ++i) {
            cumulative += h.buckets()[i];
            out += name + "_bucket";
            AppendLabels(out, labels,
                         i < h.bounds().size() ? FormatMetricValue(h.bounds()[i]) : "+Inf", true);
            out += ' ' + std::to_string(cumulative) + '\n';
          }
          AppendSample(out, name, "_sum", labels, h.sum());
          AppendSample(out, name, "_count", labels, static_cast<double>(h.count()));
        }
        break;
    }
  }
  return out;
}

}  // namespace dw::tools::agent
