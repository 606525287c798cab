// tools/policy/seccomp_bpf_test.cc: syscall learning to enforcement, end to end with
// the real binaries: `driftwatch train --live --syscalls` on dw_test_workload
// runs in a fresh cgroup, `driftwatch export --format seccomp`, then the
// workload under dw-seccomp-run: its normal run works, a syscall it never made
// (personality) is refused. Needs root and BPF; skips with the reason
// otherwise (DW_REQUIRE_BPF=1 makes that a failure).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collector/cgroup.h"
#include "tools/testing/live_bpf.h"
#include "tools/testing/ports.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using tools::testing::Slurp;

class SeccompBpfTest : public tools::testing::LiveBpfTest {
 protected:
  void SetUp() override {
    Open({.prefix = "dwseccomp", .load = false});
    rel_ = root_rel_;
    dir_ = tmp_.string();
  }

  // Runs argv (optionally inside the test cgroup) and returns its exit code;
  // its stderr goes to `err` when given.
  int Spawn(const std::vector<std::string>& args, bool in_cgroup, const std::string& err = "",
            bool wait = true, pid_t* child = nullptr) {
    tools::testing::ProcessOptions options;
    if (in_cgroup) options.cgroup = mount_ + "/" + rel_;
    options.stderr_path = err;
    pid_t pid = tools::testing::StartProcess(args, options);
    if (child != nullptr) *child = pid;
    if (!wait) return 0;
    return pid < 0 ? -1 : tools::testing::WaitProcess(pid);
  }

  std::string rel_, dir_;  // the test cgroup (relative to mount_) and temp dir
};

TEST_F(SeccompBpfTest, ExportedProfileRunsTheWorkloadAndRefusesANewSyscall) {
  const std::string db = dir_ + "/dw.db", train_err = dir_ + "/train.err";
  const std::string data = dir_ + "/data.txt";
  pid_t trainer = 0;
  Spawn({DW_BINARY, "train", "--db", db, "--live", "--syscalls", "--cgroup", rel_, "--duration", "8"},
        /*in_cgroup=*/false, train_err, /*wait=*/false, &trainer);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  int status = 0;
  while (Slurp(train_err).find("ready:") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    if (waitpid(trainer, &status, WNOHANG) == trainer) {
      FAIL() << "driftwatch train --live --syscalls exited before it was ready: " << Slurp(train_err);
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(Slurp(train_err).find("ready:"), std::string::npos) << Slurp(train_err);
  const uint16_t port = tools::testing::FreeLoopbackPort();
  ASSERT_NE(port, 0);
  const std::vector<std::string> normal = {DW_TEST_WORKLOAD, "--open", "/etc/hostname", "--write", data,
                                           "--serve", std::to_string(port)};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Spawn(normal, /*in_cgroup=*/true), 0);
  waitpid(trainer, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(train_err);

  const std::string profile = dir_ + "/seccomp.json", export_err = dir_ + "/export.err";
  // 8 s of training is still learning by the default thresholds: --force.
  ASSERT_EQ(Spawn({DW_BINARY, "export", "--db", db, "--workload", rel_, "--format", "seccomp", "--out", profile,
                   "--force"},
                  false, export_err),
            0)
      << Slurp(export_err);

  std::vector<std::string> run = {DW_SECCOMP_RUN, profile, "--"};
  std::vector<std::string> ok = run;
  ok.insert(ok.end(), normal.begin(), normal.end());
  const std::string run_err = dir_ + "/run.err";
  EXPECT_EQ(Spawn(ok, false, run_err), 0) << Slurp(run_err);

  std::vector<std::string> probe = run;
  for (const char* a : {DW_TEST_WORKLOAD, "--syscall", "personality"}) probe.push_back(a);
  EXPECT_NE(Spawn(probe, false, run_err), 0);
  EXPECT_NE(Slurp(run_err).find("Operation not permitted"), std::string::npos) << Slurp(run_err);
}

}  // namespace
}  // namespace dw
