// model/rates_test.cc: bucketing of events into rates, Welford training, and
// rate findings: none on normal noise, one on each kind of burst.
#include "model/rates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "model/testing/test_events.h"

namespace dw::model {

// Readable failures (found by ADL, so outside the anonymous namespace).
void PrintTo(const RateSample& s, std::ostream* os) {
  *os << "{" << s.workload << " cgroup=" << s.cgroup_path << " start=" << s.start_ns
      << " bucket=" << s.bucket_ns << (s.partial ? " partial" : "") << " counts=";
  for (uint64_t c : s.counts) *os << c << ",";
  *os << " pids=";
  for (const ProcessContext& p : s.processes) *os << p.pid << ":" << p.exe << ",";
  *os << "}";
}

void PrintTo(const RateBaseline& b, std::ostream* os) {
  *os << std::setprecision(17) << "{bucket=" << b.bucket_ns << " buckets=" << b.buckets;
  for (const auto* v : {&b.mean, &b.m2, &b.max}) {
    *os << " [";
    for (double x : *v) *os << x << ",";
    *os << "]";
  }
  *os << "}";
}

namespace {

using testing::V4;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kBucket = 10 * kSec;
constexpr int64_t kT0 = 1'700'000'000 * kSec;  // a multiple of kBucket

RateSample Sample(const std::string& workload, int64_t start_ns,
                  std::array<uint64_t, kRateDims> counts) {
  RateSample s;
  s.workload = workload;
  s.start_ns = start_ns;
  s.bucket_ns = kBucket;
  s.counts = counts;
  return s;
}

ProcessContext Context(const Event& e) {
  ProcessContext p = e.process;
  p.pid = e.pid;
  return p;
}

// Element-wise |got - want| <= tol, reporting every index that is not.
void ExpectNear(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tol) << "index " << i;
  }
}

TEST(RatesTest, DimNames) {
  std::vector<std::string> names;
  for (size_t d = 0; d <= kRateDims; ++d) names.push_back(RateDimName(d));
  EXPECT_EQ(names, (std::vector<std::string>{"execs", "forks", "opens", "writes", "distinct paths",
                                             "connects", "distinct peers",
                                             "distinct written paths", "unknown"}));
}

// Calls the kernel verdict cache answered count in the plain dimensions of
// the workload's open bucket, never in the distinct ones.
TEST(RateBucketerTest, UndeliveredEventsCountInTheOpenBucket) {
  RateBucketer bucketer;
  bucketer.AddUndelivered("web", EventKind::kOpen, 5);  // no open bucket yet: nothing
  EXPECT_TRUE(bucketer.Observe(testing::Open("web", 11, "/srv/index.html", kAccessRead, kT0)).empty());
  bucketer.AddUndelivered("web", EventKind::kOpen, 40);
  bucketer.AddUndelivered("web", EventKind::kAccept, 7);
  bucketer.AddUndelivered("web", EventKind::kConnect, 3);
  bucketer.AddUndelivered("web", EventKind::kListen, 9);  // not a rate dimension
  bucketer.AddUndelivered("db", EventKind::kOpen, 9);     // no bucket
  std::vector<RateSample> done = bucketer.Observe(testing::Exit("web", 11, kT0 + kBucket));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].counts, (std::array<uint64_t, kRateDims>{0, 0, 41, 0, 1, 10, 0, 0}));
}

