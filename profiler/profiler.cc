// profiler/profiler.cc: training, one event at a time.
#include "profiler/profiler.h"

#include <algorithm>
#include <utility>

#include "collector/syscall_names.h"
#include "model/generalize.h"
#include "model/items.h"

namespace dw::profiler {
namespace {

// The ABI syscall names are learned in: this host's (collector/syscall_names.h).
const std::string& HostSyscallArch() {
  static const std::string arch = collector::SyscallArch();
  return arch;
}

void Widen(int64_t t, int64_t* first, int64_t* last) {
  if (*first == 0 || t < *first) *first = t;
  *last = std::max(*last, t);
}

}  // namespace

Profiler::Profiler(std::map<std::string, model::Fingerprint> initial,
                   model::GeneralizeOptions options)
    : fingerprints_(std::move(initial)), options_(std::move(options)) {}

void Profiler::Touch(const std::string& workload, model::Fingerprint* fp) {
  if (fp->node.empty()) fp->node = node_;
  if (syscall_watch_ && watch_applied_.insert(workload).second) {
    const bool fresh = fp->training.events == 0;
    fp->syscall_watch = fresh ? *syscall_watch_ : std::min(model::EffectiveSyscallWatch(*fp), *syscall_watch_);
  }
  if (touched_.insert(workload).second) {
    ++fp->training.sessions;
    fp->training.dropped_events += session_dropped_;
  }
  dirty_.insert(workload);
}

void Profiler::Generalize(model::Fingerprint* fp) {
  if (!model::Generalize(fp, options_).changed()) return;
  for (auto& [pid, counted] : instances_) counted.clear();
}

void Profiler::Bound(const std::string& workload, model::Fingerprint* fp) {
  size_t quarter = options_.item_budget / 4;
  if (fp->ItemCount() <= options_.item_budget + quarter) return;
  size_t& bound = bound_at_[workload];
  if (fp->ItemCount() <= bound) return;
  Generalize(fp);
  bound = std::max(options_.item_budget, fp->ItemCount()) + quarter;
}

void Profiler::Observe(const Event& e) {
  // Rates count every event of a workload, as the detector's do; complete
  // buckets fold into the workload's rate baseline (partial ones never do).
  for (const model::RateSample& sample : rates_.Observe(e)) {
    auto fp = fingerprints_.find(sample.workload);
    if (fp != fingerprints_.end() && model::Learn(&fp->second.rates, sample)) {
      dirty_.insert(sample.workload);
    }
  }
  if (e.workload.empty()) return;
  if (model::IsRuntimeHelper(e)) {
    // Not the workload's behaviour, but its process lifecycle still matters.
    if (e.kind == EventKind::kExec || e.kind == EventKind::kExit) instances_.erase(e.pid);
    return;
  }
  auto [it, inserted] = fingerprints_.try_emplace(e.workload);
  model::Fingerprint& fp = it->second;
  if (inserted) fp.workload = e.workload;
  Touch(it->first, &fp);
  ++fp.training.events;
  Widen(e.time_ns, &fp.training.first_event_ns, &fp.training.last_event_ns);

  // A new process image (exec) or a new process (fork) is a new instance.
  if (e.kind == EventKind::kExec) instances_[e.pid].clear();
  if (e.kind == EventKind::kFork) instances_[e.child_pid].clear();

  for (const model::ItemRef& item : model::ItemsOf(e)) {
    model::ItemStats& stats = model::FindOrAddItem(&fp, item);
    ++stats.count;
    Widen(e.time_ns, &stats.first_seen_ns, &stats.last_seen_ns);
    stats.access |= item.access;
    if (instances_[e.pid].insert(&stats).second) ++stats.processes;
  }

  if (e.kind == EventKind::kSyscall && !e.syscall.empty() && fp.syscall_arch.empty()) {
    fp.syscall_arch = HostSyscallArch();
  }

  if (e.kind == EventKind::kExit) instances_.erase(e.pid);
  Bound(it->first, &fp);
}

void Profiler::AddDropped(uint64_t n) {
  if (n == 0) return;
  session_dropped_ += n;
  for (const std::string& workload : touched_) {
    fingerprints_.at(workload).training.dropped_events += n;
    dirty_.insert(workload);
  }
}

bool Profiler::Adopt(model::Fingerprint fp) {
  std::string workload = fp.workload;
  return fingerprints_.try_emplace(std::move(workload), std::move(fp)).second;
}

void Profiler::BeginSession() {
  touched_.clear();
  watch_applied_.clear();
  session_dropped_ = 0;
}

std::vector<model::Fingerprint> Profiler::TakeDirty() {
  std::vector<model::Fingerprint> out;
  out.reserve(dirty_.size());
  for (const std::string& workload : dirty_) {
    model::Fingerprint& fp = fingerprints_.at(workload);
    Generalize(&fp);
    out.push_back(fp);
  }
  dirty_.clear();
  return out;
}

}  // namespace dw::profiler
