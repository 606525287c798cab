// collector/event_source.h: where raw records come from, live or replayed.
//
// The seam between the kernel and everything above it: a BPF ring buffer
// (collector/bpf_source.h) or a trace file (collector/trace_source.h). Both
// hand out raw records in the bpf/events.h format, so one Decode() serves both.
#ifndef DRIFTWATCH_COLLECTOR_EVENT_SOURCE_H_
#define DRIFTWATCH_COLLECTOR_EVENT_SOURCE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collector/cgroup.h"
#include "collector/status.h"
#include "collector/syscall_names.h"
#include "collector/trace_file.h"
#include "collector/verdict_cache.h"

namespace dw::collector {

using RecordHandler = std::function<void(std::span<const uint8_t> record)>;

// What the programs saw of one cgroup since they were loaded, summed over
// CPUs (struct dw_cgroup_counters in bpf/events.h): every hooked call of a
// watched task by event kind, whether or not its record reached user space.
struct KernelCounters {
  std::array<uint64_t, 16> calls{};  // by EventKind value (index 0 unused)
  uint64_t writes = 0;               // opens with write access
  uint64_t emitted = 0;              // records written to the ring buffer
  uint64_t dropped = 0;              // records lost, the ring buffer full
  std::array<uint64_t, 16> filtered{};  // calls answered by the verdict cache, by EventKind
  bool operator==(const KernelCounters&) const = default;
};

// One hook of a source (a BPF program), for the start-up report.
struct HookStatus {
  std::string program;   // "handle_sched_exec"
  std::string hook;      // "tp_btf/sched_process_exec"
  bool attached = false;
  std::string error;     // why not, when not attached
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Calls `handler` for each record, in order, until the source is exhausted
  // (end of a trace) or `stop` becomes true (checked at least every poll
  // interval). Returns the first error that ends the run.
  virtual Status Run(const RecordHandler& handler, const std::atomic<bool>& stop) = 0;
  // Wall clock = record ts_boot_ns + this.
  virtual int64_t boot_to_unix_ns() const = 0;
  // Names the cgroup ids the records carry. Owned by the source.
  virtual CgroupResolver& cgroups() = 0;
  // Processes that existed before the first record.
  virtual const std::vector<ProcessSnapshot>& initial_processes() const = 0;
  // Records the kernel could not deliver so far (ring buffer full).
  virtual uint64_t dropped() const = 0;
  // The DW_WIRE_VERSION of the records (a trace's may be older; Decode()).
  virtual uint32_t wire_version() const = 0;
  // True when the records come from this host now (the BPF source), so the
  // container runtimes' state on disk describes them; false for a replay.
  virtual bool live() const { return false; }
  // The host the records come from: this host's name when live, a trace's
  // recorded hostname ("" when the trace did not record one).
  virtual std::string node() const { return ""; }
  // Which syscalls the records report (kSyscall): live, what was attached; a
  // trace, what its recording had. nullopt: a trace recorded before it said,
  // whose syscall records (if any) were of every syscall.
  virtual std::optional<SyscallWatch> syscall_watch() const { return SyscallWatch::kNone; }
  // What the source attached (live: one entry per BPF program, attached or
  // not, and why); empty for a replay.
  virtual const std::vector<HookStatus>& hooks() const {
    static const std::vector<HookStatus> kNone;
    return kNone;
  }
  // What the source can tell of a process it has no record of (live: /proc).
  virtual std::optional<ProcessSnapshot> LookupProcess(uint32_t /*pid*/) { return std::nullopt; }
  // The packages of the programs delivered so far, as recorded with them (a
  // trace of format 2, trace_file.h); they only grow. Live: none (the
  // processes' own filesystems answer, tools/packages.h).
  virtual const std::vector<PackagePrograms>& recorded_packages() const {
    static const std::vector<PackagePrograms> kNone;
    return kNone;
  }

  // For an event loop of the caller's (the agent), instead of Run(): hands
  // `handler` the records available now without waiting and returns how many
  // (live: what the ring buffer holds; a replay: its next chunk, 0 once it
  // is exhausted). ready_fd() is an fd that becomes readable when records
  // wait, or -1 when the caller polls Consume() on a timer instead.
  virtual Result<int> Consume(const RecordHandler& handler) = 0;
  virtual int ready_fd() const { return -1; }

  // The kernel's per-cgroup counters by cgroup id (live); empty for a replay.
  virtual Result<std::map<CgroupId, KernelCounters>> CgroupCounters() const {
    return std::map<CgroupId, KernelCounters>{};
  }

  // The kernel verdict cache's maps (collector/verdict_cache.h) when the
  // source has them and the cache is on (live); nullptr otherwise.
  virtual VerdictMaps* verdict_maps() { return nullptr; }

  // The kernel reports a cgroup's first use of each syscall once (kSyscall
  // records), and each process's UDP flows once. A workload that learns
  // again must see them again, or its new baseline lacks what it did
  // before: this forgets what was reported for `cgroup`. Nothing to forget
  // for a replay.
  virtual Status ForgetReported(CgroupId /*cgroup*/) { return Status::Ok(); }
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_EVENT_SOURCE_H_
