// collector/packages_test.cc: source packages of programs from a dpkg
// database laid out in a temporary root as dpkg writes it.
#include "collector/packages.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "collector/testing/temp_dir.h"

namespace dw::collector {
namespace {

using testing::TempDir;
using testing::WriteFile;

constexpr char kStatus[] =
    "Package: postfix\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Architecture: amd64\n"
    "Description: a mail server\n"
    " with a continuation line: Source: nothing\n"
    "\n"
    "Package: redis-tools\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Source: redis (5:7.0.15-1)\n"
    "\n"
    "Package: redis-server\n"
    "Status: install ok installed\n"
    "Source: redis\n"
    "\n"
    "Package: coreutils\n"
    "Essential: yes\n"
    "Status: install ok installed\n"
    "Priority: required\n"
    "\n"
    "Package: iproute2\n"
    "Status: install ok installed\n"
    "Priority: important\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Multi-Arch: same\n"
    "\n"
    "Package: nmap\n"
    "Status: deinstall ok config-files\n"
    "Priority: optional\n";

class PackagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    WriteFile(root_.File("var/lib/dpkg/status"), kStatus);
    WriteFile(root_.File("var/lib/dpkg/info/postfix.list"),
              "/.\n/usr\n/usr/sbin\n/usr/sbin/postconf\n/usr/sbin/postmap\n/usr/lib/postfix/sbin/master\n");
    WriteFile(root_.File("var/lib/dpkg/info/redis-tools.list"), "/usr/bin/redis-cli\n");
    WriteFile(root_.File("var/lib/dpkg/info/redis-server.list"), "/usr/bin/redis-server\n");
    WriteFile(root_.File("var/lib/dpkg/info/coreutils.list"), "/bin/cat\n/usr/bin/date\n");
    WriteFile(root_.File("var/lib/dpkg/info/iproute2.list"), "/bin/ip\n");
    WriteFile(root_.File("var/lib/dpkg/info/libc6:amd64.list"), "/usr/bin/ldd\n");
    // Removed, its configuration kept: no longer installed.
    WriteFile(root_.File("var/lib/dpkg/info/nmap.list"), "/usr/bin/nmap\n");
  }
  std::string Of(std::string_view path) { return db_.SourcePackageOf(root_.path(), path); }

  TempDir root_{"dw-packages"};
  PackageDatabase db_;
};

TEST_F(PackagesTest, ProgramsAreTheirSourcePackages) {
  EXPECT_EQ(Of("/usr/sbin/postmap"), "postfix");
  EXPECT_EQ(Of("/usr/lib/postfix/sbin/master"), "postfix");
  // Two binary packages of one source: one suite.
  EXPECT_EQ(Of("/usr/bin/redis-cli"), "redis");
  EXPECT_EQ(Of("/usr/bin/redis-server"), "redis");
  // A Multi-Arch package's list is named <package>:<arch>.list.
  EXPECT_EQ(Of("/usr/bin/ldd"), "libc6");
}

TEST_F(PackagesTest, BaseSystemRemovedAndUnlistedProgramsHaveNone) {
  EXPECT_EQ(Of("/usr/bin/date"), "");  // Essential, Priority required
  EXPECT_EQ(Of("/bin/ip"), "");        // Priority important
  EXPECT_EQ(Of("/usr/bin/nmap"), "");  // not installed
  EXPECT_EQ(Of("/usr/bin/unknown"), "");
  EXPECT_EQ(Of("/usr/sbin"), "postfix") << "a listed directory is still the package's";
  EXPECT_EQ(Of("relative/postmap"), "");
  EXPECT_EQ(Of(""), "");
}

TEST_F(PackagesTest, PathsMatchAcrossTheUsrMerge) {
  WriteFile(root_.File("var/lib/dpkg/info/postfix.list"), "/usr/sbin/postconf\n/sbin/postsuper\n");
  WriteFile(root_.File("var/lib/dpkg/status"), std::string(kStatus) + "\n");  // a new index
  EXPECT_EQ(Of("/usr/sbin/postsuper"), "postfix");
  EXPECT_EQ(Of("/sbin/postconf"), "postfix");
}

