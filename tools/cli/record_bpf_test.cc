// tools/cli/record_bpf_test.cc: `driftwatch record` of a real program in a
// test cgroup keeps the package of the program it ran (collector/trace_file.h
// PackagePrograms), so that a replay anywhere knows what live detection knew.
// Needs root and BPF; skips with the reason otherwise (DW_REQUIRE_BPF=1 makes
// that a failure, as CI does).
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "collector/packages.h"
#include "collector/trace_source.h"
#include "tools/testing/live_bpf.h"

namespace dw {
namespace {

using namespace std::chrono_literals;
using tools::testing::Slurp;

class RecordBpfTest : public tools::testing::LiveBpfTest {
 protected:
  void SetUp() override { Open({.prefix = "dwrecord", .load = false}); }
};

// The cmake that built this test comes from a package with other programs
// (cpack, ctest) on the machines it runs on. The window is 8 s: once, in a CI
// run beside two recording sessions (load average about 10), a 4 s window
// ended with no package in the trace.
TEST_F(RecordBpfTest, ATraceKeepsThePackageOfTheProgramsItRan) {
  collector::PackageDatabase host;
  const std::string cmake = std::filesystem::canonical("/usr/bin/cmake").string();
  std::optional<collector::PackagePrograms> want = host.ProgramsOf("/", cmake);
  if (!want) GTEST_SKIP() << "this machine's dpkg database does not list " << cmake;

  const std::string trace = (tmp_ / "t.dwt").string(), err = (tmp_ / "record.err").string();
  tools::testing::ProcessOptions quiet;
  quiet.stderr_path = err;
  const pid_t recorder = tools::testing::StartProcess(
      {DW_BINARY, "record", "--out", trace, "--cgroup", root_rel_, "--duration", "8"}, quiet);
  ASSERT_GT(recorder, 0);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (Slurp(err).find("ready:") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(recorder, &status, WNOHANG) == recorder) FAIL() << "record exited early: " << Slurp(err);
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(Slurp(err).find("ready:"), std::string::npos) << Slurp(err);
  tools::testing::ProcessOptions in_cgroup;
  in_cgroup.cgroup = mount_ + "/" + root_rel_;
  in_cgroup.stdout_path = "/dev/null";
  EXPECT_EQ(tools::testing::WaitProcess(tools::testing::StartProcess({cmake, "--version"}, in_cgroup)), 0);
  EXPECT_EQ(tools::testing::WaitProcess(recorder), 0) << Slurp(err);

  auto source = collector::TraceEventSource::Open(trace);
  ASSERT_TRUE(source.has_value()) << source.error().message();
  while ((*source)->Consume([](std::span<const uint8_t>) {}).value() > 0) {
  }
  const std::vector<collector::PackagePrograms>& got = (*source)->recorded_packages();
  auto it = std::find_if(got.begin(), got.end(), [&](const auto& p) { return p.source == want->source; });
  ASSERT_NE(it, got.end()) << "no package " << want->source << " in the trace; it has " << [&] {
    std::string sources;
    for (const auto& p : got) sources += p.source + " ";
    return sources;
  }() << "; record said: " << Slurp(err);
  EXPECT_EQ(*it, *want);
  EXPECT_EQ(std::count_if(got.begin(), got.end(), [&](const auto& p) { return p.source == want->source; }), 1)
      << "each source package once";
}

}  // namespace
}  // namespace dw
