// tools/agent/metrics_test.cc: the Prometheus exposition text of small registries.
#include "tools/agent/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace dw::tools::agent {
namespace {

TEST(MetricsTest, RendersSortedFamiliesAndSeries) {
  Registry r;
  r.counter("dw_events_total", "Events read, by type.", {{"type", "open"}}).Inc(5);
  r.counter("dw_events_total", "ignored: the first help text stays", {{"type", "exec"}}).Inc(2);
  r.counter("dw_events_total", "", {{"type", "exec"}}).Inc();
  r.counter("dw_events_total", "", {{"type", "exec"}}).Inc(-4);  // counters never go down
  r.gauge("dw_workloads", "Workloads by state.", {{"state", "training"}}).Set(3);
  Gauge& detecting = r.gauge("dw_workloads", "", {{"state", "detecting"}});
  detecting.Inc(2);
  detecting.Dec();
  r.counter("dw_findings_total", "Findings.",
            {{"workload", "shop/web/\"nginx\"\\x\ny"}, {"kind", "exec"}, {"severity", "high"}})
      .Inc();
  r.gauge("dw_ringbuf_drops", "Ring buffer drops\nsince start, \\ included.").Set(0.25);

  EXPECT_EQ(r.Render(),
            "# HELP dw_events_total Events read, by type.\n"
            "# TYPE dw_events_total counter\n"
            "dw_events_total{type=\"exec\"} 3\n"
            "dw_events_total{type=\"open\"} 5\n"
            "# HELP dw_findings_total Findings.\n"
            "# TYPE dw_findings_total counter\n"
            "dw_findings_total{kind=\"exec\",severity=\"high\",workload=\"shop/web/\\\"nginx\\\"\\\\x\\ny\"} 1\n"
            "# HELP dw_ringbuf_drops Ring buffer drops\\nsince start, \\\\ included.\n"
            "# TYPE dw_ringbuf_drops gauge\n"
            "dw_ringbuf_drops 0.25\n"
            "# HELP dw_workloads Workloads by state.\n"
            "# TYPE dw_workloads gauge\n"
            "dw_workloads{state=\"detecting\"} 1\n"
            "dw_workloads{state=\"training\"} 3\n");
}

TEST(MetricsTest, ConventionProblemsNameEachMetric) {
  Registry good;
  good.counter("dw_events_total", "").Inc();
  good.gauge("dw_backlog", "").Set(2);
  good.histogram("dw_latency_seconds", "", {0.001}).Observe(0.0005);
  EXPECT_EQ(ConventionProblems(good.Render()), std::vector<std::string>{});

  Registry bad;
  bad.counter("dw_delivered", "").Inc();
  bad.gauge("dw_dropped_total", "").Set(1);
  bad.histogram("dw_latency_microseconds", "", {1}).Observe(3);
  bad.counter("dw_wait_ms_total", "").Inc();
  EXPECT_EQ(ConventionProblems(bad.Render()),
            (std::vector<std::string>{
                "dw_delivered: a counter's name must end in _total",
                "dw_dropped_total: a gauge must not end in _total (counters only)",
                "dw_latency_microseconds: use base units (seconds, bytes), not microseconds",
                "dw_wait_ms_total: use base units (seconds, bytes), not ms",
            }));
}

TEST(MetricsTest, CounterAdvanceFollowsARunningTotalAndNeverGoesDown) {
  Counter c;
  c.Advance(5);
  c.Advance(3);
  EXPECT_EQ(c.value(), 5);
  c.Advance(7);
  EXPECT_EQ(c.value(), 7);
}

TEST(MetricsTest, HistogramIsCumulativeWithInf) {
  Registry r;
  Histogram& h = r.histogram("dw_score_seconds", "Scoring latency.", {0.001, 0.0001, 0.01});
  for (double v : {0.00005, 0.0001, 0.0005, 0.002, 5.0}) h.Observe(v);
  // A second label set reuses the family's bounds, whatever is passed.
  r.histogram("dw_score_seconds", "", {1, 2}, {{"path", "slow"}}).Observe(0.02);
  EXPECT_EQ(h.bounds(), (std::vector<double>{0.0001, 0.001, 0.01}));
  EXPECT_EQ(h.buckets(), (std::vector<uint64_t>{2, 1, 1, 1}));
  EXPECT_EQ(r.Render(),
            "# HELP dw_score_seconds Scoring latency.\n"
            "# TYPE dw_score_seconds histogram\n"
            "dw_score_seconds_bucket{le=\"0.0001\"} 2\n"
            "dw_score_seconds_bucket{le=\"0.001\"} 3\n"
            "dw_score_seconds_bucket{le=\"0.01\"} 4\n"
            "dw_score_seconds_bucket{le=\"+Inf\"} 5\n"
            "dw_score_seconds_sum 5.00265\n"
            "dw_score_seconds_count 5\n"
            "dw_score_seconds_bucket{path=\"slow\",le=\"0.0001\"} 0\n"
            "dw_score_seconds_bucket{path=\"slow\",le=\"0.001\"} 0\n"
            "dw_score_seconds_bucket{path=\"slow\",le=\"0.01\"} 0\n"
            "dw_score_seconds_bucket{path=\"slow\",le=\"+Inf\"} 1\n"
            "dw_score_seconds_sum{path=\"slow\"} 0.02\n"
            "dw_score_seconds_count{path=\"slow\"} 1\n");
}

TEST(MetricsTest, SanitizesNamesAndRemovesSeries) {
  Registry r;
  r.gauge("9bad-name.x", "h", {{"bad label", "v"}, {"0", "w"}}).Set(1);
  Counter& same = r.counter("dw_x", "h");
  same.Inc();
  EXPECT_EQ(&same, &r.counter("dw_x", "other"));
  EXPECT_TRUE(r.Remove("dw_x", {}));
  EXPECT_FALSE(r.Remove("dw_x", {}));
  EXPECT_FALSE(r.Remove("dw_missing", {}));
  // A type clash yields a series that is never rendered.
  r.counter("_9bad_name_x", "h").Inc();
  EXPECT_EQ(r.Render(),
            "# HELP _9bad_name_x h\n"
            "# TYPE _9bad_name_x gauge\n"
            "_9bad_name_x{_0=\"w\",bad_label=\"v\"} 1\n");
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatMetricValue(3), "3");
  EXPECT_EQ(FormatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(FormatMetricValue(1e-6), "1e-06");
  EXPECT_EQ(FormatMetricValue(12345678901234.0), "12345678901234");
  EXPECT_EQ(FormatMetricValue(0.0001), "0.0001");
  EXPECT_EQ(FormatMetricValue(1e20), "1e+20");
  EXPECT_EQ(FormatMetricValue(-0.0), "0");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(ExponentialBuckets(0.25, 2, 4), (std::vector<double>{0.25, 0.5, 1, 2}));
}

}  // namespace
}  // namespace dw::tools::agent
