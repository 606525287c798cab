// collector/cgroup_test.cc: mountinfo parsing, cgroup ids and paths, resolvers;
// one test creates real cgroups under the cgroup2 mount (root only).
#include "collector/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "collector/testing/temp_dir.h"

namespace dw::collector {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;
using testing::WriteFile;

uint64_t InodeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

constexpr char kPureV2[] =
    "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
    "24 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "27 25 0:24 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:10 - pstore pstore rw\n";

// As on this project's build host: v1 controllers and cgroup2 at unified/.
constexpr char kHybrid[] =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:5 master:2 - cgroup2 cgroup2 rw\n";

// v1 only; one v1 mount even uses "cgroup2" as its source name.
constexpr char kNoV2[] =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup2 rw,cpu\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n";

TEST(ParseCgroup2MountTest, PureV2) {
  Result<std::string> m = ParseCgroup2Mount(kPureV2);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, "/sys/fs/cgroup");
}

TEST(ParseCgroup2MountTest, HybridWithOptionalFields) {
  Result<std::string> m = ParseCgroup2Mount(kHybrid);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, "/sys/fs/cgroup/unified");
}

TEST(ParseCgroup2MountTest, NoneIsNotFound) {
  Result<std::string> m = ParseCgroup2Mount(kNoV2);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(ParseCgroup2Mount(""));
  EXPECT_FALSE(ParseCgroup2Mount("garbage\n - cgroup2\n\n"));
}

TEST(ParseCgroup2MountTest, OctalEscapes) {
  Result<std::string> m = ParseCgroup2Mount(
      "50 22 0:40 / /mnt/my\\040cgroup\\011v2\\134x rw,relatime - cgroup2 none rw\n");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, "/mnt/my cgroup\tv2\\x");
  // A backslash not followed by three octal digits stays as it is.
  m = ParseCgroup2Mount("50 22 0:40 / /mnt/a\\9b\\04 rw - cgroup2 none rw\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, "/mnt/a\\9b\\04");
}

TEST(ParseCgroup2MountTest, PrefersTheHierarchyRootOverABindMountOfASubtree) {
  Result<std::string> m = ParseCgroup2Mount(
      "60 22 0:23 /system.slice/x.service /run/x/cgroup rw - cgroup2 cgroup2 rw\n"
      "26 25 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, "/sys/fs/cgroup");
  m = ParseCgroup2Mount("60 22 0:23 /system.slice/x.service /run/x/cgroup rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, "/run/x/cgroup");
}

TEST(FindCgroup2MountTest, FromFile) {
  TempDir dir;
  WriteFile(dir.path() + "/mountinfo", kHybrid);
  Result<std::string> m = FindCgroup2Mount(dir.path() + "/mountinfo");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, "/sys/fs/cgroup/unified");

  WriteFile(dir.path() + "/v1", kNoV2);
  m = FindCgroup2Mount(dir.path() + "/v1");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(m.error().message(), "find cgroup2 mount: none in " + dir.path() + "/v1");

  m = FindCgroup2Mount(dir.path() + "/missing");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(m.error().message(),
            "read mountinfo " + dir.path() + "/missing: No such file or directory");
}

TEST(FindCgroup2MountTest, ThisHost) {
  Result<std::string> m = FindCgroup2Mount();
  if (!m) GTEST_SKIP() << "no cgroup2 mount on this host: " << m.error().message();
  EXPECT_TRUE(fs::exists(*m + "/cgroup.procs")) << *m;
}

TEST(CgroupIdOfPathTest, InodeOfTheDirectory) {
  TempDir dir;
  fs::create_directories(dir.path() + "/a/b");
  WriteFile(dir.path() + "/a/file", "x");

  Result<CgroupId> id = CgroupIdOfPath(dir.path(), "");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, CgroupId{InodeOf(dir.path())});
  id = CgroupIdOfPath(dir.path(), "a/b");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, CgroupId{InodeOf(dir.path() + "/a/b")});
  id = CgroupIdOfPath(dir.path(), "/a/b");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, CgroupId{InodeOf(dir.path() + "/a/b")});

  id = CgroupIdOfPath(dir.path(), "a/gone");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(id.error().message(), "stat cgroup " + dir.path() + "/a/gone: No such file or directory");

  id = CgroupIdOfPath(dir.path(), "a/file");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), ErrorCode::kInvalidArgument);
}