TEST(RateBucketerTest, CountsEachDimensionAndAttributesTheHeaviestProcess) {
  RateBucketer bucketer;
  std::vector<Event> events = {
      testing::Exec("web", 10, "/usr/sbin/nginx", kT0 + 1 * kSec),
      testing::Fork("web", 10, 11, kT0 + 1 * kSec),
      testing::Fork("web", 10, 12, kT0 + 1 * kSec),
      testing::Open("web", 11, "/etc/nginx/nginx.conf", kAccessRead, kT0 + 2 * kSec),
      testing::Open("web", 11, "/etc/nginx/nginx.conf", kAccessRead, kT0 + 2 * kSec),
      testing::Open("web", 12, "/var/log/access.log", kAccessWrite, kT0 + 3 * kSec),
      testing::Open("web", 12, "/var/log/new.log", kAccessCreate, kT0 + 3 * kSec, -13),
      testing::Connect("web", 11, V4(10, 0, 0, 7, 5432), kT0 + 4 * kSec),
      testing::Connect("web", 11, V4(10, 0, 0, 7, 5432), kT0 + 4 * kSec),
      testing::Connect("web", 11, V4(10, 0, 0, 7, 6379), kT0 + 4 * kSec),
      // Clients are counted as connects, never as distinct peers (audience).
      testing::Accept("web", 12, V4(0, 0, 0, 0, 80), V4(10, 0, 0, 9, 40001), kT0 + 5 * kSec),
      testing::Accept("web", 12, V4(0, 0, 0, 0, 80), V4(10, 0, 0, 9, 40002), kT0 + 5 * kSec),
      // Counted as events, in no dimension.
      testing::Exit("web", 12, kT0 + 6 * kSec),
      testing::Listen("web", 11, V4(0, 0, 0, 0, 80), kT0 + 6 * kSec),
      testing::Dns("web", 11, V4(10, 0, 0, 53, 53), "db.internal", kT0 + 6 * kSec),
  };
  // No workload: not counted.
  events.push_back(testing::Exec("", 99, "/bin/true", kT0 + 7 * kSec));
  for (const Event& e : events) EXPECT_TRUE(bucketer.Observe(e).empty());

  std::vector<RateSample> done = bucketer.Observe(testing::Exit("web", 11, kT0 + kBucket));
  RateSample want = Sample("web", kT0, {1, 2, 4, 2, 3, 5, 2, 2});
  want.cgroup_path = "system.slice/web";
  want.partial = true;  // the stream began 1 s into the bucket
  // Opens tie 2-2 between pids 11 and 12: the lower pid. Pid 12 opened 2 of
  // the 3 distinct paths.
  want.processes = {Context(events[0]), Context(events[0]), Context(events[3]), Context(events[5]),
                    Context(events[5]), Context(events[3]), Context(events[3]), Context(events[5])};
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], want);
}

TEST(DistinctHashesTest, CountsEachHashOnceAcrossGrowthAndClears) {
  DistinctHashes set;
  std::mt19937_64 rng(7);
  std::vector<uint64_t> hashes = {0, 1, 1ull << 63, ~0ull};
  // Hashes that differ only in their high bits, or only in their low ones.
  for (uint64_t i = 1; i <= 300; ++i) hashes.push_back(i << 40);
  for (uint64_t i = 2; i <= 300; ++i) hashes.push_back(i);
  for (int i = 0; i < 5000; ++i) hashes.push_back(rng());
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  for (int round = 0; round < 3; ++round) {
    for (uint64_t h : hashes) EXPECT_TRUE(set.Insert(h)) << h;
    for (uint64_t h : hashes) EXPECT_FALSE(set.Insert(h)) << h;
    EXPECT_EQ(set.size(), hashes.size());
    set.Clear();
    EXPECT_EQ(set.size(), 0u);
    // A small bucket after a big one (the table is given back), then empty.
    EXPECT_TRUE(set.Insert(0));
    EXPECT_TRUE(set.Insert(42));
    EXPECT_FALSE(set.Insert(42));
    EXPECT_EQ(set.size(), 2u);
    set.Clear();
  }
}

TEST(RateBucketerTest, DistinctCountsStartAgainInEachBucket) {
  RateBucketer bucketer;
  for (int i = 0; i < 3; ++i) {
    bucketer.Observe(testing::Open("web", 11, "/srv/a", kAccessRead, kT0 + i * kSec));
    bucketer.Observe(testing::Open("web", 11, "/srv/b", kAccessWrite, kT0 + i * kSec));
  }
  std::vector<RateSample> first =
      bucketer.Observe(testing::Open("web", 11, "/srv/a", kAccessRead, kT0 + kBucket));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].counts[kRatePaths], 2u);
  EXPECT_EQ(first[0].counts[kRateWrittenPaths], 1u);
  std::vector<RateSample> second = bucketer.Flush();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].counts[kRateOpens], 1u);
  EXPECT_EQ(second[0].counts[kRatePaths], 1u);  // /srv/a again: distinct in this bucket
  EXPECT_EQ(second[0].counts[kRateWrittenPaths], 0u);
}

