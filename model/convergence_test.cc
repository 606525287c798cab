// model/convergence_test.cc: learning state, coverage and incompleteness.
#include "model/convergence.h"

#include <gtest/gtest.h>

namespace dw::model {
namespace {

constexpr int64_t kMin = 60'000'000'000;

Fingerprint Trained(int64_t duration_ns, int64_t last_new_ns) {
  Fingerprint fp;
  fp.training.events = 100;
  fp.training.first_event_ns = 0;
  fp.training.last_event_ns = duration_ns;
  fp.executables["/usr/sbin/app"] = {90, 0, duration_ns, 1, 0};
  fp.files["/etc/app.conf"] = {9, 0, duration_ns, 1, 1};
  fp.files["/var/lib/app/new"] = {1, last_new_ns, last_new_ns, 1, 2};
  return fp;
}

TEST(ConvergenceTest, StableAfterMinimumDurationAndQuietPeriod) {
  ConvergenceOptions o{10 * kMin, 5 * kMin};
  LearningStatus s = Assess(Trained(20 * kMin, 12 * kMin), o);
  EXPECT_TRUE(s.stable);
  EXPECT_EQ(s.State(), "stable");
  EXPECT_EQ(s.quiet_for_ns, 8 * kMin);
  // 1 singleton out of 100 observations.
  EXPECT_DOUBLE_EQ(s.coverage, 0.99);
  EXPECT_EQ(s.Describe(o), "stable: no new item for 8m00s after 20m00s of training; coverage 99.0%");
}

TEST(ConvergenceTest, LearningWhileNewItemsKeepComing) {
  ConvergenceOptions o{10 * kMin, 5 * kMin};
  LearningStatus s = Assess(Trained(20 * kMin, 18 * kMin), o);
  EXPECT_FALSE(s.stable);
  EXPECT_EQ(s.types[2], (TypeStatus{"files", 2, 10, 1, 18 * kMin, 1, 0.9}));
  EXPECT_EQ(s.Describe(o), "learning: 1 new items in the last 5m00s; coverage 99.0%");
}

TEST(ConvergenceTest, TooShortIsLearningEvenWhenQuiet) {
  ConvergenceOptions o{10 * kMin, 1 * kMin};
  LearningStatus s = Assess(Trained(5 * kMin, 0), o);
  EXPECT_FALSE(s.stable);
  EXPECT_EQ(s.Describe(o), "learning: no new item for 5m00s; 5m00s of 10m00s minimum; coverage 99.0%");
}

TEST(ConvergenceTest, DropsMarkTheBaselineIncomplete) {
  Fingerprint fp = Trained(20 * kMin, 1 * kMin);
  fp.training.dropped_events = 42;
  LearningStatus s = Assess(fp, {10 * kMin, 5 * kMin});
  EXPECT_TRUE(s.stable);
  EXPECT_TRUE(s.incomplete);
  EXPECT_EQ(s.State(), "stable, incomplete");
}

TEST(ConvergenceTest, EmptyFingerprintIsLearning) {
  LearningStatus s = Assess(Fingerprint{});
  EXPECT_FALSE(s.stable);
  EXPECT_EQ(s.coverage, 1.0);
}

// Syscalls are one record per cgroup's first use: a new one keeps a baseline
// learning, but their counts are left out of the overall coverage.
TEST(ConvergenceTest, SyscallsCountForStabilityNotCoverage) {
  ConvergenceOptions o{10 * kMin, 5 * kMin};
  Fingerprint fp = Trained(20 * kMin, 12 * kMin);
  fp.syscalls["openat"] = {1, 0, 0, 1, 0};
  fp.syscalls["ptrace"] = {1, 18 * kMin, 18 * kMin, 1, 0};
  LearningStatus s = Assess(fp, o);
  EXPECT_FALSE(s.stable);
  ASSERT_EQ(s.types.size(), 6u);
  EXPECT_EQ(s.types[5], (TypeStatus{"syscalls", 2, 2, 2, 18 * kMin, 1, 0.0}));
  EXPECT_DOUBLE_EQ(s.coverage, 0.99);  // as without syscalls
  fp.syscalls.erase("ptrace");
  EXPECT_TRUE(Assess(fp, o).stable);
}

}  // namespace
}  // namespace dw::model
