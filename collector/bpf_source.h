// collector/bpf_source.h: the live event source: driftwatch's BPF programs.
//
// Opens the skeleton, sets the tunables, loads, attaches each program on its
// own (a missing tracepoint disables what it feeds and is reported, the rest
// runs), and polls the ring buffer. The only code that sees libbpf. Needs
// root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN to mount tracefs). Not
// thread-safe, except RequestStop-style use of the `stop` flag from a signal
// handler or another thread.
#ifndef DRIFTWATCH_COLLECTOR_BPF_SOURCE_H_
#define DRIFTWATCH_COLLECTOR_BPF_SOURCE_H_

#include <array>
#include <chrono>
#include <map>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "collector/event_source.h"
#include "collector/verdict_cache.h"

namespace dw::collector {

struct BpfOptions {
  // Cgroup v2 paths relative to the cgroup2 root; each subtree is watched,
  // cgroups created later under it included. Empty: the whole host.
  std::vector<std::string> cgroups;
  uint32_t ringbuf_bytes = 16u << 20;   // power of two, multiple of the page size
  uint64_t wakeup_bytes = 256u << 10;   // backlog that wakes the reader
  std::chrono::milliseconds poll_interval{100};
  bool snapshot_processes = true;       // read /proc at start for initial_processes()
  // Syscall learning (bpf/syscall.bpf.c): a hook on every syscall of the
  // host, watched or not, which makes every syscall slower (about +25% for
  // getppid on the development VM; README: "Syscall learning"). Off: the
  // program is neither loaded nor attached, at no cost.
  // On: each watched cgroup's first use of a syscall is one kSyscall record.
  bool syscalls = false;
  // The sentinel syscalls (collector::SentinelSyscalls: ptrace, mount, setns,
  // bpf, ...) when `syscalls` is off: one program on each of their own
  // tracepoints, so no other syscall pays for it. Each watched cgroup's first
  // use of one is a kSyscall record. A syscall the kernel lacks has no
  // tracepoint and is not listed in hooks() (all are, as not attached, when
  // none attaches).
  bool sentinels = true;
  // The kernel verdict cache (collector/verdict_cache.h): on, the programs
  // look up the cgroups that have an epoch; off, they never look (and
  // Set/ClearVerdictEpoch and InsertVerdict do nothing).
  bool verdict_cache = true;
  uint32_t verdict_entries = 65536;  // keys the LRU holds, all cgroups together
  // The open hooks read the opened file's identity (the verdict cache's key)
  // with plain loads through bpf_rdonly_cast where the kernel has it (Linux
  // 6.2); off, or on an older kernel, with probe reads. Same key either way
  // (tools/verdict_cache_bpf_test.cc runs both).
  bool direct_loads = true;
};

// Receives libbpf's own diagnostics (level 0 = warning, 1 = info, 2 = debug).
void SetLibbpfLogger(std::function<void(int level, const std::string& line)> logger);

class BpfEventSource : public EventSource, public VerdictMaps {
 public:
  // Loads and attaches. Errors: kPermissionDenied (not root / BPF refused),
  // kNotFound (no cgroup2 mount, unknown --cgroup path), kUnavailable (a
  // required hook, exec, fork or exit, or sys_enter when options.syscalls,
  // could not attach). hooks() lists the programs loaded: the syscall hook
  // only when options.syscalls.
  static Result<std::unique_ptr<BpfEventSource>> Open(const BpfOptions& options);
  ~BpfEventSource() override;

  Status Run(const RecordHandler& handler, const std::atomic<bool>& stop) override;
  int64_t boot_to_unix_ns() const override { return boot_to_unix_ns_; }
  CgroupResolver& cgroups() override { return resolver_; }
  const std::vector<ProcessSnapshot>& initial_processes() const override { return processes_; }
  uint64_t dropped() const override;
  uint32_t wire_version() const override;
  std::optional<SyscallWatch> syscall_watch() const override { return syscall_watch_; }
  bool live() const override { return true; }
  std::string node() const override;  // this host's name (uname)
  std::optional<ProcessSnapshot> LookupProcess(uint32_t pid) override;

  // The ring buffer's epoll fd, and a call that drains what it holds.
  int ready_fd() const override;
  Result<int> Consume(const RecordHandler& handler) override;

  const std::vector<HookStatus>& hooks() const override { return hooks_; }
  // The kernel's per-cgroup counters, by cgroup id (a cgroup of a watched
  // subtree appears once one of its tasks made a hooked call; the map holds
  // the 4096 most recently active).
  Result<std::map<CgroupId, KernelCounters>> CgroupCounters() const override;
  const std::string& cgroup2_mount() const { return mount_; }

  // The verdict cache's maps (VerdictMaps); no-ops when it is off.
  bool verdict_cache() const { return verdict_cache_; }
  Status SetVerdictEpoch(CgroupId cgroup, uint32_t epoch) override;
  Status ClearVerdictEpoch(CgroupId cgroup) override;
  Status InsertVerdict(const VerdictKey& key) override;
  VerdictMaps* verdict_maps() override { return verdict_cache_ ? this : nullptr; }
  // Deletes the cgroup's syscall set (--syscalls), its sentinel pairs and
  // its UDP flows.
  Status ForgetReported(CgroupId cgroup) override;

 private:
  struct Impl;
  explicit BpfEventSource(std::unique_ptr<Impl> impl, std::string mount);

  std::unique_ptr<Impl> impl_;
  std::string mount_;
  FsCgroupResolver resolver_;
  int64_t boot_to_unix_ns_ = 0;
  std::vector<ProcessSnapshot> processes_;
  std::vector<HookStatus> hooks_;
  std::chrono::milliseconds poll_interval_{100};
  bool verdict_cache_ = false;
  SyscallWatch syscall_watch_ = SyscallWatch::kNone;
};

// Wall clock minus boot clock, now, in ns.
int64_t BootToUnixOffsetNs();

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_BPF_SOURCE_H_
