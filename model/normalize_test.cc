// model/normalize_test.cc: volatile path components become typed placeholders.
#include "model/normalize.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace dw::model {
namespace {

TEST(NormalizeFilePathTest, ReplacesVolatileComponents) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/proc/1234/status", "/proc/<pid>/status"},
      {"/proc/1/cmdline", "/proc/<pid>/cmdline"},
      {"/proc/self/maps", "/proc/<pid>/maps"},
      {"/proc/self", "/proc/<pid>"},
      {"/proc/thread-self/attr/current", "/proc/<pid>/task/<tid>/attr/current"},
      {"/proc/77/task/78/stat", "/proc/<pid>/task/<tid>/stat"},
      {"/proc/self/task/9/comm", "/proc/<pid>/task/<tid>/comm"},
      {"/proc/self/fd/3", "/proc/<pid>/fd/<fd>"},
      {"/proc/12/fdinfo/10", "/proc/<pid>/fdinfo/<fd>"},
      {"/proc/12/task/13/fd/4", "/proc/<pid>/task/<tid>/fd/<fd>"},
      {"/dev/pts/7", "/dev/pts/<n>"},
      {"/dev/fd/0", "/dev/fd/<fd>"},
      {"/proc/1234/net/tcp6", "/proc/<pid>/net/tcp6"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(NormalizeFilePath(in), want) << in;
  }
}

TEST(NormalizeFilePathTest, LeavesStablePathsAlone) {
  const std::vector<std::string> same = {
      "/",
      "/etc/passwd",
      "/proc/meminfo",  // not per-process
      "/proc/sys/net/core/somaxconn",
      "/proc/12a/status",   // not all digits
      "/var/lib/app/1234",  // digits outside the rule's parent
      "/dev/pts/ptmx",
      "/dev/pts",
      "/proc/",
      "/tmp/x/",
      "relative/1234",  // not absolute: unchanged
      "",
  };
  for (const std::string& p : same) {
    EXPECT_EQ(NormalizeFilePath(p), p) << p;
  }
}

TEST(NormalizeFilePathTest, IsIdempotent) {
  for (const char* p : {"/proc/1234/task/5/fd/6", "/proc/thread-self/stat", "/dev/pts/0",
                        "/usr/lib/x86_64-linux-gnu/libc.so.6"}) {
    std::string once = NormalizeFilePath(p);
    EXPECT_EQ(NormalizeFilePath(once), once) << p;
  }
}

TEST(NormalizeFilePathTest, RulesFollowThePathNotTheLookAlikes) {
  // "task" and "fd" are only special under a process directory.
  EXPECT_EQ(NormalizeFilePath("/srv/task/12"), "/srv/task/12");
  EXPECT_EQ(NormalizeFilePath("/proc/task/12"), "/proc/task/12");
  EXPECT_EQ(NormalizeFilePath("/proc/1/fd"), "/proc/<pid>/fd");
  EXPECT_EQ(NormalizeFilePath("/dev/pts/3/x"), "/dev/pts/<n>/x");
}

}  // namespace
}  // namespace dw::model
