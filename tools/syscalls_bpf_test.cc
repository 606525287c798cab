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
  Stop();
  ASSERT_EQ(Start(/*syscalls=*/false), "");
  for (const auto& h : source_->hooks()) EXPECT_NE(h.program, "handle_sys_enter");
  RunWorkload({"--syscall", "personality"});
  for (const Event& e : TakeEvents()) EXPECT_NE(e.kind, EventKind::kSyscall) << e.syscall;
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

  // Train; store and reload the baseline.
  profiler::Profiler profiler;
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
  auto fps = (*db)->LoadFingerprints();
  ASSERT_TRUE(fps) << fps.error().message();
  ASSERT_EQ(fps->count(app_rel_), 1u);
  const model::Fingerprint& fp = fps->at(app_rel_);
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
  model::Detector with(*fps);
  uint32_t pid = RunWorkload({"--open", known, "--syscall", "personality"});
  std::vector<model::Finding> found = syscall_findings(with, TakeEvents());
  ASSERT_EQ(found.size(), 1u) << found[0].subject << ", " << found.back().subject;
  EXPECT_EQ(found[0].subject, "personality");
  EXPECT_EQ(found[0].workload, app_rel_);
  EXPECT_EQ(found[0].severity, model::Severity::kHigh);
  EXPECT_EQ(found[0].process.pid, pid);

  // Another fresh load, the trained behaviour: nothing.
  Restart();
  model::Detector without(*fps);
  RunWorkload({"--open", known});
  found = syscall_findings(without, TakeEvents());
  EXPECT_TRUE(found.empty()) << found[0].subject;
}

}  // namespace
}  // namespace dw
