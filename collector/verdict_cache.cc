// collector/verdict_cache.cc: keys and epochs of the kernel verdict cache.
#include "collector/verdict_cache.h"

namespace dw::collector {

std::optional<VerdictKey> VerdictKeyOf(const Event& e, uint32_t epoch) {
  VerdictKey k;
  k.cgroup = e.cgroup.value;
  k.epoch = epoch;
  k.kind = static_cast<uint16_t>(e.kind);
  switch (e.kind) {
    case EventKind::kOpen:
      // Reads of a file the kernel identified; a write, create or truncate
      // (access_of() in bpf/file.bpf.c turns O_TRUNC into a write) never.
      if (e.result < 0 || e.access != kAccessRead || (e.file.ino == 0 && e.file.dev == 0)) {
        return std::nullopt;
      }
      k.access = e.access;
      k.file = e.file;
      return k;
    case EventKind::kConnect:
    case EventKind::kAccept:
      if (e.protocol != 6 || e.peer.family == 0) return std::nullopt;
      k.access = e.protocol;
      k.family = e.peer.family;
      k.port = e.kind == EventKind::kConnect ? e.peer.port : e.local.port;
      k.addr = e.peer.addr;
      return k;
    default:
      return std::nullopt;
  }
}

std::map<CgroupId, FilteredCalls> FilteredDeltas::Take(const std::map<CgroupId, FilteredCalls>& now) {
  std::map<CgroupId, FilteredCalls> out;
  for (const auto& [cgroup, calls] : now) {
    FilteredCalls& last = last_[cgroup];
    FilteredCalls grew{};
    bool any = false;
    for (size_t i = 0; i < calls.size(); ++i) {
      grew[i] = calls[i] >= last[i] ? calls[i] - last[i] : calls[i];
      any = any || grew[i] != 0;
    }
    last = calls;
    if (any) out[cgroup] = grew;
  }
  return out;
}

Status VerdictCache::Remember(const Event& e) {
  if (e.workload.empty()) return Status::Ok();
  RETURN_IF_ERROR(Claim(e));
  auto it = epochs_.find(e.cgroup.value);
  uint32_t epoch = it == epochs_.end() ? next_epoch_ : it->second.epoch;
  std::optional<VerdictKey> key = VerdictKeyOf(e, epoch);
  if (!key) return Status::Ok();
  if (it == epochs_.end()) {
    RETURN_IF_ERROR(maps_->SetVerdictEpoch(e.cgroup, epoch));
    ++next_epoch_;
    if (next_epoch_ == 0) next_epoch_ = 1;
    epochs_[e.cgroup.value] = Owner{epoch, e.workload};
    cgroups_of_[e.workload].insert(e.cgroup.value);
  }
  RETURN_IF_ERROR(maps_->InsertVerdict(*key));
  ++stats_.inserted;
  return Status::Ok();
}

Status VerdictCache::Forget(const std::string& workload) {
  auto it = cgroups_of_.find(workload);
  if (it == cgroups_of_.end()) return Status::Ok();
  Status first;
  for (uint64_t cgroup : it->second) {
    Status s = maps_->ClearVerdictEpoch(CgroupId{cgroup});
    if (!s.ok() && first.ok()) first = s;
    epochs_.erase(cgroup);
    ++stats_.forgotten;
  }
  cgroups_of_.erase(it);
  return first;
}

Status VerdictCache::ForgetAll() {
  Status first;
  while (!cgroups_of_.empty()) {
    Status s = Forget(cgroups_of_.begin()->first);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status VerdictCache::Claim(const Event& e) {
  auto it = epochs_.find(e.cgroup.value);
  if (it == epochs_.end() || it->second.workload == e.workload) return Status::Ok();
  auto owner = cgroups_of_.find(it->second.workload);
  if (owner != cgroups_of_.end()) {
    owner->second.erase(e.cgroup.value);
    if (owner->second.empty()) cgroups_of_.erase(owner);
  }
  epochs_.erase(it);
  ++stats_.forgotten;
  return maps_->ClearVerdictEpoch(e.cgroup);
}

uint32_t VerdictCache::EpochOf(CgroupId cgroup) const {
  auto it = epochs_.find(cgroup.value);
  return it == epochs_.end() ? 0 : it->second.epoch;
}

}  // namespace dw::collector
