// profiler/profiler_test.cc: training builds fingerprints the scorer agrees with.
#include "profiler/profiler.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "model/items.h"
#include "model/scorer.h"
#include "model/testing/test_events.h"

namespace dw::profiler {
namespace {

using model::Direction;
using model::Fingerprint;
using model::ItemStats;
using model::NetItem;
using model::testing::V4;
namespace ev = model::testing;

ItemStats Stats(uint64_t count, int64_t first, int64_t last, uint32_t processes,
                uint8_t access = 0) {
  ItemStats s;
  s.count = count;
  s.first_seen_ns = first;
  s.last_seen_ns = last;
  s.processes = processes;
  s.access = access;
  return s;
}

TEST(ProfilerTest, LearnsEveryItemKind) {
  Profiler p;
  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx", 100));
  p.Observe(ev::Open("web", 10, "/proc/10/status", kAccessRead, 200));
  p.Observe(ev::Open("web", 10, "/var/log/app.log", kAccessWrite, 300));
  p.Observe(ev::Open("web", 10, "/var/log/app.log", kAccessRead, 400));
  p.Observe(ev::Connect("web", 10, V4(10, 0, 0, 7, 5432), 500));
  p.Observe(ev::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 0, 0, 9, 50001), 600));
  p.Observe(ev::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 0, 0, 9, 50002), 700));
  p.Observe(ev::Listen("web", 10, V4(0, 0, 0, 0, 443), 800));
  p.Observe(ev::Dns("web", 10, V4(10, 0, 0, 53, 53), "DB.internal", 900));
  p.Observe(ev::Exit("web", 10, 1000));

  Fingerprint want;
  want.workload = "web";
  want.executables["/usr/sbin/nginx"] = Stats(1, 100, 100, 1);
  want.files["/proc/<pid>/status"] = Stats(1, 200, 200, 1, kAccessRead);
  want.files["/var/log/app.log"] = Stats(2, 300, 400, 1, kAccessRead | kAccessWrite);
  want.network[NetItem{Direction::kOutbound, 6, "10.0.0.7", 5432}] = Stats(1, 500, 500, 1);
  want.network[NetItem{Direction::kInbound, 6, "10.0.0.9", 443}] = Stats(2, 600, 700, 1);
  want.network[NetItem{Direction::kListen, 6, "0.0.0.0", 443}] = Stats(1, 800, 800, 1);
  want.network[NetItem{Direction::kDns, 17, "10.0.0.53", 53}] = Stats(1, 900, 900, 1);
  want.dns_names["db.internal"] = Stats(1, 900, 900, 1);
  want.training.events = 10;
  want.training.first_event_ns = 100;
  want.training.last_event_ns = 1000;
  want.training.sessions = 1;
  ASSERT_EQ(p.fingerprints().size(), 1u);
  EXPECT_EQ(p.fingerprints().at("web"), want);
}

TEST(ProfilerTest, TheScorerFindsNothingInWhatWasLearned) {
  std::vector<Event> training = {
      ev::Exec("web", 10, "/usr/sbin/nginx"),
      ev::Open("web", 10, "/etc/shadow", kAccessRead, 1000, -13),
      ev::Open("web", 10, "/proc/thread-self/stat", kAccessRead),
      ev::Connect("web", 10, V4(10, 0, 0, 7, 5432)),
      ev::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 0, 0, 9, 50001)),
      ev::Dns("web", 10, V4(10, 0, 0, 53, 53), "db.internal."),
  };
  Profiler p;
  for (const Event& e : training) p.Observe(e);
  model::Scorer scorer;
  const Fingerprint& fp = p.fingerprints().at("web");
  for (const Event& e : training) {
    EXPECT_TRUE(scorer.Score(&fp, e).empty()) << EventKindName(e.kind);
  }
  // Live events that differ only in volatile parts match too.
  EXPECT_TRUE(scorer.Score(&fp, ev::Open("web", 77, "/proc/77/task/78/stat", kAccessRead)).empty());
  EXPECT_TRUE(scorer.Score(&fp, ev::Accept("web", 11, V4(10, 0, 0, 2, 443), V4(10, 0, 0, 9, 61234)))
                  .empty());
  EXPECT_EQ(scorer.Score(&fp, ev::Exec("web", 11, "/bin/sh")).size(), 1u);
}