TEST(RateBucketerTest, AlignsToBoundariesAndFillsEmptyBuckets) {
  RateOptions options;
  options.max_empty_buckets = 2;
  RateBucketer bucketer(options);
  // The stream starts 2 s into a bucket: that bucket is partial.
  EXPECT_TRUE(bucketer.Observe(testing::Fork("a", 1, 2, kT0 + 2 * kSec)).empty());
  EXPECT_TRUE(bucketer.Observe(testing::Fork("a", 1, 3, kT0 + kBucket - 1)).empty());
  std::vector<RateSample> got = bucketer.Observe(testing::Fork("b", 5, 6, kT0 + kBucket));
  RateSample a0 = Sample("a", kT0, {0, 2, 0, 0, 0, 0, 0});
  a0.cgroup_path = "system.slice/a";
  a0.partial = true;
  a0.processes[kRateForks] = Context(testing::Fork("a", 1, 2));
  EXPECT_EQ(got, std::vector<RateSample>{a0});

  // 4 buckets later: a's idle buckets (2 at most) and b's bucket then its idle
  // ones, ordered by start then workload.
  got = bucketer.Observe(testing::Fork("b", 5, 7, kT0 + 5 * kBucket + 3 * kSec));
  RateSample b1 = Sample("b", kT0 + kBucket, {0, 1, 0, 0, 0, 0, 0});
  b1.cgroup_path = "system.slice/b";
  b1.processes[kRateForks] = Context(testing::Fork("b", 5, 6));
  EXPECT_EQ(got, (std::vector<RateSample>{
                     Sample("a", kT0 + 1 * kBucket, {}), b1, Sample("a", kT0 + 2 * kBucket, {}),
                     Sample("b", kT0 + 2 * kBucket, {}), Sample("b", kT0 + 3 * kBucket, {})}));

  // `a` has been forgotten: its next event starts a fresh bucket, no gap.
  got = bucketer.Observe(testing::Fork("a", 1, 8, kT0 + 7 * kBucket));
  RateSample b5 = Sample("b", kT0 + 5 * kBucket, {0, 1, 0, 0, 0, 0, 0});
  b5.cgroup_path = "system.slice/b";
  b5.processes[kRateForks] = Context(testing::Fork("b", 5, 7));
  EXPECT_EQ(got, (std::vector<RateSample>{b5, Sample("b", kT0 + 6 * kBucket, {})}));

  // A late event (its bucket already completed) counts in the open bucket.
  EXPECT_TRUE(bucketer.Observe(testing::Fork("a", 1, 9, kT0 + 2 * kSec)).empty());
  // Flush: open buckets with events only, partial and unscaled; then reset.
  RateSample a7 = Sample("a", kT0 + 7 * kBucket, {0, 2, 0, 0, 0, 0, 0});
  a7.cgroup_path = "system.slice/a";
  a7.partial = true;
  a7.processes[kRateForks] = Context(testing::Fork("a", 1, 8));
  EXPECT_EQ(bucketer.Flush(), std::vector<RateSample>{a7});
  EXPECT_TRUE(bucketer.Flush().empty());

  // After the reset, a stream starting exactly on a boundary: not partial.
  EXPECT_TRUE(bucketer.Observe(testing::Fork("c", 1, 2, kT0)).empty());
  got = bucketer.Observe(testing::Exit("c", 1, kT0 + kBucket));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].partial);
  EXPECT_EQ(got[0].start_ns, kT0);
}

// A copy counts on its own buckets (the last event's bucket is kept at hand,
// never shared); a moved-to bucketer carries on.
TEST(RateBucketerTest, CopiesCountApartAndMovesCarryOn) {
  RateBucketer original;
  original.Observe(testing::Fork("a", 1, 2, kT0));
  RateBucketer copy = original;
  original.Observe(testing::Fork("a", 1, 3, kT0 + 1));
  copy.Observe(testing::Fork("a", 1, 4, kT0 + 2));
  copy.Observe(testing::Fork("a", 1, 5, kT0 + 3));
  RateBucketer moved = std::move(copy);
  moved.Observe(testing::Fork("a", 1, 6, kT0 + 4));
  std::vector<RateSample> o = original.Flush();
  std::vector<RateSample> m = moved.Flush();
  ASSERT_EQ(o.size(), 1u);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(o[0].counts[kRateForks], 2u);
  EXPECT_EQ(m[0].counts[kRateForks], 4u);
}

TEST(RateBucketerTest, EventsWithoutWorkloadStillAdvanceTheClock) {
  RateBucketer bucketer;
  EXPECT_TRUE(bucketer.Observe(testing::Exec("a", 1, "/bin/a", kT0)).empty());
  std::vector<RateSample> got = bucketer.Observe(testing::Exec("", 2, "/bin/b", kT0 + kBucket));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].counts, (std::array<uint64_t, kRateDims>{1, 0, 0, 0, 0, 0, 0}));
}

