// tools/exec_bpf_test.cc: what the kernel tells of an exec, and its per-cgroup
// counters, with real processes.
//
// Fileless execs (a memfd, a file unlinked before the exec), an exec from an
// overlayfs upper layer next to one from its lower layer, the parent's
// executable read by the kernel for a parent that is gone before user space
// sees the exec; and the kernel's per-cgroup counters against the records
// user space received. Needs root; skips with the reason otherwise (set
// DW_REQUIRE_BPF=1 to make that a failure, as CI does).
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <mutex>
#include <optional>
#include <thread>

#include "collector/bpf_source.h"
#include "collector/cgroup.h"
#include "collector/pipeline.h"
#include "tools/testing/live_bpf.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ExecBpfTest : public tools::testing::LiveBpfTest {
 protected:
  void SetUp() override {
    Open({.prefix = "dwtest-exec", .lookup = true});
    procs_ = mount_ + "/" + root_rel_ + "/cgroup.procs";
  }

  // In a forked child: joins the watched cgroup. Returns false on failure.
  // Allocates nothing (the event thread may hold the allocator's lock at
  // the fork), as every forked child below.
  bool JoinCgroup() const {
    int fd = open(procs_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, "0", 1) == 1;
    close(fd);
    return ok;
  }

  // Runs `child` in a forked process and expects it to exit 0.
  template <typename F>
  pid_t RunChild(F child) {
    pid_t pid = fork();
    if (pid == 0) _exit(child());
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed: " << status;
    return pid;
  }

  // The first exec event of `pid` within 10 s.
  std::optional<Event> WaitExec(pid_t pid) { return WaitEvent(EventKind::kExec, pid); }

  // A copy of /usr/bin/true at `to`, executable.
  static void CopyTrue(const fs::path& to) {
    fs::copy_file(kTrue, to, fs::copy_options::overwrite_existing);
    fs::permissions(to, fs::perms::owner_all);
  }

  static constexpr const char* kTrue = "/usr/bin/true";
  std::string procs_;  // the watched cgroup's cgroup.procs
};

TEST_F(ExecBpfTest, MemfdExecIsFilelessAndNamed) {
  pid_t pid = RunChild([&] {
    if (!JoinCgroup()) return 2;
    int src = open(kTrue, O_RDONLY | O_CLOEXEC);
    int mfd = memfd_create("dwpayload", MFD_CLOEXEC);
    struct stat st;
    if (src < 0 || mfd < 0 || fstat(src, &st) != 0) return 3;
    if (sendfile(mfd, src, nullptr, static_cast<size_t>(st.st_size)) != st.st_size) return 4;
    char arg0[] = "payload";
    char* argv[] = {arg0, nullptr};
    char* envp[] = {nullptr};
    fexecve(mfd, argv, envp);
    return 5;
  });
  auto e = WaitExec(pid);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "memfd:dwpayload");
  EXPECT_EQ(e->exec_flags, kExecFileless);
  EXPECT_EQ(e->argv, std::vector<std::string>{"payload"});
  EXPECT_EQ(e->process.exe, "memfd:dwpayload");
}

TEST_F(ExecBpfTest, UnlinkedFileExecIsFilelessAndDeleted) {
  const fs::path bin = tmp_ / "gone";
  CopyTrue(bin);
  pid_t pid = RunChild([&] {
    if (!JoinCgroup()) return 2;
    int fd = open(bin.c_str(), O_RDONLY);  // not CLOEXEC: fexecve of a binary needs none
    if (fd < 0 || unlink(bin.c_str()) != 0) return 3;
    char arg0[] = "gone";
    char* argv[] = {arg0, nullptr};
    char* envp[] = {nullptr};
    fexecve(fd, argv, envp);
    return 5;
  });
  auto e = WaitExec(pid);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, bin.string() + " (deleted)");
  EXPECT_EQ(e->exec_flags, kExecFileless);
}

TEST_F(ExecBpfTest, OrdinaryExecHasNoFlags) {
  pid_t pid = RunChild([&] {
    if (!JoinCgroup()) return 2;
    execl(kTrue, "true", nullptr);
    return 5;
  });
  auto e = WaitExec(pid);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, kTrue);
  EXPECT_EQ(e->exec_flags, 0);
}