TEST(ProfilerTest, CountsDistinctProcessInstances) {
  Profiler p;
  // Two workers forked from a master read the same file, interleaved.
  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx"));
  p.Observe(ev::Fork("web", 10, 11));
  p.Observe(ev::Fork("web", 10, 12));
  for (int i = 0; i < 3; ++i) {
    p.Observe(ev::Open("web", 11, "/srv/index.html", kAccessRead));
    p.Observe(ev::Open("web", 12, "/srv/index.html", kAccessRead));
  }
  // Worker 11 exits and its pid is reused by a new process: another instance.
  p.Observe(ev::Exit("web", 11));
  p.Observe(ev::Open("web", 11, "/srv/index.html", kAccessRead));
  // Worker 12 execs a new image: another instance, also for the exe item.
  p.Observe(ev::Exec("web", 12, "/usr/sbin/nginx"));
  p.Observe(ev::Open("web", 12, "/srv/index.html", kAccessRead));

  const Fingerprint& fp = p.fingerprints().at("web");
  EXPECT_EQ(fp.files.at("/srv/index.html").count, 8u);
  EXPECT_EQ(fp.files.at("/srv/index.html").processes, 4u);
  EXPECT_EQ(fp.executables.at("/usr/sbin/nginx").processes, 2u);
}

TEST(ProfilerTest, SkipsEventsWithoutAWorkload) {
  Profiler p;
  p.Observe(ev::Exec("", 10, "/usr/bin/ls"));
  EXPECT_TRUE(p.fingerprints().empty());
  EXPECT_TRUE(p.TakeDirty().empty());
}

TEST(ProfilerTest, ExtendsInitialFingerprintsAcrossSessions) {
  Fingerprint old;
  old.workload = "web";
  old.executables["/usr/sbin/nginx"] = Stats(5, 10, 20, 2);
  old.training.events = 5;
  old.training.first_event_ns = 10;
  old.training.last_event_ns = 20;
  old.training.sessions = 1;
  old.training.dropped_events = 4;
  Profiler p({{"web", old}});
  EXPECT_TRUE(p.TakeDirty().empty());

  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx", 30));
  p.Observe(ev::Exec("web", 11, "/usr/sbin/nginx", 40));
  Fingerprint want = old;
  want.executables["/usr/sbin/nginx"] = Stats(7, 10, 40, 4);
  want.training.events = 7;
  want.training.last_event_ns = 40;
  want.training.sessions = 2;  // once for this session, however many events
  EXPECT_EQ(p.fingerprints().at("web"), want);

  p.BeginSession();
  p.Observe(ev::Open("web", 11, "/etc/hosts", kAccessRead, 50));
  EXPECT_EQ(p.fingerprints().at("web").training.sessions, 3u);
}

TEST(ProfilerTest, DropsAreChargedToEveryWorkloadOfTheSession) {
  Profiler p;
  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx"));
  p.AddDropped(3);
  p.Observe(ev::Exec("db", 20, "/usr/sbin/postgres"));  // touched after the drops
  p.AddDropped(2);
  EXPECT_EQ(p.fingerprints().at("web").training.dropped_events, 5u);
  EXPECT_EQ(p.fingerprints().at("db").training.dropped_events, 5u);

  p.BeginSession();
  p.AddDropped(7);  // nothing touched yet in this session
  p.Observe(ev::Exec("db", 21, "/usr/sbin/postgres"));
  EXPECT_EQ(p.fingerprints().at("web").training.dropped_events, 5u);
  EXPECT_EQ(p.fingerprints().at("db").training.dropped_events, 12u);
}

TEST(ProfilerTest, TakeDirtyReturnsChangedFingerprintsOnce) {
  Profiler p;
  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx"));
  p.Observe(ev::Exec("db", 20, "/usr/sbin/postgres"));
  std::vector<Fingerprint> dirty = p.TakeDirty();
  EXPECT_EQ(dirty,
            (std::vector<Fingerprint>{p.fingerprints().at("db"), p.fingerprints().at("web")}));
  EXPECT_TRUE(p.TakeDirty().empty());

  p.Observe(ev::Open("web", 10, "/etc/hosts", kAccessRead));
  EXPECT_EQ(p.TakeDirty(), std::vector<Fingerprint>{p.fingerprints().at("web")});
  p.AddDropped(1);  // both were touched this session
  EXPECT_EQ(p.TakeDirty().size(), 2u);
}

Event ExecUnder(const std::string& parent, uint32_t pid, const std::string& exe,
                int64_t time_ns = 1000) {
  Event e = ev::Exec("web", pid, exe, time_ns);
  e.process.parent_exe = parent;
  return e;
}

