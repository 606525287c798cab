// tools/drive_test.cc: the one pipeline over a replayed trace: the workload
// namer it wires, and a sink's error ending the run.
#include "tools/drive.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "collector/testing/pod_trace.h"
#include "collector/trace_source.h"

namespace dw::tools {
namespace {

namespace fs = std::filesystem;
namespace ct = collector::testing;

std::string ThisHost() {
  struct utsname u;
  return uname(&u) == 0 ? std::string(u.nodename) : std::string();
}

class DriveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ct::PodTestDir("dw-drive", ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The workloads Drive() names in a pod trace recorded on `hostname`.
  std::set<std::string> Workloads(const std::string& hostname) {
    const std::string trace = (dir_ / "pod.dwt").string();
    EXPECT_TRUE(ct::WritePodTrace(trace, hostname).ok());
    auto source = collector::TraceEventSource::Open(trace);
    EXPECT_TRUE(source) << source.error().message();
    if (!source) return {};
    PipelineOptions options;
    options.identity.root = (dir_ / "root").string();
    std::set<std::string> names;
    std::atomic<bool> stop{false};
    collector::PipelineStats stats;
    Status s = Drive(
        **source,
        [&](const Event& e, std::span<const uint8_t>) {
          names.insert(e.workload);
          return Status::Ok();
        },
        stop, &stats, nullptr, options);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(stats.events, ct::PodTrainingRecords().size() + ct::PodDriftRecords().size());
    return names;
  }

  fs::path dir_;
};

TEST_F(DriveTest, ATraceOfThisHostNamesItsContainerAsTheAgentDoes) {
  EXPECT_EQ(Workloads(ThisHost()), std::set<std::string>{ct::kPodWorkload});
}

TEST_F(DriveTest, ATraceOfAnotherHostIsNamedByItsCgroupPathsAlone) {
  EXPECT_EQ(Workloads("another-node"),
            std::set<std::string>{std::string("pod:") + ct::kPodUid + "/container:" +
                                  std::string(ct::kPodContainerId).substr(0, 12)});
}

TEST_F(DriveTest, ASinkErrorEndsTheRunAndIsReturned) {
  const std::string trace = (dir_ / "pod.dwt").string();
  ASSERT_TRUE(ct::WritePodTrace(trace, ThisHost()).ok());
  auto source = collector::TraceEventSource::Open(trace);
  ASSERT_TRUE(source) << source.error().message();
  int calls = 0;
  std::atomic<bool> stop{false};
  collector::PipelineStats stats;
  Status s = Drive(
      **source,
      [&](const Event&, std::span<const uint8_t>) {
        ++calls;
        return Status(ErrorCode::kIo, "write trace out.dwt: No space left on device");
      },
      stop, &stats);
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), "write trace out.dwt: No space left on device");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(stop.load());
}

}  // namespace
}  // namespace dw::tools