TEST(RateLearnTest, WelfordEqualsBatchMeanAndCovariance) {
  std::mt19937 rng(7);
  std::vector<RateSample> samples;
  for (int i = 0; i < 250; ++i) {
    std::array<uint64_t, kRateDims> c{};
    for (size_t d = 0; d < kRateDims; ++d) c[d] = rng() % (10 + 100 * d);
    c[kRateWrites] = c[kRateOpens] / 3;  // correlated, as in life
    samples.push_back(Sample("w", kT0 + i * kBucket, c));
  }
  RateBaseline b;
  for (const RateSample& s : samples) ASSERT_TRUE(Learn(&b, s));

  std::vector<double> mean(kRateDims, 0), m2(kRateDims * kRateDims, 0), max(kRateDims, 0);
  for (const RateSample& s : samples) {
    std::array<double, kRateDims> x = RateFeatures(s);
    for (size_t d = 0; d < kRateDims; ++d) {
      mean[d] += x[d] / samples.size();
      max[d] = std::max(max[d], x[d]);
    }
  }
  for (const RateSample& s : samples) {
    std::array<double, kRateDims> x = RateFeatures(s);
    for (size_t i = 0; i < kRateDims; ++i) {
      for (size_t j = 0; j < kRateDims; ++j) {
        m2[i * kRateDims + j] += (x[i] - mean[i]) * (x[j] - mean[j]);
      }
    }
  }
  EXPECT_EQ(b.buckets, samples.size());
  EXPECT_EQ(b.bucket_ns, kBucket);
  ExpectNear(b.mean, mean, 1e-9);
  ExpectNear(b.m2, m2, 1e-7);
  EXPECT_EQ(b.max, max);
}

TEST(RateLearnTest, SkipsPartialAndMismatchedBuckets) {
  RateBaseline b;
  RateSample partial = Sample("w", kT0, {1, 1, 1, 1, 1, 1, 1});
  partial.partial = true;
  EXPECT_FALSE(Learn(&b, partial));
  EXPECT_EQ(b, RateBaseline());

  RateSample s = Sample("w", kT0, {0, 0, 3, 0, 2, 0, 0});
  ASSERT_TRUE(Learn(&b, s));
  RateBaseline want;
  want.bucket_ns = kBucket;
  want.buckets = 1;
  std::array<double, kRateDims> x = RateFeatures(s);
  ExpectNear({x.begin(), x.end()}, {0, 0, std::log(4.0), 0, std::log(3.0), 0, 0, 0}, 1e-15);
  want.mean = {x.begin(), x.end()};
  want.m2.assign(kRateDims * kRateDims, 0);
  want.max = want.mean;
  EXPECT_EQ(b, want);

  RateSample other = s;
  other.bucket_ns = 60 * kSec;
  EXPECT_FALSE(Learn(&b, other));
  EXPECT_EQ(b, want);
}

// A service with steady, noisy load: ~50 opens over a pool of 30 files, 0-2
// log writes, an occasional fork+exec of a helper, 3-7 connects to 3 backends,
// 5-15 clients from 20 addresses.
class Workload {
 public:
  explicit Workload(uint32_t seed) : rng_(seed) {}

  std::vector<Event> NormalBucket(int64_t start) {
    std::vector<Event> out;
    auto at = [&]() { return start + static_cast<int64_t>(rng_() % kBucket); };
    int opens =
        std::clamp(static_cast<int>(std::lround(std::normal_distribution<>(50, 10)(rng_))), 20, 80);
    for (int i = 0; i < opens; ++i) {
      out.push_back(testing::Open("api", 100, "/srv/api/data/" + std::to_string(rng_() % 30),
                                  kAccessRead, at()));
    }
    for (int i = 0, n = static_cast<int>(rng_() % 3); i < n; ++i) {
      out.push_back(testing::Open("api", 100, "/var/log/api.log", kAccessWrite, at()));
    }
    if (rng_() % 2 == 0) {
      int64_t t = at();
      out.push_back(testing::Fork("api", 100, 200, t));
      out.push_back(testing::Exec("api", 200, "/usr/bin/helper", t));
    }
    for (int i = 0, n = 3 + static_cast<int>(rng_() % 5); i < n; ++i) {
      out.push_back(testing::Connect(
          "api", 100, V4(10, 0, 1, static_cast<uint8_t>(1 + rng_() % 3), 5432), at()));
    }
    for (int i = 0, n = 5 + static_cast<int>(rng_() % 11); i < n; ++i) {
      out.push_back(testing::Accept(
          "api", 100, V4(0, 0, 0, 0, 8080),
          V4(10, 0, 2, static_cast<uint8_t>(1 + rng_() % 20), static_cast<uint16_t>(40000 + i)),
          at()));
    }
    std::sort(out.begin(), out.end(),
              [](const Event& a, const Event& b) { return a.time_ns < b.time_ns; });
    return out;
  }