// The overlay is mounted in the child's own mount namespace, so nothing is
// left mounted on the host whatever happens.
TEST_F(ExecBpfTest, OverlayUpperLayerExecIsFlaggedAndLowerIsNot) {
  for (const char* d : {"lower", "upper", "work", "merged"}) fs::create_directories(tmp_ / d);
  CopyTrue(tmp_ / "lower" / "from-image");
  CopyTrue(tmp_ / "upper" / "dropped");
  const std::string opts = "lowerdir=" + (tmp_ / "lower").string() +
                           ",upperdir=" + (tmp_ / "upper").string() +
                           ",workdir=" + (tmp_ / "work").string();
  const fs::path merged = tmp_ / "merged";
  const std::string lower_bin = (merged / "from-image").string();
  const std::string upper_bin = (merged / "dropped").string();
  RunChild([&] {
    if (unshare(CLONE_NEWNS) != 0) return 2;
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 3;
    if (mount("overlay", merged.c_str(), "overlay", 0, opts.c_str()) != 0) return 4;
    if (!JoinCgroup()) return 5;
    for (const std::string* path : {&lower_bin, &upper_bin}) {
      pid_t c = fork();
      if (c == 0) {
        execl(path->c_str(), "bin", nullptr);
        _exit(127);
      }
      int status = 0;
      waitpid(c, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 6;
    }
    return 0;
  });
  // The two execs, found by path (their pids are the runner's children).
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<Event> lower, upper;
  while (std::chrono::steady_clock::now() < deadline && !(lower && upper)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& e : events_) {
        if (e.kind != EventKind::kExec) continue;
        if (e.path == lower_bin) lower = e;
        if (e.path == upper_bin) upper = e;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(lower) << "no exec of the lower-layer binary";
  ASSERT_TRUE(upper) << "no exec of the upper-layer binary";
  EXPECT_EQ(lower->exec_flags, 0);
  EXPECT_EQ(upper->exec_flags, kExecUpperLayer);
}

// The parent P lives outside the watched cgroup (no event of its own), forks
// C into the watched cgroup and exits as soon as C's exec closes a CLOEXEC
// pipe: by the time user space handles C's exec, P has no exe to read in
// /proc (a zombie has none). The kernel read it at the exec.
TEST_F(ExecBpfTest, ParentExeComesFromTheKernelWhenTheParentIsGone) {
  const std::string self_exe = fs::read_symlink("/proc/self/exe").string();
  int to_test[2];
  ASSERT_EQ(pipe(to_test), 0);
  pid_t parent = fork();
  if (parent == 0) {
    close(to_test[0]);
    int execd[2];
    if (pipe(execd) != 0) _exit(2);
    pid_t child = fork();
    if (child == 0) {
      close(execd[0]);
      if (!JoinCgroup()) _exit(3);
      fcntl(execd[1], F_SETFD, FD_CLOEXEC);
      execl("/usr/bin/sleep", "sleep", "0.3", nullptr);
      _exit(127);
    }
    close(execd[1]);
    if (write(to_test[1], &child, sizeof(child)) != sizeof(child)) _exit(4);
    char b;
    while (read(execd[0], &b, 1) > 0) {
    }  // EOF: the child has exec'd (or died)
    _exit(0);
  }
  close(to_test[1]);
  pid_t child = 0;
  ASSERT_EQ(read(to_test[0], &child, sizeof(child)), static_cast<ssize_t>(sizeof(child)));
  close(to_test[0]);
  int status = 0;
  waitpid(parent, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto e = WaitExec(child);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "/usr/bin/sleep");
  EXPECT_EQ(e->ppid, static_cast<uint32_t>(parent));
  EXPECT_EQ(e->parent_exe, self_exe);
  EXPECT_EQ(e->process.parent_exe, self_exe);
  ASSERT_FALSE(e->process.ancestry.empty());
  EXPECT_EQ(e->process.ancestry.front(), self_exe);
}

// Every hooked call of the cgroup's tasks is counted in the kernel by kind,
// and every record counted as delivered arrived.
TEST_F(ExecBpfTest, KernelCountersMatchTheRecordsDelivered) {
  const std::string written = (tmp_ / "w").string();
  pid_t pid = RunChild([&] {
    if (!JoinCgroup()) return 2;
    for (int i = 0; i < 40; ++i) {
      int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
      if (fd >= 0) close(fd);
    }
    for (int i = 0; i < 5; ++i) {
      int fd = open(written.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) return 3;
      close(fd);
    }
    return 0;
  });
  // Its exit is the cgroup's last record: once seen, all are in.
  uint64_t cgroup = 0;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (cgroup == 0 && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& e : events_) {
        if (e.kind == EventKind::kExit && e.pid == static_cast<uint32_t>(pid)) cgroup = e.cgroup.value;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(cgroup, 0u) << "no exit event";
  std::array<uint64_t, 16> seen{};
  uint64_t records = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : events_) {
      if (e.cgroup.value != cgroup) continue;
      ++records;
      ++seen[static_cast<size_t>(e.kind)];
    }
  }
  auto counters = source_->CgroupCounters();
  ASSERT_TRUE(counters.has_value()) << counters.error().message();
  auto it = counters->find(CgroupId{cgroup});
  ASSERT_NE(it, counters->end()) << "no counters for cgroup " << cgroup;
  const collector::KernelCounters& k = it->second;
  EXPECT_EQ(k.calls[static_cast<size_t>(EventKind::kOpen)], 45u);
  EXPECT_EQ(k.writes, 5u);
  EXPECT_EQ(k.calls[static_cast<size_t>(EventKind::kExit)], 1u);
  EXPECT_EQ(k.calls, seen);
  EXPECT_EQ(k.emitted, records);
  EXPECT_EQ(k.dropped, 0u);
}

}  // namespace
}  // namespace dw