TEST(ProfilerTest, LearnsLineageEdges) {
  Profiler p;
  p.Observe(ExecUnder("/usr/bin/containerd-shim-runc-v2", 1, "/docker-entrypoint.sh", 10));
  p.Observe(ExecUnder("/docker-entrypoint.sh", 2, "/bin/sh", 20));
  p.Observe(ExecUnder("/bin/sh", 3, "/usr/sbin/nginx", 30));
  p.Observe(ExecUnder("/docker-entrypoint.sh", 4, "/bin/sh", 40));
  const Fingerprint& fp = p.fingerprints().at("web");
  std::map<std::string, ItemStats> want = {
      {"/bin/sh -> /usr/sbin/nginx", Stats(1, 30, 30, 1)},
      {"/docker-entrypoint.sh -> /bin/sh", Stats(2, 20, 40, 2)},
      {"<container-runtime> -> /docker-entrypoint.sh", Stats(1, 10, 10, 1)},
  };
  EXPECT_EQ(fp.lineage, want);

  // nginx -> sh is new although sh is known.
  model::Scorer scorer;
  std::vector<model::Finding> got = scorer.Score(&fp, ExecUnder("/usr/sbin/nginx", 9, "/bin/sh"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].subject, "/usr/sbin/nginx -> /bin/sh");
  EXPECT_EQ(got[0].reason, "executable never run by this parent in training (started by the service itself)");
}

TEST(ProfilerTest, IgnoresContainerRuntimeHelpers) {
  Profiler p;
  Event runc = ev::Exec("web", 5, "/usr/bin/runc");
  Event init = ev::Open("web", 6, "/proc/self/attr/exec", kAccessWrite);
  init.process.exe = "";
  init.comm = "runc:[2:INIT]";
  Event shim = ev::Connect("web", 7, V4(10, 0, 0, 1, 9000));
  shim.process.exe = "/usr/bin/containerd-shim-runc-v2";
  for (const Event& e : {runc, init, shim}) p.Observe(e);
  EXPECT_TRUE(p.fingerprints().empty());
  EXPECT_TRUE(p.TakeDirty().empty());

  p.Observe(ev::Exec("web", 6, "/docker-entrypoint.sh"));  // runc init becomes the workload
  ASSERT_EQ(p.fingerprints().size(), 1u);
  EXPECT_EQ(p.fingerprints().at("web").training.events, 1u);
  EXPECT_EQ(p.fingerprints().at("web").ItemCount(), 1u);
}

TEST(ProfilerTest, TakeDirtyHandsOutGeneralizedFingerprints) {
  Profiler p;
  for (int i = 0; i < 20; ++i) {
    p.Observe(ev::Open("web", 10, "/var/cache/app/item" + std::to_string(i), kAccessRead, 100 + i));
  }
  std::vector<Fingerprint> dirty = p.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_TRUE(dirty[0].files.empty());
  ASSERT_EQ(dirty[0].file_patterns.count("/var/cache/app/*"), 1u);
  const model::Generalization& g = dirty[0].file_patterns.at("/var/cache/app/*");
  EXPECT_EQ(g.covered, 20u);
  EXPECT_EQ(g.stats, Stats(20, 100, 119, 1, kAccessRead));
  EXPECT_EQ(dirty[0], p.fingerprints().at("web"));

  // The same process reading more: absorbed, and still one process instance
  // per pattern once the profiler has forgotten what it counted.
  p.Observe(ev::Open("web", 10, "/var/cache/app/later", kAccessRead, 200));
  p.Observe(ev::Open("web", 10, "/var/cache/app/later2", kAccessRead, 201));
  const Fingerprint& fp = p.fingerprints().at("web");
  EXPECT_TRUE(fp.files.empty());
  EXPECT_EQ(fp.file_patterns.at("/var/cache/app/*").stats, Stats(22, 100, 201, 2, kAccessRead));
}

TEST(ProfilerTest, StaysWithinItsBudgetBetweenCheckpointsAndKeepsLearning) {
  model::GeneralizeOptions o;
  o.item_budget = 40;
  Profiler p({}, o);
  // A workload that writes a new spool file per request, in per-day
  // directories, and talks to a pool of backends.
  for (int i = 0; i < 2000; ++i) {
    p.Observe(ev::Open("web", 10,
                       "/var/spool/app/day" + std::to_string(i % 7) + "/job" + std::to_string(i),
                       kAccessWrite | kAccessCreate, i));
    p.Observe(ev::Connect(
        "web", 10, V4(10, 9, static_cast<uint8_t>(i % 3), static_cast<uint8_t>(i % 200), 8080), i));
    EXPECT_LE(p.fingerprints().at("web").ItemCount(), o.item_budget + o.item_budget / 4 + 1) << i;
  }
  std::vector<Fingerprint> dirty = p.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_LE(dirty[0].ItemCount(), o.item_budget);
  EXPECT_EQ(dirty[0].training.events, 4000u);
  uint64_t counted = 0;
  for (const auto& [key, g] : dirty[0].file_patterns) counted += g.stats.count;
  for (const auto& [key, stats] : dirty[0].files) counted += stats.count;
  EXPECT_EQ(counted, 2000u);  // every open learned, none dropped
  // Nothing a new job does is drift.
  model::Scorer scorer;
  EXPECT_TRUE(scorer
                  .Score(&dirty[0], ev::Open("web", 11, "/var/spool/app/day3/job99999",
                                             kAccessWrite | kAccessCreate))
                  .empty());
}