 private:
  std::mt19937 rng_;
};

// Feeds buckets [first, first + n) through a bucketer; returns the completed
// samples. `extra` goes into bucket `extra_bucket`, observed as coming from a
// new program's process tree when `extra_from_suspect`.
std::vector<RateSample> FeedBuckets(RateBucketer* bucketer, Workload* w, int first, int n,
                                    const std::vector<Event>& extra = {}, int extra_bucket = -1,
                                    bool extra_from_suspect = false) {
  std::vector<RateSample> out;
  auto observe = [&](const Event& e, bool new_program) {
    for (RateSample& s : bucketer->Observe(e, new_program)) out.push_back(std::move(s));
  };
  for (int k = first; k < first + n; ++k) {
    for (const Event& e : w->NormalBucket(kT0 + k * kBucket)) observe(e, false);
    if (k != extra_bucket) continue;
    for (const Event& e : extra) observe(e, extra_from_suspect);
  }
  return out;
}

class RateDetectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RateBucketer train;
    std::vector<RateSample> samples = FeedBuckets(&train, &w_, 0, 360);  // one hour
    ASSERT_EQ(samples.size(), 359u);  // the last bucket is still open
    ASSERT_TRUE(samples[0].partial);  // the stream began after its start
    for (const RateSample& s : samples) Learn(&baseline_, s);
    ASSERT_EQ(baseline_.buckets, 358u);
  }

  // A fresh detection stream: 3 normal buckets, then `burst` added to bucket 3
  // (by a new program's process tree unless `from_new_program` is false).
  RateSample BurstBucket(const std::vector<Event>& burst, bool from_new_program = true) {
    RateBucketer detect;
    std::vector<RateSample> got = FeedBuckets(&detect, &w_, 1000, 5, burst, 1003, from_new_program);
    EXPECT_EQ(got.size(), 4u);
    return got.at(3);
  }

  Workload w_{42};
  RateBaseline baseline_;
};

TEST_F(RateDetectionTest, NoFindingOnFreshNormalBuckets) {
  RateBucketer detect;
  std::vector<RateSample> fresh = FeedBuckets(&detect, &w_, 1000, 201);
  ASSERT_EQ(fresh.size(), 200u);
  double worst = 0;
  for (const RateSample& s : fresh) {
    std::optional<RateScore> score = Score(baseline_, s);
    ASSERT_TRUE(score.has_value());
    EXPECT_FALSE(score->drift) << "bucket " << s.start_ns << " distance " << score->distance;
    worst = std::max(worst, score->distance);
  }
  EXPECT_LT(worst, RateOptions().distance_threshold);

  // A quiet bucket is no alarm: every feature is below its mean.
  std::optional<RateScore> quiet = Score(baseline_, Sample("api", kT0, {}));
  ASSERT_TRUE(quiet.has_value());
  EXPECT_EQ(quiet->distance, 0);
  EXPECT_FALSE(quiet->drift);
}

TEST_F(RateDetectionTest, WriteBurstFires) {
  std::vector<Event> burst;
  for (int i = 0; i < 500; ++i) {
    Event e = testing::Open("api", 666, "/srv/api/data/" + std::to_string(i) + ".locked",
                            kAccessWrite | kAccessCreate, kT0 + 1003 * kBucket + i * 1000);
    e.process.exe = "/tmp/.x/enc";
    burst.push_back(e);
  }
  RateSample s = BurstBucket(burst);
  std::optional<RateScore> score = Score(baseline_, s);
  ASSERT_TRUE(score.has_value());
  EXPECT_TRUE(score->drift);
  // 500 files written once each: distinct written paths stand out most (the
  // training wrote 1-2 log files, a few times each).
  EXPECT_EQ(score->top_dim, kRateWrittenPaths);

  Finding f = RateFinding(s, *score, baseline_);
  EXPECT_EQ(f.kind, FindingKind::kRate);
  EXPECT_EQ(f.workload, "api");
  EXPECT_EQ(f.time_ns, kT0 + 1003 * kBucket);
  EXPECT_EQ(f.process.exe, "/tmp/.x/enc");
  EXPECT_EQ(f.process.pid, 666u);
  EXPECT_EQ(f.subject, "distinct written paths " + std::to_string(s.counts[kRateWrittenPaths]) +
                          "/10s (training max 1)");
  EXPECT_GE(f.severity, Severity::kHigh);
  EXPECT_NE(f.reason.find("mostly from suspect processes"), std::string::npos) << f.reason;
  EXPECT_EQ(s.from_suspects[kRateWrittenPaths], 500u);
}

