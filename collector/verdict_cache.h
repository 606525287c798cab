// collector/verdict_cache.h: the user-space half of the kernel verdict cache
// (bpf/events.h struct dw_verdict_key): which events the kernel may answer
// without sending them, their keys, and the per-cgroup epochs that forget a
// workload's entries when its baseline changes.
//
// What is cached (the rule): an event whose verdict depends on the key and
// the workload's baseline alone, and that user space scored as known (no
// finding) for a workload in monitor state, outside any new program's process
// tree (model::Detector::LastEventKnown()):
//   - a successful open for reading only (no write, create or truncate): the
//     file's device, inode, generation, the mount it was opened through, the
//     directory inode and the hash of the name it was opened by; the access
//     bits are in the key, so a write to a file whose reads are cached is
//     always sent;
//   - a TCP connect: the peer's address and port, and the protocol;
//   - a TCP accept: the client's address, the local port and the protocol.
// Never cached: execs (their verdict depends on the parent's executable and
// the process tree, and the process table needs every image for lineage),
// forks and exits (lineage), failed opens (no inode), opens that write or
// create (drop and execute follows written files), listens, DNS and syscalls
// (rare, and DNS names are not in any key).
//
// Epochs: the kernel looks a cgroup's events up only while the cgroup has an
// epoch (kept in its cgroup_watched entry); keys carry it. An epoch is given
// to a cgroup at its first insertion and taken away when its workload's baseline changes
// (relearn, accept, import, a new version) or it learns again; the next
// insertion gives a new one, never used before in this run, so every older
// key of the cgroup is unreachable at once (and ages out of the LRU).
//
// Not thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_VERDICT_CACHE_H_
#define DRIFTWATCH_COLLECTOR_VERDICT_CACHE_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "collector/event.h"
#include "collector/status.h"

namespace dw::collector {

// Calls the kernel answered from the cache, per cgroup, by EventKind value
// (KernelCounters::filtered of collector/event_source.h).
using FilteredCalls = std::array<uint64_t, 16>;

// Successive readings of the kernel's cumulative per-cgroup counters, turned
// into what each cgroup's count grew by since the previous reading. A count
// that went back (its LRU entry was evicted and made again) counts from 0.
class FilteredDeltas {
 public:
  // The growth since the previous Take(); cgroups that did not grow are left out.
  std::map<CgroupId, FilteredCalls> Take(const std::map<CgroupId, FilteredCalls>& now);

 private:
  std::map<CgroupId, FilteredCalls> last_;
};

// struct dw_verdict_key, field for field (collector/bpf_source.cc converts).
struct VerdictKey {
  uint64_t cgroup = 0;
  uint32_t epoch = 0;
  uint16_t kind = 0;    // EventKind value: kOpen, kConnect or kAccept
  uint16_t access = 0;  // kOpen: AccessBits; sockets: the protocol
  FileId file;          // kOpen
  uint16_t family = 0;  // sockets
  uint16_t port = 0;    // kConnect: the peer's port; kAccept: the local port
  std::array<uint8_t, 16> addr{};  // sockets: the peer's address
  bool operator==(const VerdictKey&) const = default;
  auto operator<=>(const VerdictKey&) const = default;
};

// The key of `e` under `epoch`, or nullopt when an event like `e` must always
// reach user space (see the rule above).
std::optional<VerdictKey> VerdictKeyOf(const Event& e, uint32_t epoch);

// Where keys and epochs go: the kernel's maps (BpfEventSource), or a fake.
class VerdictMaps {
 public:
  virtual ~VerdictMaps() = default;
  virtual Status SetVerdictEpoch(CgroupId cgroup, uint32_t epoch) = 0;
  virtual Status ClearVerdictEpoch(CgroupId cgroup) = 0;
  virtual Status InsertVerdict(const VerdictKey& key) = 0;
};

class VerdictCache {
 public:
  struct Stats {
    uint64_t inserted = 0;  // keys inserted
    uint64_t forgotten = 0;  // cgroup epochs taken away
    bool operator==(const Stats&) const = default;
  };
  // `maps` must outlive the cache.
  explicit VerdictCache(VerdictMaps* maps) : maps_(maps) {}

  // `e` (decoded, its workload resolved) scored known: inserts its key, when
  // it has one, under its cgroup's epoch (given one first if it has none).
  Status Remember(const Event& e);
  // `workload`'s baseline changed, or it learns again: its cgroups lose
  // their epochs, so nothing is answered for them until the next Remember().
  Status Forget(const std::string& workload);
  // Every workload (the cache is turned off, or the agent's mode changed).
  Status ForgetAll();
  // Any event: when its cgroup has an epoch given for another workload (the
  // cgroup was renamed to a new workload, e.g. a new version), that epoch
  // is taken away. Cheap: one lookup.
  Status Claim(const Event& e);

  // The epoch `cgroup` is given now, or 0.
  uint32_t EpochOf(CgroupId cgroup) const;
  const Stats& stats() const { return stats_; }

 private:
  VerdictMaps* maps_;
  uint32_t next_epoch_ = 1;  // 0 means none; 2^32 epochs before a reuse
  struct Owner {
    uint32_t epoch = 0;
    std::string workload;
  };
  std::unordered_map<uint64_t, Owner> epochs_;            // cgroup id -> its epoch
  std::map<std::string, std::set<uint64_t>> cgroups_of_;  // workload -> cgroups with an epoch
  Stats stats_;
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_VERDICT_CACHE_H_
