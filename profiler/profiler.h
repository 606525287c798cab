// profiler/profiler.h: learns fingerprints from a stream of enriched events
// (training mode), extending any fingerprints it starts from.
#ifndef DRIFTWATCH_PROFILER_PROFILER_H_
#define DRIFTWATCH_PROFILER_PROFILER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"
#include "model/generalize.h"
#include "model/rates.h"

namespace dw::profiler {

// Folds events into per-workload fingerprints through model::ItemsOf(), the
// same mapping the scorer uses. Events of container runtime helpers
// (model::IsRuntimeHelper: runc init, shims) are not the workload's
// behaviour: they are not counted and add no items.
//
// Generalization (model/generalize.h) runs on every fingerprint TakeDirty()
// hands out, before it is copied, so what is stored is generalized. Between
// checkpoints, a fingerprint that grows past 1.25 x item_budget is
// generalized at once; if that cannot bring it down (nothing left that may
// be generalized), the next attempt waits until it grew by another quarter of
// the budget. Learning never stops: items that match a pattern update it.
//
// Sessions: a Profiler starts in a session; BeginSession() starts the next
// one. The first event of a workload in a session increments that
// fingerprint's training.sessions. Drops (AddDropped) are host-wide, so every
// fingerprint touched in a session is charged all of that session's drops,
// including drops reported before its first event.
//
// ItemStats::processes counts distinct process instances per item, exactly
// while the profiler sees them: an instance starts at exec or fork of its pid
// and ends at its exit; the profiler remembers, per live instance, which items
// it already counted. A pid first seen mid-life is one instance until it
// execs or exits. Across sessions, a process alive in both counts again, and
// so does one alive across a generalization that changed the fingerprint
// (items it counted may have been folded into a pattern).
//
// Not thread-safe.
class Profiler {
 public:
  explicit Profiler(std::map<std::string, model::Fingerprint> initial = {},
                    model::GeneralizeOptions options = {});

  // Folds `e` into the fingerprint of e.workload, created on first use.
  // Events with an empty workload, and runtime helper events, are ignored.
  // Every other event counts in training.events and first/last_event_ns; its
  // items (or the patterns covering them) update count, first/last_seen_ns,
  // access (union) and processes. A kSyscall event (a cgroup's first use of
  // a syscall) learns its name into syscalls, and sets syscall_arch to this
  // host's ABI (collector::SyscallArch) when it was "".
  void Observe(const Event& e);

  // Starts extending `fp` (learning more into it) unless fp.workload is
  // already being learned, in which case nothing changes. Returns whether it
  // was adopted. For a baseline that was scored until now and is to learn
  // again: without it, its next event would start an empty fingerprint that
  // replaces the baseline at the next checkpoint.
  bool Adopt(model::Fingerprint fp);

  // Adds `n` ring-buffer drops to the current session (see above).
  void AddDropped(uint64_t n);

  // The host the following events come from (a trace header's hostname,
  // uname's nodename when live): fingerprints this profiler creates, and
  // touched ones whose node is still "", take it. Default "".
  void SetNode(std::string node) { node_ = std::move(node); }

  // Which syscalls the following events report (EventSource::syscall_watch).
  // A fingerprint this profiler creates takes it as its syscall_watch; one
  // learned before (adopted, or from an earlier session) keeps the least of
  // its own (model::EffectiveSyscallWatch) and this, on its first event after
  // each call or BeginSession: a syscall set can tell only what every source
  // it learned from watched.
  // nullopt (a trace from before the field; the default) changes nothing:
  // the fingerprint keeps kAll, read as kNone while no syscall is learned.
  void SetSyscallWatch(std::optional<model::SyscallWatch> watch) {
    syscall_watch_ = watch;
    watch_applied_.clear();
  }

  // Ends the current session and begins the next.
  void BeginSession();

  const std::map<std::string, model::Fingerprint>& fingerprints() const { return fingerprints_; }

  // Generalizes the fingerprints changed since the previous call and returns
  // copies of them, by workload.
  std::vector<model::Fingerprint> TakeDirty();

 private:
  // Marks the fingerprint of `workload`, `fp`, touched in this session and dirty.
  void Touch(const std::string& workload, model::Fingerprint* fp);
  // Generalizes `fp`; forgets which items live instances counted if that
  // changed anything (their stats may be gone).
  void Generalize(model::Fingerprint* fp);
  // Generalizes `fp` of `workload` now if it outgrew its budget (see above).
  void Bound(const std::string& workload, model::Fingerprint* fp);

  std::map<std::string, model::Fingerprint> fingerprints_;
  model::GeneralizeOptions options_;
  model::RateBucketer rates_;
  // Per workload: the ItemCount() above which Bound() generalizes again.
  std::map<std::string, size_t> bound_at_;
  std::set<std::string> dirty_;
  std::set<std::string> touched_;  // workloads seen in the current session
  uint64_t session_dropped_ = 0;
  std::string node_;  // SetNode()
  std::optional<model::SyscallWatch> syscall_watch_;  // SetSyscallWatch()
  std::set<std::string> watch_applied_;  // workloads it was applied to since
  // Live process instances by pid: the items each has counted already.
  // ItemStats addresses are stable (std::map nodes) until Generalize() erases
  // items; then every set is cleared.
  std::unordered_map<uint32_t, std::unordered_set<const model::ItemStats*>> instances_;
};

}  // namespace dw::profiler

#endif  // DRIFTWATCH_PROFILER_PROFILER_H_