// The same burst made by the workload's own programs is load: recorded low,
// under one name whatever the dimension.
TEST_F(RateDetectionTest, TheWorkloadsOwnBurstIsLoadAndLow) {
  std::vector<Event> burst;
  for (int i = 0; i < 500; ++i) {
    burst.push_back(testing::Open("api", 666, "/srv/api/data/" + std::to_string(i) + ".tbl",
                                  kAccessWrite | kAccessCreate, kT0 + 1003 * kBucket + i * 1000));
  }
  RateSample s = BurstBucket(burst, /*from_new_program=*/false);
  EXPECT_EQ(s.from_suspects[kRateWrittenPaths], 0u);
  std::optional<RateScore> score = Score(baseline_, s);
  ASSERT_TRUE(score.has_value());
  ASSERT_TRUE(score->drift);
  Finding f = RateFinding(s, *score, baseline_);
  EXPECT_EQ(f.severity, Severity::kLow);
  EXPECT_LE(f.score, kLoadBurstScore);
  EXPECT_TRUE(f.subject.starts_with("load burst: distinct written paths ")) << f.subject;
  EXPECT_NE(f.reason.find("load, not new behaviour"), std::string::npos) << f.reason;
  EXPECT_EQ(RateFindingName(f.subject), "load");
}

TEST(RateFindingNameTest, TheDimensionOrLoad) {
  EXPECT_EQ(RateFindingName("writes 480/10s (training max 12)"), "writes");
  EXPECT_EQ(RateFindingName("distinct written paths 309/10s (training max 4)"),
            "distinct written paths");
  EXPECT_EQ(RateFindingName("load burst: opens 480/10s (training max 12)"), "load");
}

// Clients accepted on a listening port are its audience: a thousand new
// clients are connections, not a fan-out to distinct peers.
TEST(RateBucketerTest, AcceptedClientsAreNotDistinctPeers) {
  RateBucketer b;
  for (int i = 0; i < 1000; ++i) {
    b.Observe(testing::Accept("api", 10, testing::V4(10, 0, 0, 2, 443),
                              testing::V4(10, 1, static_cast<uint8_t>(i / 250),
                                          static_cast<uint8_t>(i % 250), static_cast<uint16_t>(40000 + i)),
                              kT0 + i * 1000));
  }
  std::vector<RateSample> got = b.Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].counts[kRateConnects], 1000u);
  EXPECT_EQ(got[0].counts[kRatePeers], 0u);
}

TEST_F(RateDetectionTest, ForkStormFires) {
  std::vector<Event> burst;
  for (uint32_t i = 0; i < 300; ++i) {
    burst.push_back(testing::Fork("api", 777, 10000 + i, kT0 + 1003 * kBucket + i * 1000));
  }
  RateSample s = BurstBucket(burst);
  std::optional<RateScore> score = Score(baseline_, s);
  ASSERT_TRUE(score.has_value());
  EXPECT_TRUE(score->drift);
  EXPECT_EQ(score->top_dim, kRateForks);
  EXPECT_EQ(RateFinding(s, *score, baseline_).process.pid, 777u);
}

TEST_F(RateDetectionTest, ConnectFanOutFires) {
  std::vector<Event> burst;
  for (uint16_t port = 1; port <= 200; ++port) {
    burst.push_back(
        testing::Connect("api", 888, V4(10, 0, 3, 4, port), kT0 + 1003 * kBucket + port * 1000));
  }
  RateSample s = BurstBucket(burst);
  std::optional<RateScore> score = Score(baseline_, s);
  ASSERT_TRUE(score.has_value());
  EXPECT_TRUE(score->drift);
  EXPECT_EQ(score->top_dim, kRatePeers);
  EXPECT_EQ(RateFinding(s, *score, baseline_).process.pid, 888u);
}