TEST_F(PackagesTest, AChangedDatabaseIsReadAgain) {
  EXPECT_EQ(Of("/usr/bin/swaks"), "");
  WriteFile(root_.File("var/lib/dpkg/status"),
            std::string(kStatus) + "\nPackage: swaks\nStatus: install ok installed\nPriority: optional\n");
  WriteFile(root_.File("var/lib/dpkg/info/swaks.list"), "/usr/bin/swaks\n");
  EXPECT_EQ(Of("/usr/bin/swaks"), "swaks");
  EXPECT_EQ(db_.indexed_roots(), 2u);  // the old index waits to be evicted
}

// A package's programs for a trace: its listed files that are executable
// regular files in the root; directories, plain files, links and files not
// installed are none; the source's every binary package counts.
TEST_F(PackagesTest, ProgramsOfAPackageAreItsExecutableFiles) {
  auto make = [&](const std::string& rel, mode_t mode) {
    WriteFile(root_.File(rel), "#!/bin/sh\n");
    ASSERT_EQ(::chmod(root_.File(rel).c_str(), mode), 0);
  };
  make("usr/sbin/postmap", 0755);
  make("usr/lib/postfix/sbin/master", 0700);
  make("usr/sbin/postconf", 0644);  // not executable
  make("usr/bin/redis-cli", 0755);
  make("usr/bin/redis-server", 0755);
  ASSERT_EQ(::symlink("redis-server", root_.File("usr/bin/redis-check-rdb").c_str()), 0);
  WriteFile(root_.File("var/lib/dpkg/info/redis-server.list"), "/usr/bin/redis-server\n/usr/bin/redis-check-rdb\n");
  WriteFile(root_.File("var/lib/dpkg/status"), std::string(kStatus) + "\n");  // a new index

  std::optional<PackagePrograms> postfix = db_.ProgramsOf(root_.path(), "/usr/sbin/postmap");
  ASSERT_TRUE(postfix.has_value());
  EXPECT_EQ(*postfix, (PackagePrograms{"postfix", {"/usr/lib/postfix/sbin/master", "/usr/sbin/postmap"}}));
  std::optional<PackagePrograms> redis = db_.ProgramsOf(root_.path(), "/bin/redis-cli");  // the /usr merge
  ASSERT_TRUE(redis.has_value());
  EXPECT_EQ(*redis, (PackagePrograms{"redis", {"/usr/bin/redis-cli", "/usr/bin/redis-server"}}));
  EXPECT_FALSE(db_.ProgramsOf(root_.path(), "/usr/bin/date").has_value());  // the base system
  EXPECT_FALSE(db_.ProgramsOf(root_.path(), "/usr/bin/unknown").has_value());
  EXPECT_FALSE(db_.ProgramsOf(root_.path() + "/missing", "/usr/sbin/postmap").has_value());
  // Its files gone (a process's /proc/PID/root after it exited): no package
  // with no programs, which a trace would carry as if it had none.
  ASSERT_EQ(::unlink(root_.File("usr/sbin/postmap").c_str()), 0);
  ASSERT_EQ(::unlink(root_.File("usr/lib/postfix/sbin/master").c_str()), 0);
  EXPECT_FALSE(db_.ProgramsOf(root_.path(), "/usr/sbin/postmap").has_value());
}

TEST_F(PackagesTest, RootsWithoutADatabaseKnowNothing) {
  TempDir empty("dw-packages-none");
  EXPECT_EQ(db_.SourcePackageOf(empty.path(), "/usr/sbin/postmap"), "");
  EXPECT_EQ(db_.SourcePackageOf(empty.path() + "/missing", "/usr/sbin/postmap"), "");
  WriteFile(empty.File("var/lib/dpkg/status"), "not: a\nstatus file\n");
  EXPECT_EQ(db_.SourcePackageOf(empty.path(), "/usr/sbin/postmap"), "");
  EXPECT_EQ(db_.indexed_roots(), 1u) << "an unreadable root is indexed as empty";
}

}  // namespace
}  // namespace dw::collector
