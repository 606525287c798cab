// collector/pipeline.cc: enrichment of decoded events.
#include "collector/pipeline.h"

#include "collector/decode.h"
#include "collector/workload.h"

namespace dw::collector {

Pipeline::Pipeline(CgroupResolver* cgroups, int64_t boot_to_unix_ns,
                   const std::vector<ProcessSnapshot>& initial_processes,
                   ProcessTable::Lookup lookup, WorkloadNamer* namer)
    : cgroups_(cgroups), namer_(namer), boot_to_unix_ns_(boot_to_unix_ns) {
  for (const ProcessSnapshot& p : initial_processes) processes_.Seed(p);
  processes_.SetLookup(std::move(lookup));
}

Result<Event> Pipeline::Process(std::span<const uint8_t> record) {
  ++stats_.records;
  Result<Event> decoded = Decode(record, boot_to_unix_ns_, wire_version_);
  if (!decoded) {
    ++stats_.corrupt;
    return decoded.error();
  }
  Event e = std::move(decoded).value();
  ++stats_.events;

  auto it = names_.find(e.cgroup.value);
  if (it == names_.end()) {
    Result<std::string> path = cgroups_->PathOf(e.cgroup);
    if (path) {
      std::string workload = namer_ ? namer_->Name(*path) : WorkloadFromCgroupPath(*path);
      it = names_.emplace(e.cgroup.value, std::make_pair(*path, std::move(workload))).first;
    }
  }
  if (it != names_.end()) {
    e.cgroup_path = it->second.first;
    e.workload = it->second.second;
  } else {
    ++stats_.unknown_cgroups;
    e.workload = "cgroup-id:" + std::to_string(e.cgroup.value);
  }
  processes_.Apply(&e);
  return e;
}

}  // namespace dw::collector
