// model/syscall_groups.cc: the group table (see syscall_groups.h for why).
#include "model/syscall_groups.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <set>
#include <unordered_map>

namespace dw::model {
namespace {

struct Group {
  std::string_view name;
  std::initializer_list<std::string_view> members;
};

// Each group: one power over one kind of object. Privilege changes (setuid,
// capset), mounts, modules, tracing, bpf, keyrings, namespaces, reboot, clock
// setting, raw I/O and device nodes are in no group on purpose.
const Group kGroups[] = {
    {"basic-io",
     {"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
      "pwritev2", "lseek", "_llseek", "close", "close_range", "dup", "dup2", "dup3", "sendfile",
      "sendfile64", "splice", "tee", "vmsplice", "copy_file_range",
      // Control of a descriptor the process holds (isatty's TCGETS, FIONREAD).
      "ioctl"}},
    {"file-system",
     {"open", "openat", "openat2", "creat", "stat", "fstat", "lstat", "newfstatat", "fstatat64",
      "stat64", "fstat64", "lstat64", "statx", "statfs", "fstatfs", "statfs64", "fstatfs64",
      "access", "faccessat", "faccessat2", "getdents", "getdents64", "mkdir", "mkdirat", "rmdir",
      "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink",
      "unlinkat", "readlink", "readlinkat", "truncate", "ftruncate", "truncate64", "ftruncate64",
      "fallocate", "fadvise64", "fadvise64_64", "chdir", "fchdir", "getcwd", "chmod", "fchmod",
      "fchmodat", "umask", "utime", "utimes", "utimensat", "futimesat", "fcntl", "fcntl64",
      "flock", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
      "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
      "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch"}},
    {"file-ownership", {"chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32"}},
    {"sync", {"fsync", "fdatasync", "sync_file_range", "sync_file_range2", "syncfs", "sync", "msync"}},
    {"memory",
     {"mmap", "mmap2", "munmap", "mremap", "mprotect", "brk", "madvise", "mincore", "mlock", "mlock2",
      "munlock", "mlockall", "munlockall", "membarrier"}},
    {"network-io",
     {"socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname",
      "getpeername", "getsockopt", "setsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg",
      "sendmmsg", "recvmmsg", "shutdown", "send", "recv"}},
    {"io-event",
     {"poll", "ppoll", "select", "_newselect", "pselect6", "epoll_create", "epoll_create1",
      "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2"}},
    {"async-io",
     {"io_setup", "io_destroy", "io_submit", "io_getevents", "io_pgetevents", "io_cancel",
      "io_uring_setup", "io_uring_enter", "io_uring_register"}},
    {"process",
     {"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
      "waitid", "waitpid", "getpid", "getppid", "gettid", "setsid", "getsid", "setpgid", "getpgid",
      "getpgrp", "set_tid_address", "arch_prctl", "prctl", "rseq", "capget", "pidfd_open",
      // Signalling processes goes with making them: a process manager stops
      // and reloads its children. Handling signals (below) is not sending them.
      "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"}},
    {"signal",
     {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
      "rt_sigpending", "sigaltstack", "signalfd", "signalfd4", "pause", "alarm", "restart_syscall"}},

    {"timer",
     {"nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
      "times", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
      "timerfd_create", "timerfd_settime", "timerfd_gettime", "getitimer", "setitimer"}},
    {"ipc",
     {"pipe", "pipe2", "futex", "futex_waitv", "set_robust_list", "get_robust_list", "shmget", "shmat",
      "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget", "msgsnd", "msgrcv",
      "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
      "mq_getsetattr"}},
    {"system-info",
     {"uname", "sysinfo", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid",
      "getresgid", "getuid32", "geteuid32", "getgid32", "getegid32", "getgroups32", "getrlimit",
      "ugetrlimit", "prlimit64", "getrusage", "getpriority", "setpriority", "getcpu", "getrandom",
      "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
      "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
      "sched_get_priority_min", "sched_rr_get_interval", "sched_getattr", "sched_setattr",
      "ioprio_get", "ioprio_set"}},
};

// Member name -> its group, built once.
const std::unordered_map<std::string_view, const Group*>& Table() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, const Group*>();
    for (const Group& g : kGroups) {
      for (std::string_view m : g.members) t->emplace(m, &g);
    }
    return t;
  }();
  return *table;
}

// Syscalls an attacker needs to escape a container, hide or persist.
constexpr std::string_view kEvasiveSyscalls[] = {
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "keyctl", "add_key",
    "request_key", "perf_event_open", "personality", "userfaultfd", "memfd_create", "reboot",
    "swapon", "settimeofday", "clock_settime"};
// Syscalls that read or change other processes or the kernel itself.
constexpr std::string_view kTamperingSyscalls[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "open_by_handle_at", "iopl", "ioperm"};

const Group* GroupOf(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : it->second;
}

}  // namespace

bool IsEvasiveSyscall(std::string_view name) {
  return std::ranges::find(kEvasiveSyscalls, name) != std::end(kEvasiveSyscalls);
}

bool IsTamperingSyscall(std::string_view name) {
  return std::ranges::find(kTamperingSyscalls, name) != std::end(kTamperingSyscalls);
}

std::string_view SyscallGroup(std::string_view name) {
  const Group* g = GroupOf(name);
  return g == nullptr ? std::string_view() : g->name;
}

std::string_view LearnedGroupMember(const std::map<std::string, ItemStats>& learned, std::string_view name) {
  const Group* g = GroupOf(name);
  if (g == nullptr) return {};
  std::string_view first;
  for (std::string_view m : g->members) {
    auto it = learned.find(std::string(m));
    if (it != learned.end() && (first.empty() || it->first < first)) first = it->first;
  }
  return first;
}

bool IsHarmlessSyscallGroup(std::string_view group) {
  return group == "timer" || group == "io-event" || group == "sync";
}

std::vector<std::string> WithLearnedGroups(const std::map<std::string, ItemStats>& learned) {
  std::set<std::string> out;
  for (const Group& g : kGroups) {
    if (IsHarmlessSyscallGroup(g.name)) out.insert(g.members.begin(), g.members.end());
  }
  for (const auto& [syscall, stats] : learned) {
    out.insert(syscall);
    if (const Group* g = GroupOf(syscall); g != nullptr) out.insert(g->members.begin(), g->members.end());
  }
  return {out.begin(), out.end()};
}

}  // namespace dw::model
