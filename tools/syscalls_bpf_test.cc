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
#include "tools/testing/bpf_gate.h"
#include "tools/testing/cgroup_workload.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SyscallsBpfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (geteuid() != 0) why = "not root";
    Result<std::string> mount = collector::FindCgroup2Mount();
    if (why.empty() && !mount) why = mount.error().message();
    if (why.empty()) {
      mount_ = *mount;
      root_rel_ = "dwtest-sys-" + std::to_string(getpid());
      app_rel_ = root_rel_ + "/app";
      fs::create_directories(mount_ + "/" + app_rel_);
      why = Start(/*syscalls=*/true);
    }
    DW_SKIP_WITHOUT_BPF(why, "sudo ctest --test-dir build -L bpf");
    tmp_ = fs::temp_directory_path() / ("dwtest-sys-" + std::to_string(getpid()));
    fs::create_directories(tmp_);
  }

  void TearDown() override {
    Stop();
    if (!mount_.empty() && !root_rel_.empty()) {
      std::error_code ec;
      fs::remove(mount_ + "/" + app_rel_, ec);
      fs::remove(mount_ + "/" + root_rel_, ec);
    }
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // Loads the programs watching root_rel_ and starts reading events; returns
  // why not, or "".
  std::string Start(bool syscalls) {
    collector::BpfOptions options;
    options.cgroups = {root_rel_};
    options.poll_interval = 20ms;
    options.syscalls = syscalls;
    auto source = collector::BpfEventSource::Open(options);
    if (!source) return source.error().message();
    source_ = std::move(source).value();
    pipeline_ = std::make_unique<collector::Pipeline>(&source_->cgroups(), source_->boot_to_unix_ns(),
                                                      source_->initial_processes());
    stop_ = false;
    runner_ = std::thread([this] {
      run_status_ = source_->Run(
          [this](std::span<const uint8_t> r) {
            auto e = pipeline_->Process(r);
            if (!e) return;
            std::lock_guard<std::mutex> lock(mu_);
            events_.push_back(std::move(e).value());
          },
          stop_);
    });
    return "";
  }

  void Stop() {
    stop_ = true;
    if (runner_.joinable()) runner_.join();
    source_.reset();
    pipeline_.reset();
    TakeEvents();
  }

  void Restart() {
    Stop();
    std::string why = Start(/*syscalls=*/true);
    ASSERT_EQ(why, "");
  }

  // Runs the workload binary with `args` inside the app cgroup; returns its
  // pid once its exit event has been seen.
  uint32_t RunWorkload(const std::vector<std::string>& args) {
    std::vector<std::string> all = {DW_TEST_WORKLOAD};
    all.insert(all.end(), args.begin(), args.end());
    int status = 0;
    const pid_t pid = tools::testing::RunInCgroup(mount_ + "/" + app_rel_ + "/cgroup.procs", all, &status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "workload failed: " << status;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& e : events_) {
          if (e.kind == EventKind::kExit && e.pid == static_cast<uint32_t>(pid)) return pid;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "no exit event for workload pid " << pid;
    return pid;
  }

  std::vector<Event> TakeEvents() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(events_, {});
  }

  std::string mount_, root_rel_, app_rel_;
  fs::path tmp_;
  std::unique_ptr<collector::BpfEventSource> source_;
  std::unique_ptr<collector::Pipeline> pipeline_;
  std::thread runner_;
  std::atomic<bool> stop_{false};
  Status run_status_;
  std::mutex mu_;
  std::vector<Event> events_;
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
