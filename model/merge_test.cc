// model/merge_test.cc: merge is associative, commutative and idempotent on
// randomized fingerprints with overlapping items; a hand example with exact sums.
#include "model/merge.h"

#include <gtest/gtest.h>

#include <random>

namespace dw::model {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000'000;

class RandomFingerprints {
 public:
  explicit RandomFingerprints(uint32_t seed) : rng_(seed) {}

  Fingerprint Next(const std::string& node) {
    Fingerprint fp;
    fp.workload = "shop/web";
    fp.node = node;
    fp.syscall_arch = Pick(2) ? "x86_64" : "";
    // Few candidate keys, so parts overlap often.
    for (int i = 0; i < 6; ++i) {
      if (Pick(2)) fp.executables["/usr/bin/e" + std::to_string(Pick(5))] = Stats(0);
      if (Pick(2)) fp.files["/srv/f" + std::to_string(Pick(6))] = Stats(static_cast<uint8_t>(Pick(8)));
      if (Pick(3) == 0) fp.dns_names["n" + std::to_string(Pick(3)) + ".internal"] = Stats(0);
      if (Pick(3) == 0) fp.lineage["/bin/sh -> /usr/bin/e" + std::to_string(Pick(3))] = Stats(0);
      if (Pick(2)) fp.syscalls[Pick(2) ? "read" : "openat"] = Stats(0);
      if (Pick(2)) {
        fp.network[{static_cast<Direction>(1 + Pick(4)), 6, "10.0.0." + std::to_string(Pick(4)),
                    static_cast<uint16_t>(80 + Pick(2))}] = Stats(0);
      }
      if (Pick(3) == 0) {
        Generalization g;
        g.rule = "rule " + std::to_string(Pick(2));
        for (int e = Pick(10); e > 0; --e) g.examples.push_back("/var/cache/x/" + std::to_string(Pick(12)));
        g.covered = static_cast<uint32_t>(Pick(20));
        g.stats = Stats(kAccessRead);
        fp.file_patterns["/var/cache/" + std::to_string(Pick(3)) + "/*"] = g;
      }
      if (Pick(4) == 0) {
        Generalization g;
        g.rule = "pool";
        g.examples = {"10.0.3." + std::to_string(Pick(9))};
        g.covered = static_cast<uint32_t>(Pick(20));
        g.stats = Stats(0);
        fp.net_patterns[{Direction::kOutbound, 6, "10.0.3.0/24", 443}] = g;
      }
    }
    if (Pick(3) != 0) {
      fp.rates.buckets = 1 + static_cast<uint64_t>(Pick(50));
      for (size_t i = 0; i < kRateDims; ++i) {
        fp.rates.mean.push_back(Pick(100) / 8.0);
        fp.rates.max.push_back(Pick(100) / 4.0);
      }
      for (size_t i = 0; i < kRateDims * kRateDims; ++i) fp.rates.m2.push_back(Pick(100) / 16.0);
    }
    fp.training = {static_cast<uint64_t>(Pick(4)), kT0 + Pick(100), kT0 + 100 + Pick(100),
                   static_cast<uint64_t>(Pick(3)), static_cast<uint32_t>(1 + Pick(2))};
    return fp;
  }