TEST(CgroupPathOfPidTest, FakeProc) {
  TempDir proc;
  WriteFile(proc.path() + "/42/cgroup",
            "12:pids:/user.slice\n1:name=systemd:/user.slice/session-1.scope\n0::/shop/nginx\n");
  WriteFile(proc.path() + "/43/cgroup", "0::/\n");
  WriteFile(proc.path() + "/44/cgroup", "0::/kubepods/pod1/abc (deleted)\n");
  WriteFile(proc.path() + "/45/cgroup", "4:memory:/x\n1:cpu:/x\n");
  WriteFile(proc.path() + "/46/cgroup", "0::/no/newline");

  Result<std::string> p = CgroupPathOfPid(42, proc.path());
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(*p, "shop/nginx");
  p = CgroupPathOfPid(43, proc.path());
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "");
  p = CgroupPathOfPid(44, proc.path());
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "kubepods/pod1/abc");
  p = CgroupPathOfPid(46, proc.path());
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "no/newline");

  p = CgroupPathOfPid(45, proc.path());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(p.error().message(),
            "read cgroup of pid " + proc.path() + "/45/cgroup: no cgroup v2 (0::) line");
  p = CgroupPathOfPid(47, proc.path());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
}

TEST(FsCgroupResolverTest, WalksCachesAndRescansOnMissAtMostOncePerInterval) {
  TempDir root;
  fs::create_directories(root.path() + "/a/b");
  fs::create_directories(root.path() + "/c");
  WriteFile(root.path() + "/a/cgroup.procs", "");
  fs::create_directory_symlink(root.path() + "/a", root.path() + "/link");

  FsCgroupResolver r(root.path(), std::chrono::hours(1));
  // The first lookup walks even though no interval has passed.
  Result<std::string> p = r.PathOf(CgroupId{InodeOf(root.path() + "/a/b")});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(*p, "a/b");
  const std::map<uint64_t, std::string> want = {
      {InodeOf(root.path()), ""},
      {InodeOf(root.path() + "/a"), "a"},
      {InodeOf(root.path() + "/a/b"), "a/b"},
      {InodeOf(root.path() + "/c"), "c"},
  };
  EXPECT_EQ(r.known(), want);

  // Created after the walk: a miss, and the interval forbids walking again.
  fs::create_directories(root.path() + "/c/d");
  CgroupId d{InodeOf(root.path() + "/c/d")};
  p = r.PathOf(d);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(p.error().message(),
            "resolve cgroup id " + std::to_string(d.value) + ": not found under " + root.path());
  EXPECT_EQ(r.Rescan(), 5u);
  p = r.PathOf(d);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "c/d");

  // With no interval every miss walks; removed directories are forgotten.
  FsCgroupResolver eager(root.path(), std::chrono::milliseconds(0));
  EXPECT_EQ(eager.Rescan(), 5u);
  fs::create_directories(root.path() + "/e");
  p = eager.PathOf(CgroupId{InodeOf(root.path() + "/e")});
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "e");
  uint64_t b = InodeOf(root.path() + "/a/b");
  fs::remove(root.path() + "/a/b");
  EXPECT_EQ(eager.Rescan(), 5u);
  EXPECT_EQ(eager.known().count(b), 0u);
}

TEST(FsCgroupResolverTest, MissingMountKnowsNothing) {
  FsCgroupResolver r("/nonexistent/dw-cgroup");
  EXPECT_EQ(r.Rescan(), 0u);
  Result<std::string> p = r.PathOf(CgroupId{1});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
}

TEST(MapCgroupResolverTest, AnswersFromTheMap) {
  MapCgroupResolver r;
  r.Add(1, "");
  r.Add(7, "shop/nginx");
  r.Add(7, "shop/api");
  Result<std::string> p = r.PathOf(CgroupId{7});
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "shop/api");
  p = r.PathOf(CgroupId{1});
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "");
  p = r.PathOf(CgroupId{8});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(p.error().message(), "resolve cgroup id 8: not in the trace's cgroup map");
}