// A workload that never wrote: a real burst fires, a few writes do not.
TEST(RateScoreTest, NeverWroteFlagsBurstsOnly) {
  std::mt19937 rng(3);
  RateBaseline b;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Learn(&b, Sample("w", kT0 + i * kBucket, {0, 0, 40 + rng() % 20, 0, 10, 2, 1})));
  }
  auto score = [&](uint64_t writes) {
    return Score(b, Sample("w", kT0, {0, 0, 50, writes, 10, 2, 1})).value();
  };
  EXPECT_FALSE(score(1).drift);
  EXPECT_FALSE(score(2).drift);
  EXPECT_LT(score(2).distance, RateOptions().distance_threshold);  // 3.5
  EXPECT_GT(score(19).distance, RateOptions().distance_threshold);
  EXPECT_FALSE(score(19).drift);  // below min_burst
  EXPECT_TRUE(score(20).drift);
  EXPECT_TRUE(score(500).drift);
  EXPECT_EQ(score(500).top_dim, kRateWrites);
  EXPECT_GT(score(500).distance, 19);
}

// Within twice the training peak is not a burst, however far from the mean.
TEST(RateScoreTest, TrainingPeakGate) {
  RateBaseline b;
  for (int i = 0; i < 100; ++i) {
    uint64_t writes = i == 50 ? 2000 : 50;  // one busy bucket (a start-up) in training
    ASSERT_TRUE(Learn(&b, Sample("w", kT0 + i * kBucket, {0, 0, 60, writes, 5, 0, 0})));
  }
  RateScore at_peak = Score(b, Sample("w", kT0, {0, 0, 60, 3000, 5, 0, 0})).value();
  EXPECT_GT(at_peak.distance, RateOptions().distance_threshold);
  EXPECT_FALSE(at_peak.drift);
  EXPECT_EQ(at_peak.top_dim, kRateWrites);
  EXPECT_TRUE(Score(b, Sample("w", kT0, {0, 0, 60, 4010, 5, 0, 0})).value().drift);
}

// Traffic-proportional dimensions (opens, connects) count in the distance
// but are never the reason for a finding: twice the clients is not an attack.
TEST(RateScoreTest, TrafficVolumeAloneIsNotDrift) {
  RateBaseline b;
  for (uint64_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(Learn(&b, Sample("w", kT0 + static_cast<int64_t>(i) * kBucket,
                                 {0, 0, 50 + i % 7, 1, 5, 80 + i % 9, 3})));
  }
  RateScore busy = Score(b, Sample("w", kT0, {0, 0, 5000, 1, 5, 900, 3})).value();
  EXPECT_GT(busy.distance, RateOptions().distance_threshold);
  EXPECT_FALSE(busy.drift);
  // A fan-out to new peers is.
  EXPECT_TRUE(Score(b, Sample("w", kT0, {0, 0, 60, 1, 5, 300, 250})).value().drift);
}

// A server that forks per client: five times the clients is five times the
// forks (its audience), not a burst; the same forks without the clients (a
// fork bomb, a loop of spawns) are, and so are a suspect's among clients.
TEST(RateScoreTest, ForksThatKeepPaceWithConnectionsAreTheAudience) {
  std::mt19937 rng(5);
  RateBaseline b;
  for (int i = 0; i < 120; ++i) {
    // Busy buckets: one fork per client plus a background worker now and then;
    // idle ones: the background worker alone.
    const uint64_t clients = i % 4 == 0 ? 0 : 10 + rng() % 15;
    const uint64_t forks = clients + rng() % 3;
    ASSERT_TRUE(Learn(&b, Sample("db", kT0 + i * kBucket, {0, forks, 200, 50, 40, clients, 0, 10})));
  }
  const uint64_t peak = std::llround(std::expm1(b.max[kRateForks]));
  ASSERT_LT(3 * (peak + 1), 600u);  // the bursts below pass gates 1 and 2
  RateScore audience = Score(b, Sample("db", kT0, {0, 600, 3000, 60, 40, 590, 0, 10})).value();
  EXPECT_GT(audience.distance, RateOptions().distance_threshold);
  EXPECT_FALSE(audience.drift);
  RateScore bomb = Score(b, Sample("db", kT0, {0, 600, 250, 50, 40, 12, 0, 10})).value();
  EXPECT_TRUE(bomb.drift);
  EXPECT_EQ(bomb.top_dim, kRateForks);
  RateSample suspect = Sample("db", kT0, {0, 600, 3000, 60, 40, 590, 0, 10});
  suspect.from_suspects[kRateForks] = 500;
  EXPECT_TRUE(Score(b, suspect).value().drift) << "a suspect's forks are never the audience's";
  RateOptions off;
  off.per_connection[kRateForks] = false;
  EXPECT_TRUE(Score(b, Sample("db", kT0, {0, 600, 3000, 60, 40, 590, 0, 10}), off).value().drift)
      << "the third gate is what lets the audience through";
}