  // 0..3 parts on nodes drawn from four names.
  Parts NextParts() {
    Parts p;
    for (int n = Pick(4); n > 0; --n) p = MergeParts(p, PartsOf(Next("node-" + std::to_string(Pick(4)))));
    return p;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  ItemStats Stats(uint8_t access) {
    int64_t first = kT0 + Pick(1000);
    return ItemStats{static_cast<uint64_t>(1 + Pick(100)), first, first + Pick(1000),
                     static_cast<uint32_t>(1 + Pick(5)), access, 1};
  }
  std::mt19937 rng_;
};

TEST(MergeTest, MergeIsCommutativeAssociativeAndIdempotent) {
  RandomFingerprints gen(20240611);
  for (int round = 0; round < 500; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Parts a = gen.NextParts();
    Parts b = gen.NextParts();
    Parts c = gen.NextParts();
    ASSERT_EQ(MergeParts(a, b), MergeParts(b, a));
    ASSERT_EQ(MergeParts(MergeParts(a, b), c), MergeParts(a, MergeParts(b, c)));
    ASSERT_EQ(MergeParts(a, a), a);
    ASSERT_EQ(MergeParts(MergeParts(a, b), b), MergeParts(a, b));
    // The combined view is a function of the parts, so it has the same laws.
    ASSERT_EQ(Combine(MergeParts(a, b)), Combine(MergeParts(b, a)));
    ASSERT_EQ(Combine(MergeParts(MergeParts(a, b), c)), Combine(MergeParts(a, MergeParts(b, c))));
    ASSERT_EQ(Combine(MergeParts(a, a)), Combine(a));
  }
}

TEST(MergeTest, OnePartCombinesToItself) {
  RandomFingerprints gen(7);
  for (int round = 0; round < 200; ++round) {
    Fingerprint fp = gen.Next("node-" + std::to_string(round % 3));
    ASSERT_EQ(Combine(PartsOf(fp)), fp);
  }
}

// Merged syscalls can tell only what every part's training watched.
TEST(MergeTest, SyscallWatchIsTheLeastOfTheParts) {
  Fingerprint all;
  all.node = "a";
  all.syscalls["openat"] = {};
  Fingerprint sentinels;
  sentinels.node = "b";
  sentinels.syscall_watch = SyscallWatch::kSentinels;
  Fingerprint legacy;  // kAll, nothing learned: watched none
  legacy.node = "c";
  Parts ab = MergeParts(PartsOf(all), PartsOf(sentinels));
  EXPECT_EQ(Combine(ab).syscall_watch, SyscallWatch::kSentinels);
  EXPECT_EQ(Combine(ab).syscalls.count("openat"), 1u);
  EXPECT_EQ(Combine(MergeParts(ab, PartsOf(legacy))).syscall_watch, SyscallWatch::kNone);
  Fingerprint all2 = all;
  all2.node = "d";
  EXPECT_EQ(Combine(MergeParts(PartsOf(all), PartsOf(all2))).syscall_watch, SyscallWatch::kAll);
}

// A merged lineage names interpreters by their binary if any part's did.
TEST(MergeTest, LineageByExeIfAnyPartHasIt) {
  Fingerprint a;
  a.node = "a";
  Fingerprint b;
  b.node = "b";
  EXPECT_FALSE(Combine(MergeParts(PartsOf(a), PartsOf(b))).lineage_by_exe);
  b.lineage_by_exe = true;
  EXPECT_TRUE(Combine(MergeParts(PartsOf(a), PartsOf(b))).lineage_by_exe);
  EXPECT_TRUE(Combine(MergeParts(PartsOf(b), PartsOf(a))).lineage_by_exe);
}

TEST(MergeTest, SameNodeKeepsTheLongerTraining) {
  Fingerprint shorter;
  shorter.node = "a";
  shorter.training.events = 5;
  Fingerprint longer = shorter;
  longer.training.events = 9;
  EXPECT_EQ(MergeParts(PartsOf(shorter), PartsOf(longer)), PartsOf(longer));
  EXPECT_EQ(MergeParts(PartsOf(longer), PartsOf(shorter)), PartsOf(longer));
  EXPECT_TRUE(PartLess(shorter, longer));
  EXPECT_FALSE(PartLess(longer, shorter));
  EXPECT_FALSE(PartLess(longer, longer));
}

TEST(MergeTest, HandExampleSumsCountsAndCountsNodes) {
  auto stats = [](uint64_t count, int64_t first, int64_t last, uint32_t procs, uint8_t access) {
    return ItemStats{count, kT0 + first, kT0 + last, procs, access, 1};
  };
  Fingerprint a;
  a.workload = "web";
  a.node = "node-a";
  a.executables["/usr/sbin/nginx"] = stats(10, 5, 50, 2, 0);
  a.files["/etc/nginx/nginx.conf"] = stats(3, 6, 7, 1, kAccessRead);
  a.syscalls["read"] = stats(100, 5, 60, 2, 0);
  a.syscall_arch = "x86_64";
  a.file_patterns["/var/cache/nginx/*"] = {"16 children", {"/var/cache/nginx/1", "/var/cache/nginx/2"},
                                            16, stats(40, 8, 9, 1, kAccessRead)};
  a.training = {200, kT0 + 5, kT0 + 60, 1, 1};
  a.rates = {10'000'000'000, 2, std::vector<double>(kRateDims, 1.0),
             std::vector<double>(kRateDims * kRateDims, 0.0), std::vector<double>(kRateDims, 1.0)};

  Fingerprint b;
  b.workload = "web";
  b.node = "node-b";
  b.executables["/usr/sbin/nginx"] = stats(4, 2, 40, 1, 0);
  b.executables["/bin/sh"] = stats(1, 30, 30, 1, 0);
  b.files["/etc/nginx/nginx.conf"] = stats(2, 9, 90, 1, kAccessWrite);
  b.file_patterns["/var/cache/nginx/*"] = {"16 children", {"/var/cache/nginx/2", "/var/cache/nginx/3"},
                                            20, stats(5, 1, 2, 1, kAccessRead)};
  b.training = {50, kT0 + 2, kT0 + 90, 0, 2};
  b.rates = {10'000'000'000, 2, std::vector<double>(kRateDims, 3.0),
             std::vector<double>(kRateDims * kRateDims, 0.0), std::vector<double>(kRateDims, 3.0)};

  Fingerprint want;
  want.workload = "web";
  want.node = "node-a,node-b";
  want.executables["/usr/sbin/nginx"] = {14, kT0 + 2, kT0 + 50, 3, 0, 2};
  want.executables["/bin/sh"] = {1, kT0 + 30, kT0 + 30, 1, 0, 1};
  want.files["/etc/nginx/nginx.conf"] = {5, kT0 + 6, kT0 + 90, 2, kAccessRead | kAccessWrite, 2};
  want.syscalls["read"] = {100, kT0 + 5, kT0 + 60, 2, 0, 1};
  want.syscall_arch = "x86_64";
  // b learned no syscall (its training watched none): the merged set cannot
  // tell what is new.
  want.syscall_watch = SyscallWatch::kNone;
  want.file_patterns["/var/cache/nginx/*"] = {
      "16 children", {"/var/cache/nginx/1", "/var/cache/nginx/2", "/var/cache/nginx/3"}, 20,
      {45, kT0 + 1, kT0 + 9, 2, kAccessRead, 2}};
  want.training = {250, kT0 + 2, kT0 + 90, 1, 3};
  // Two buckets at 1 and two at 3: mean 2, each co-moment sum 4 x 1 x 1 = 4.
  want.rates = {10'000'000'000, 4, std::vector<double>(kRateDims, 2.0),
                std::vector<double>(kRateDims * kRateDims, 4.0), std::vector<double>(kRateDims, 3.0)};

  Parts parts = MergeParts(PartsOf(a), PartsOf(b));
  EXPECT_EQ(Combine(parts), want);
  EXPECT_EQ(Combine(MergeParts(parts, PartsOf(a))), want);  // a again changes nothing
}

}  // namespace
}  // namespace dw::model