TEST(ProfilerTest, LearnsSyscallsAndTheirAbi) {
  Profiler p;
  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx", 100));
  p.Observe(ev::Syscall("web", 10, "openat", 257, 200));
  p.Observe(ev::Syscall("web", 10, "exit_group", 231, 300));
  p.Observe(ev::Syscall("web", 11, "openat", 257, 400));  // another cgroup of the workload
  const Fingerprint& fp = p.fingerprints().at("web");
  std::map<std::string, ItemStats> want = {{"openat", Stats(2, 200, 400, 2)},
                                           {"exit_group", Stats(1, 300, 300, 1)}};
  EXPECT_EQ(fp.syscalls, want);
  EXPECT_FALSE(fp.syscall_arch.empty());
#if defined(__x86_64__)
  EXPECT_EQ(fp.syscall_arch, "x86_64");
#endif
  EXPECT_EQ(fp.training.events, 4u);
  // What was learned raises nothing; a new syscall does.
  model::Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, ev::Syscall("web", 12, "openat", 257)).empty());
  EXPECT_EQ(scorer.Score(&fp, ev::Syscall("web", 12, "ptrace", 101)).size(), 1u);
}

// A new fingerprint takes what its source watched; one learned before keeps
// the least of its own and the source's; a source that does not say (an old
// trace) changes nothing.
TEST(ProfilerTest, FingerprintsKeepTheLeastSyscallWatchOfTheirSources) {
  Profiler p;
  p.SetSyscallWatch(model::SyscallWatch::kSentinels);
  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx", 100));
  EXPECT_EQ(p.fingerprints().at("web").syscall_watch, model::SyscallWatch::kSentinels);
  p.SetSyscallWatch(model::SyscallWatch::kAll);  // a second source of the same run
  p.Observe(ev::Syscall("web", 10, "openat", 257, 200));
  p.Observe(ev::Exec("db", 11, "/usr/bin/postgres", 300));
  EXPECT_EQ(p.fingerprints().at("web").syscall_watch, model::SyscallWatch::kSentinels);
  EXPECT_EQ(p.fingerprints().at("db").syscall_watch, model::SyscallWatch::kAll);
  p.BeginSession();
  p.SetSyscallWatch(std::nullopt);
  p.Observe(ev::Exec("db", 11, "/usr/bin/postgres", 400));
  EXPECT_EQ(p.fingerprints().at("db").syscall_watch, model::SyscallWatch::kAll);
  p.SetSyscallWatch(model::SyscallWatch::kNone);
  p.Observe(ev::Exec("db", 11, "/usr/bin/postgres", 500));
  EXPECT_EQ(p.fingerprints().at("db").syscall_watch, model::SyscallWatch::kNone);
  // A baseline that learned every syscall but none (from before the field)
  // watched none: a sentinel session does not make it know them.
  model::Fingerprint old;
  old.workload = "cache";
  old.training.events = 9;
  Profiler q({{"cache", old}});
  q.SetSyscallWatch(model::SyscallWatch::kSentinels);
  q.Observe(ev::Exec("cache", 12, "/usr/bin/redis-server", 100));
  EXPECT_EQ(q.fingerprints().at("cache").syscall_watch, model::SyscallWatch::kNone);
}

TEST(ProfilerTest, NoSyscallEventsLeaveTheArchEmpty) {
  Profiler p;
  p.Observe(ev::Exec("web", 10, "/usr/sbin/nginx", 100));
  EXPECT_TRUE(p.fingerprints().at("web").syscalls.empty());
  EXPECT_EQ(p.fingerprints().at("web").syscall_arch, "");
}

}  // namespace
}  // namespace dw::profiler

namespace dw::profiler {
namespace {

TEST(ProfilerNodeTest, NewFingerprintsTakeTheNodeAndKeepTheirs) {
  model::Fingerprint elsewhere;
  elsewhere.workload = "db";
  elsewhere.node = "node-b";
  Profiler p({{"db", elsewhere}});
  p.SetNode("node-a");
  p.Observe(model::testing::Exec("web", 10, "/usr/sbin/nginx", 100));
  p.Observe(model::testing::Exec("db", 11, "/usr/bin/postgres", 100));
  EXPECT_EQ(p.fingerprints().at("web").node, "node-a");
  EXPECT_EQ(p.fingerprints().at("db").node, "node-b");
}

}  // namespace
}  // namespace dw::profiler