// Real cgroups: dwtest-<pid>/a (and a/b, made by the test) under the cgroup2 mount, with a child process
// moved in and back out. Removed deepest first, also when an assertion fails.
class RealCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> m = FindCgroup2Mount();
    if (!m) GTEST_SKIP() << "no cgroup2 mount: " << m.error().message();
    if (geteuid() != 0) GTEST_SKIP() << "creating cgroups needs root: sudo ctest -R RealCgroup";
    mount_ = *m;
    top_ = "dwtest-" + std::to_string(getpid());
    for (const std::string& rel : {top_, top_ + "/a"}) {
      if (!MakeCgroup(rel)) GTEST_SKIP() << "mkdir " << mount_ << "/" << rel << ": " << std::strerror(errno);
    }
  }
  bool MakeCgroup(const std::string& rel) {
    if (mkdir((mount_ + "/" + rel).c_str(), 0755) != 0) return false;
    created_.push_back(rel);
    return true;
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      EXPECT_EQ(rmdir((mount_ + "/" + *it).c_str()), 0) << *it << ": " << std::strerror(errno);
    }
  }
  // Moves `pid` into the cgroup at `rel`.
  bool MoveTo(pid_t pid, const std::string& rel) {
    std::string procs = mount_ + (rel.empty() ? "" : "/" + rel) + "/cgroup.procs";
    std::ofstream out(procs);
    out << pid << "\n";
    out.flush();
    return static_cast<bool>(out);
  }

  std::string mount_;
  std::string top_;
  std::vector<std::string> created_;
  pid_t child_ = -1;
};

TEST_F(RealCgroupTest, IdPathAndPidAgree) {
  const std::string rel = top_ + "/a/b";
  FsCgroupResolver resolver(mount_, std::chrono::milliseconds(0));
  EXPECT_GE(resolver.Rescan(), 3u);  // at least the root, top_ and top_/a
  ASSERT_TRUE(MakeCgroup(rel)) << std::strerror(errno);

  Result<CgroupId> id = CgroupIdOfPath(mount_, rel);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(id->value, InodeOf(mount_ + "/" + rel));
  Result<CgroupId> root = CgroupIdOfPath(mount_, "");
  ASSERT_TRUE(root);
  EXPECT_NE(*root, *id);

  // Created after the walk: found by the rescan on a miss.
  EXPECT_EQ(resolver.known().count(id->value), 0u);
  Result<std::string> path = resolver.PathOf(*id);
  ASSERT_TRUE(path) << path.error().message();
  EXPECT_EQ(*path, rel);
  path = resolver.PathOf(*root);
  ASSERT_TRUE(path);
  EXPECT_EQ(*path, "");

  Result<std::string> home = CgroupPathOfPid(getpid());
  ASSERT_TRUE(home) << home.error().message();

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  child_ = fork();
  ASSERT_GE(child_, 0);
  if (child_ == 0) {
    close(fds[1]);
    char c;
    while (read(fds[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  close(fds[0]);

  ASSERT_TRUE(MoveTo(child_, rel));
  Result<std::string> in = CgroupPathOfPid(static_cast<uint32_t>(child_));
  ASSERT_TRUE(in) << in.error().message();
  EXPECT_EQ(*in, rel);
  Result<CgroupId> in_id = CgroupIdOfPath(mount_, *in);
  ASSERT_TRUE(in_id);
  EXPECT_EQ(*in_id, *id);

  ASSERT_TRUE(MoveTo(child_, *home));
  Result<std::string> out = CgroupPathOfPid(static_cast<uint32_t>(child_));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, *home);

  close(fds[1]);  // the child reads EOF and exits
  int wstatus = 0;
  ASSERT_EQ(waitpid(child_, &wstatus, 0), child_);
  child_ = -1;
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}

TEST(CgroupSubtreeTest, ACgroupIsInItsOwnAndItsAncestorsSubtrees) {
  EXPECT_TRUE(InCgroupSubtree("dw-eval/bind", "dw-eval/bind"));
  EXPECT_TRUE(InCgroupSubtree("/dw-eval/bind/", "dw-eval"));
  EXPECT_TRUE(InCgroupSubtree("dw-eval/bind", "/dw-eval/"));
  EXPECT_TRUE(InCgroupSubtree("system.slice/x.service", ""));
  EXPECT_TRUE(InCgroupSubtree("", "/"));
  EXPECT_FALSE(InCgroupSubtree("dw-eval/bind9", "dw-eval/bind"));
  EXPECT_FALSE(InCgroupSubtree("dw-eval", "dw-eval/bind"));
  EXPECT_FALSE(InCgroupSubtree("", "dw-eval"));
}

}  // namespace
}  // namespace dw::collector