TEST(RateScoreTest, NeedsEnoughMatchingTraining) {
  RateBaseline b;
  RateSample burst = Sample("w", kT0, {0, 0, 50, 500, 10, 0, 0});
  EXPECT_EQ(Score(b, burst), std::nullopt);
  for (int i = 0; i < 29; ++i) {
    ASSERT_TRUE(Learn(&b, Sample("w", kT0 + i * kBucket, {0, 0, 50, 0, 10, 0, 0})));
  }
  EXPECT_EQ(Score(b, burst), std::nullopt);  // 29 < min_buckets
  ASSERT_TRUE(Learn(&b, Sample("w", kT0 + 29 * kBucket, {0, 0, 50, 0, 10, 0, 0})));
  ASSERT_TRUE(Score(b, burst).has_value());
  EXPECT_TRUE(Score(b, burst)->drift);

  RateSample other_length = burst;
  other_length.bucket_ns = 60 * kSec;
  EXPECT_EQ(Score(b, other_length), std::nullopt);
  RateBaseline damaged = b;
  damaged.m2.pop_back();
  EXPECT_EQ(Score(damaged, burst), std::nullopt);
}

TEST(RateFindingTest, NamesTheBurst) {
  RateBaseline b;
  b.buckets = 100;
  b.mean.assign(kRateDims, 1.0);
  b.m2.assign(kRateDims * kRateDims, 0);
  b.max.assign(kRateDims, std::log1p(12.0));
  RateSample s = Sample("api", kT0, {0, 0, 0, 480, 0, 0, 0});
  s.cgroup_path = "system.slice/api";
  s.processes[kRateWrites].pid = 666;
  s.processes[kRateWrites].exe = "/tmp/enc";
  s.from_suspects[kRateWrites] = 300;  // most of it from a new program's tree
  RateScore score{.distance = 23.44, .top_dim = kRateWrites, .top_z = 10, .drift = true};

  Finding want;
  want.time_ns = kT0;
  want.workload = "api";
  want.cgroup_path = "system.slice/api";
  want.kind = FindingKind::kRate;
  want.subject = "writes 480/10s (training max 12)";
  want.reason =
      "burst of writes: 480 in 10 s, training max 12, Mahalanobis 23.4 (mostly from suspect "
      "processes: a new program's tree, or a process with findings of its own)";
  want.score = 0.98;  // 1 - exp(-23.44 / 6), already critical
  want.severity = Severity::kCritical;
  want.process = s.processes[kRateWrites];
  EXPECT_EQ(RateFinding(s, score, b), want);

  // Opens are weighted 0.8: the same distance is high (0.784), raised to critical.
  s.counts = {0, 0, 480, 0, 0, 0, 0};
  s.from_suspects = {0, 0, 240, 0, 0, 0, 0};
  score.top_dim = kRateOpens;
  want.subject = "opens 480/10s (training max 12)";
  want.reason =
      "burst of opens: 480 in 10 s, training max 12, Mahalanobis 23.4 (mostly from suspect "
      "processes: a new program's tree, or a process with findings of its own)";
  want.score = 0.9;
  want.severity = Severity::kCritical;
  want.process = ProcessContext();
  EXPECT_EQ(RateFinding(s, score, b), want);

  // Less than half from a new program's tree: load, capped low.
  s.from_suspects = {0, 0, 239, 0, 0, 0, 0};
  want.subject = "load burst: opens 480/10s (training max 12)";
  want.reason =
      "burst of opens: 480 in 10 s, training max 12, Mahalanobis 23.4 (the workload's own "
      "programs: load, not new behaviour)";
  want.score = kLoadBurstScore;
  want.severity = Severity::kLow;
  EXPECT_EQ(RateFinding(s, score, b), want);
}

}  // namespace
}  // namespace dw::model
