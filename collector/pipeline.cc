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
  RETURN_IF_ERROR(Process(record, &e));
  return e;
}

Status Pipeline::Process(std::span<const uint8_t> record, Event* out) {
  ++stats_.records;
  // DecodeInto empties the process context's vectors, freeing their strings;
  // the process table overwrites them whole, so they are kept aside and
  // handed back, and their strings' memory is reused event after event.
  std::swap(kept_argv_, out->process.argv);
  std::swap(kept_ancestry_, out->process.ancestry);
  Status decoded = DecodeInto(record, boot_to_unix_ns_, wire_version_, out);
  std::swap(kept_argv_, out->process.argv);
  std::swap(kept_ancestry_, out->process.ancestry);
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
  processes_.Apply(&e);
  if (it != names_.end()) e.process.runtime = it->second.runtime;
  return Status::Ok();
}

}  // namespace dw::collector
