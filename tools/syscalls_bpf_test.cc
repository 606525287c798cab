// tools/syscalls_bpf_test.cc: syscall learning with the real BPF programs and
// real processes in a fresh cgroup.
//
// With BpfOptions::syscalls on, runs tools/testing/dw_test_workload in a test
// cgroup and checks that each syscall it makes is reported once per cgroup;
// then trains a baseline (through a real SQLite database) and checks that a
// run making one unusual syscall yields exactly that syscall finding, and a
// run without it none. Each phase opens the programs afresh, as separate
// driftwatch runs would: the kernel reports a cgroup's first use of a
// syscall once per load. Needs root; skips with the reason otherwise (set
// DW_REQUIRE_BPF=1 to make that a failure, as CI does).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "collector/bpf_source.h"
#include "collector/cgroup.h"
#include "collector/pipeline.h"
#include "model/detector.h"
#include "profiler/profiler.h"
#include "store/store.h"
#include "tools/testing/live_bpf.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SyscallsBpfTest : public tools::testing::LiveBpfTest {
 protected:
  void SetUp() override { Open({.prefix = "dwtest-sys", .app_cgroup = true, .syscalls = true}); }

  void Restart() { LiveBpfTest::Restart(/*syscalls=*/true); }

  // Runs the workload binary with `args` inside the app cgroup; returns its
  // pid once its exit event has been seen.
  uint32_t RunWorkload(const std::vector<std::string>& args) {
    std::vector<std::string> all = {DW_TEST_WORKLOAD};
    all.insert(all.end(), args.begin(), args.end());
    return LiveBpfTest::RunWorkload(all);
  }

  // Trains on one run of the workload opening `known`, with what the
  // programs watch; stores the baselines in a real database and loads them
  // back into *fps (which then holds the app cgroup's).
  void TrainThroughStore(const std::string& known, std::map<std::string, model::Fingerprint>* fps) {
    profiler::Profiler profiler;
    profiler.SetSyscallWatch(source_->syscall_watch());
    profiler.BeginSession();
    RunWorkload({"--open", known});
    for (const Event& e : TakeEvents()) profiler.Observe(e);
    const std::string db_path = (tmp_ / "dw.db").string();
    {
      auto db = store::Store::Open(db_path, store::OpenMode::kReadWrite);
      ASSERT_TRUE(db) << db.error().message();
      ASSERT_TRUE((*db)->SaveFingerprints(profiler.TakeDirty(), 1).ok());
    }
    auto db = store::Store::Open(db_path, store::OpenMode::kReadOnly);
    ASSERT_TRUE(db) << db.error().message();
    auto loaded = (*db)->LoadFingerprints();
    ASSERT_TRUE(loaded) << loaded.error().message();
    ASSERT_EQ(loaded->count(app_rel_), 1u);
    *fps = std::move(*loaded);
  }
};

// Syscall names per cgroup path, with how many times each was reported.
std::map<std::string, std::map<std::string, int>> SyscallsByCgroup(const std::vector<Event>& events) {
  std::map<std::string, std::map<std::string, int>> out;
  for (const Event& e : events) {
    if (e.kind == EventKind::kSyscall) ++out[e.cgroup_path][e.syscall];
  }
  return out;
}

TEST_F(SyscallsBpfTest, HookIsListedOnlyWhenOn) {
  auto on = std::find_if(source_->hooks().begin(), source_->hooks().end(),
                         [](const collector::HookStatus& h) { return h.program == "handle_sys_enter"; });
  ASSERT_NE(on, source_->hooks().end());
  EXPECT_TRUE(on->attached) << on->error;
  EXPECT_EQ(on->hook, "tp_btf/sys_enter");
  // With every syscall hooked, the sentinels' own hooks are not loaded.
  for (const auto& h : source_->hooks()) EXPECT_NE(h.program, "handle_sentinel_syscall");
  EXPECT_EQ(source_->syscall_watch(), collector::SyscallWatch::kAll);
  Stop();
  options_.sentinels = false;
  ASSERT_EQ(Start(/*syscalls=*/false), "");
  EXPECT_EQ(source_->syscall_watch(), collector::SyscallWatch::kNone);
  for (const auto& h : source_->hooks()) {
    EXPECT_NE(h.program, "handle_sys_enter");
    EXPECT_NE(h.program, "handle_sentinel_syscall");
  }
  RunWorkload({"--syscall", "personality"});
  for (const Event& e : TakeEvents()) EXPECT_NE(e.kind, EventKind::kSyscall) << e.syscall;
}

// Without syscall learning, the sentinel syscalls are still watched, each on
// its own tracepoint: a cgroup's first use of one is a record, once; other
// syscalls make none.
TEST_F(SyscallsBpfTest, SentinelsAreWatchedWithoutSyscallLearning) {
  Stop();
  ASSERT_EQ(Start(/*syscalls=*/false), "");
  EXPECT_EQ(source_->syscall_watch(), collector::SyscallWatch::kSentinels);
  std::map<std::string, bool> attached;
  for (const auto& h : source_->hooks()) {
    EXPECT_NE(h.program, "handle_sys_enter");
    if (h.program == "handle_sentinel_syscall") attached[h.hook] = h.attached;
  }
  // Listed when attached; a syscall this kernel lacks (no modules, no
  // kexec) has no tracepoint and is not listed.
  EXPECT_LE(attached.size(), collector::SentinelSyscalls().size());
  for (const auto& [hook, ok] : attached) EXPECT_TRUE(ok) << hook;
  EXPECT_TRUE(attached["tp/syscalls/sys_enter_personality"]);
  EXPECT_TRUE(attached["tp/syscalls/sys_enter_unshare"]);
  EXPECT_TRUE(attached["tp/syscalls/sys_enter_ptrace"]);

  uint32_t pid = RunWorkload({"--syscall", "getcpu", "--syscall", "personality", "--syscall", "unshare"});
  RunWorkload({"--syscall", "personality"});  // the same cgroup again: nothing new
  std::vector<Event> events = TakeEvents();
  auto by_cgroup = SyscallsByCgroup(events);
  ASSERT_EQ(by_cgroup.size(), 1u);
  const std::map<std::string, int> want = {{"personality", 1}, {"unshare", 1}};
  EXPECT_EQ(by_cgroup[app_rel_], want);
  for (const Event& e : events) {
    if (e.kind == EventKind::kSyscall) {
      EXPECT_EQ(e.pid, pid) << e.syscall;
    }
  }
}

