// tools/packages_test.cc: the detector's package oracle, with a fixed root
// (a replayed trace) and live (each process's own filesystem).
#include "tools/packages.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "collector/cgroup.h"
#include "collector/testing/temp_dir.h"

namespace dw::tools {
namespace {

using collector::testing::TempDir;
using collector::testing::WriteFile;

Event ProcessEvent(uint32_t pid, uint32_t ppid) {
  Event e;
  e.kind = EventKind::kExec;
  e.pid = e.tid = pid;
  e.ppid = ppid;
  return e;
}

TEST(PackageOracleTest, AFixedRootAnswersForEveryProcess) {
  TempDir root("dw-oracle");
  ASSERT_FALSE(root.path().empty());
  WriteFile(root.File("var/lib/dpkg/status"), "Package: postfix\nStatus: install ok installed\nPriority: optional\n");
  WriteFile(root.File("var/lib/dpkg/info/postfix.list"), "/usr/sbin/postmap\n");
  PackageOracle oracle(root.path());
  EXPECT_EQ(oracle.SourcePackage(ProcessEvent(1, 0), "/usr/sbin/postmap"), "postfix");
  EXPECT_EQ(oracle.SourcePackage(ProcessEvent(0x7ffffff0, 0), "/usr/sbin/postmap"), "postfix")
      << "a trace's processes are gone; the root still answers";
  EXPECT_EQ(oracle.SourcePackage(ProcessEvent(1, 0), "/usr/sbin/sendmail"), "");
}

// Live: the process's /proc/PID/root, else its parent's, else a process of
// its cgroup's; the cmake that
// built this test is installed by a package on the machines it runs on.
TEST(PackageOracleTest, LiveAsksTheProcesssOwnFilesystemThenItsParentsThenItsCgroups) {
  PackageOracle live{std::string(PackageOracle::kLive)};
  PackageOracle host("/");
  const uint32_t self = static_cast<uint32_t>(getpid());
  const std::string cmake = host.SourcePackage(ProcessEvent(self, 0), "/usr/bin/cmake");
  if (cmake.empty()) GTEST_SKIP() << "this machine's dpkg database does not list /usr/bin/cmake";
  EXPECT_EQ(live.SourcePackage(ProcessEvent(self, 0), "/usr/bin/cmake"), cmake);
  EXPECT_EQ(live.SourcePackage(ProcessEvent(0x7ffffff0, self), "/usr/bin/cmake"), cmake) << "its parent's";
  // Both gone (a short-lived tool, scored after it exited): a process still
  // in its cgroup answers; an empty or unknown cgroup does not.
  Event gone = ProcessEvent(0x7ffffff0, 0x7ffffff1);
  Result<std::string> own = collector::CgroupPathOfPid(self);
  ASSERT_TRUE(own.has_value()) << own.error().message();
  gone.cgroup_path = *own;
  EXPECT_EQ(live.SourcePackage(gone, "/usr/bin/cmake"), cmake) << "a process of its cgroup's";
  gone.cgroup_path = "dw-no-such-cgroup-" + std::to_string(self);
  EXPECT_EQ(live.SourcePackage(gone, "/usr/bin/cmake"), "") << "nothing alive to ask";
}

}  // namespace
}  // namespace dw::tools
