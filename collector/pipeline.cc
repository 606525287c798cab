// collector/pipeline.cc: enrichment of decoded events.
#include "collector/pipeline.h"

#include "collector/decode.h"
#include "collector/workload.h"

namespace dw::collector {

Pipeline::Pipeline(CgroupResolver* cgroups, int64_t boot_to_unix_ns,
                   const std::vector<ProcessSnapshot>& initial_processes,
                   ProcessTable::Lookup lookup, WorkloadNamer* namer,
                   RuntimeContextReader* context)
    : cgroups_(cgroups), namer_(namer), context_(context), boot_to_unix_ns_(boot_to_unix_ns) {
  for (const ProcessSnapshot& p : initial_processes) processes_.Seed(p);
  processes_.SetLookup(std::move(lookup));
}

Result<Event> Pipeline::Process(std::span<const uint8_t> record) {
  Event e;
  RETURN_IF_ERROR(ProcessInto(record, &e, /*reused=*/false));
  return e;
}

Status Pipeline::Process(std::span<const uint8_t> record, Event* out) {
  return ProcessInto(record, out, /*reused=*/true);
}

Status Pipeline::ProcessInto(std::span<const uint8_t> record, Event* out, bool reused) {
  ++stats_.records;
  // The process context is left to the process table: overwritten whole (its
  // memory reused), or left as it is when the event is of the same process as
  // the one before (ProcessTable::ApplyToReusedEvent).
  Status decoded = DecodeInto(record, boot_to_unix_ns_, wire_version_, out, /*keep_process=*/true);
  if (!decoded.ok()) {
    ++stats_.corrupt;
    return decoded;
  }
  Event& e = *out;
  ++stats_.events;

  auto it = names_.find(e.cgroup.value);
  if (it == names_.end()) {
    Result<std::string> path = cgroups_->PathOf(e.cgroup);
    if (path) {
      Named named{*path, namer_ ? namer_->Name(*path) : WorkloadFromCgroupPath(*path), {}};
      if (context_ != nullptr) named.runtime = RuntimeContextRef(context_->Of(*path));
      it = names_.emplace(e.cgroup.value, std::move(named)).first;
    }
  }
  if (it != names_.end()) {
    e.cgroup_path.assign(it->second.path);
    e.workload.assign(it->second.workload);
  } else {
    ++stats_.unknown_cgroups;
    e.workload = "cgroup-id:" + std::to_string(e.cgroup.value);
  }
  // The caller's one Event, the same as the call before: its context is the
  // one the table filled last.
  if (reused && out == last_reused_) {
    processes_.ApplyToReusedEvent(&e);
  } else {
    processes_.Apply(&e);
  }
  last_reused_ = reused ? out : nullptr;
  if (it != names_.end()) e.process.runtime = it->second.runtime;
  return Status::Ok();
}

std::vector<CgroupId> Pipeline::CgroupsOf(std::string_view workload) const {
  std::vector<CgroupId> out;
  for (const auto& [id, named] : names_) {
    if (named.workload == workload) out.push_back(CgroupId{id});
  }
  return out;
}

}  // namespace dw::collector