// A baseline trained without syscall learning knows which sentinels the
// workload used (none here): one of them later is a finding, another
// syscall is none, through a real SQLite database.
TEST_F(SyscallsBpfTest, SentinelBaselineFlagsANewSentinelOnly) {
  Stop();
  ASSERT_EQ(Start(/*syscalls=*/false), "");
  const std::string known = (tmp_ / "known.txt").string();
  std::ofstream(known) << "data\n";
  std::map<std::string, model::Fingerprint> fps;
  ASSERT_NO_FATAL_FAILURE(TrainThroughStore(known, &fps));
  EXPECT_EQ(fps.at(app_rel_).syscall_watch, model::SyscallWatch::kSentinels);
  EXPECT_TRUE(fps.at(app_rel_).syscalls.empty());

  LiveBpfTest::Restart(/*syscalls=*/false);
  model::Detector detector(fps);
  uint32_t pid = RunWorkload({"--open", known, "--syscall", "getcpu", "--syscall", "unshare"});
  std::vector<model::Finding> found;
  for (const Event& e : TakeEvents()) {
    for (model::Finding* f : detector.Observe(e)) {
      if (f->kind == model::FindingKind::kSyscall) found.push_back(*f);
    }
  }
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].subject, "unshare");
  EXPECT_EQ(found[0].process.pid, pid);
  EXPECT_GE(found[0].severity, model::Severity::kHigh);
}

TEST_F(SyscallsBpfTest, EachSyscallOfACgroupIsReportedOnce) {
  const std::string known = (tmp_ / "known.txt").string();
  std::ofstream(known) << "data\n";
  uint32_t pid = RunWorkload({"--open", known});
  RunWorkload({"--open", known, "--syscall", "getcpu"});  // same cgroup: only getcpu is new
  std::vector<Event> events = TakeEvents();
  auto by_cgroup = SyscallsByCgroup(events);
  ASSERT_EQ(by_cgroup.size(), 1u);  // nothing from outside the watched subtree
  ASSERT_EQ(by_cgroup.count(app_rel_), 1u);
  const auto& used = by_cgroup[app_rel_];
  for (const auto& [name, times] : used) EXPECT_EQ(times, 1) << name;
  for (const char* name : {"execve", "openat", "read", "close", "exit_group", "getcpu"}) {
    EXPECT_EQ(used.count(name), 1u) << name;
  }
  EXPECT_EQ(used.count("personality"), 0u);
  // Attributed like other events: the first run's process made them.
  auto first = std::find_if(events.begin(), events.end(), [](const Event& e) {
    return e.kind == EventKind::kSyscall && e.syscall == "openat";
  });
  ASSERT_NE(first, events.end());
  EXPECT_EQ(first->pid, pid);
  EXPECT_EQ(first->workload, app_rel_);
  auto getcpu = std::find_if(events.begin(), events.end(), [](const Event& e) {
    return e.kind == EventKind::kSyscall && e.syscall == "getcpu";
  });
  ASSERT_NE(getcpu, events.end());
  EXPECT_NE(getcpu->pid, pid);
}

TEST_F(SyscallsBpfTest, TrainThenDetectFlagsExactlyTheNewSyscall) {
  const std::string known = (tmp_ / "known.txt").string();
  std::ofstream(known) << "data\n";

  std::map<std::string, model::Fingerprint> fps;
  ASSERT_NO_FATAL_FAILURE(TrainThroughStore(known, &fps));
  const model::Fingerprint& fp = fps.at(app_rel_);
  EXPECT_EQ(fp.syscall_watch, model::SyscallWatch::kAll);
  EXPECT_EQ(fp.syscalls.count("openat"), 1u);
  EXPECT_EQ(fp.syscalls.count("personality"), 0u);
  EXPECT_FALSE(fp.syscall_arch.empty());

  auto syscall_findings = [](model::Detector& detector, const std::vector<Event>& events) {
    std::vector<model::Finding> out;
    for (const Event& e : events) {
      for (model::Finding* f : detector.Observe(e)) {
        if (f->kind == model::FindingKind::kSyscall) out.push_back(*f);
      }
    }
    return out;
  };

  // A fresh load (a new detect run), and a run with one unusual syscall.
  Restart();
  model::Detector with(fps);
  uint32_t pid = RunWorkload({"--open", known, "--syscall", "personality"});
  std::vector<model::Finding> found = syscall_findings(with, TakeEvents());
  ASSERT_EQ(found.size(), 1u) << found[0].subject << ", " << found.back().subject;
  EXPECT_EQ(found[0].subject, "personality");
  EXPECT_EQ(found[0].workload, app_rel_);
  EXPECT_EQ(found[0].severity, model::Severity::kHigh);
  EXPECT_EQ(found[0].process.pid, pid);

  // Another fresh load, the trained behaviour: nothing.
  Restart();
  model::Detector without(fps);
  RunWorkload({"--open", known});
  found = syscall_findings(without, TakeEvents());
  EXPECT_TRUE(found.empty()) << found[0].subject;
}

}  // namespace
}  // namespace dw
