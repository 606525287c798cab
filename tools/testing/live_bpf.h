// tools/testing/live_bpf.h: the fixture of the tests that load the real BPF
// programs: a fresh test cgroup (and, when asked, an "app" child cgroup the
// workload runs in), the programs watching it, the collector's pipeline on a
// thread collecting every event, and a temporary directory; all removed
// again in TearDown(). Test-only.
//
// A test derives from LiveBpfTest and calls Open() in SetUp(); Open() ends the
// test through DW_SKIP_WITHOUT_BPF when it cannot run here (not root, no
// cgroup v2, the programs refuse to load).
#ifndef DRIFTWATCH_TOOLS_TESTING_LIVE_BPF_H_
#define DRIFTWATCH_TOOLS_TESTING_LIVE_BPF_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "collector/bpf_source.h"
#include "collector/cgroup.h"
#include "collector/pipeline.h"
#include "tools/testing/bpf_gate.h"
#include "tools/testing/process.h"

namespace dw::tools::testing {

struct LiveBpfOptions {
  std::string prefix = "dwtest";  // the cgroup and temp dir are <prefix>-<pid>
  bool app_cgroup = false;         // also <prefix>-<pid>/app, where RunWorkload() runs
  bool syscalls = false;           // BpfOptions::syscalls
  bool sentinels = true;           // BpfOptions::sentinels (Restart() to change it)
  bool lookup = false;             // the pipeline looks unknown processes up in /proc
  bool verdict_cache = false;      // BpfOptions::verdict_cache (Restart() to change it)
  bool direct_loads = true;        // BpfOptions::direct_loads (Restart() to change it)
  // false: only the gate, the cgroups and the temp dir, for tests whose
  // programs are loaded by the driftwatch binary they run.
  bool load = true;
};

class LiveBpfTest : public ::testing::Test {
 protected:
  // Creates the cgroups and the temp dir and starts the programs; skips (or
  // fails, under DW_REQUIRE_BPF) when BPF cannot run. Call from SetUp().
  void Open(const LiveBpfOptions& options) {
    options_ = options;
    std::string why;
    if (geteuid() != 0) why = "not root";
    Result<std::string> mount = collector::FindCgroup2Mount();
    if (why.empty() && !mount) why = mount.error().message();
    if (why.empty()) {
      mount_ = *mount;
      root_rel_ = options.prefix + "-" + std::to_string(getpid());
      app_rel_ = options.app_cgroup ? root_rel_ + "/app" : root_rel_;
      std::filesystem::create_directories(mount_ + "/" + app_rel_);
      if (options.load) why = Start(options.syscalls);
    }
    DW_SKIP_WITHOUT_BPF(why, "sudo ctest --test-dir build -L bpf");
    tmp_ = std::filesystem::temp_directory_path() / (options.prefix + "-" + std::to_string(getpid()));
    std::filesystem::create_directories(tmp_);
  }

  void TearDown() override {
    Stop();
    std::error_code ec;
    if (!mount_.empty() && !root_rel_.empty()) {
      std::filesystem::remove(mount_ + "/" + app_rel_, ec);
      std::filesystem::remove(mount_ + "/" + root_rel_, ec);
    }
    if (!tmp_.empty()) std::filesystem::remove_all(tmp_, ec);
  }

  // Loads the programs watching root_rel_ and starts reading events; returns
  // why not, or "".
  std::string Start(bool syscalls) {
    collector::BpfOptions options;
    options.cgroups = {root_rel_};
    options.poll_interval = std::chrono::milliseconds(20);
    options.syscalls = syscalls;
    options.sentinels = options_.sentinels;
    options.verdict_cache = options_.verdict_cache;
    options.direct_loads = options_.direct_loads;
    auto source = collector::BpfEventSource::Open(options);
    if (!source) return source.error().message();
    source_ = std::move(source).value();
    collector::ProcessTable::Lookup lookup;
    if (options_.lookup) lookup = [this](uint32_t pid) { return source_->LookupProcess(pid); };
    pipeline_ = std::make_unique<collector::Pipeline>(&source_->cgroups(), source_->boot_to_unix_ns(),
                                                      source_->initial_processes(), lookup);
    stop_ = false;
    runner_ = std::thread([this] {
      run_status_ = source_->Run(
          [this](std::span<const uint8_t> r) {
            auto e = pipeline_->Process(r);
            if (!e) return;
            std::lock_guard<std::mutex> lock(mu_);
            OnEvent(*e);
            events_.push_back(std::move(e).value());
          },
          stop_);
    });
    return "";
  }

  // Each event as it is read, before it is kept; called on the reader
  // thread with mu_ held.
  virtual void OnEvent(const Event& /*e*/) {}

  // Stops reading and unloads the programs; the events seen are dropped.
  void Stop() {
    stop_ = true;
    if (runner_.joinable()) runner_.join();
    source_.reset();
    pipeline_.reset();
    TakeEvents();
  }

  // Unloads and loads the programs again, as a separate driftwatch run would.
  void Restart(bool syscalls) {
    Stop();
    ASSERT_EQ(Start(syscalls), "");
  }

  // Every event seen since the last call.
  std::vector<Event> TakeEvents() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(events_, {});
  }

  // The first event of `kind` from `pid` within 10 s (a failure otherwise).
  std::optional<Event> WaitEvent(EventKind kind, pid_t pid) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& e : events_) {
          if (e.kind == kind && e.pid == static_cast<uint32_t>(pid)) return e;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "no " << EventKindName(kind) << " event for pid " << pid;
    return std::nullopt;
  }

  // Runs `argv` inside the app cgroup, expects it to exit 0, and returns its
  // pid once its exit event has been seen.
  uint32_t RunWorkload(const std::vector<std::string>& argv) {
    ProcessOptions options;
    options.cgroup = mount_ + "/" + app_rel_;
    pid_t pid = StartProcess(argv, options);
    if (pid < 0) return 0;
    const int status = WaitProcess(pid);
    EXPECT_EQ(status, 0) << "workload failed: " << internal::CommandLine(argv);
    WaitEvent(EventKind::kExit, pid);
    return static_cast<uint32_t>(pid);
  }

  LiveBpfOptions options_;
  std::string mount_;     // the cgroup2 mount
  std::string root_rel_;  // the watched cgroup, relative to mount_
  std::string app_rel_;   // where RunWorkload() runs: root_rel_/app, or root_rel_
  std::filesystem::path tmp_;
  std::unique_ptr<collector::BpfEventSource> source_;
  std::unique_ptr<collector::Pipeline> pipeline_;
  std::thread runner_;
  std::atomic<bool> stop_{false};
  Status run_status_;
  std::mutex mu_;
  std::vector<Event> events_;
};

}  // namespace dw::tools::testing

#endif  // DRIFTWATCH_TOOLS_TESTING_LIVE_BPF_H_
