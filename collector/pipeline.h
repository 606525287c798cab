// collector/pipeline.h: raw record -> Event with its workload and process context.
//
// Decode -> cgroup path -> workload name (a WorkloadNamer) and runtime context
// (a RuntimeContextReader) -> process table. One Pipeline per
// event source (its clock offset, its cgroup resolver, its starting
// processes). Not thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_PIPELINE_H_
#define DRIFTWATCH_COLLECTOR_PIPELINE_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/cgroup.h"
#include "collector/decode.h"
#include "collector/event.h"
#include "collector/identity.h"
#include "collector/process_table.h"
#include "collector/runtime_context.h"
#include "collector/status.h"

namespace dw::collector {

struct PipelineStats {
  uint64_t records = 0;        // records handed in
  uint64_t events = 0;         // decoded
  uint64_t corrupt = 0;        // records that did not decode
  uint64_t unknown_cgroups = 0;// events whose cgroup id could not be named
  bool operator==(const PipelineStats&) const = default;
};

class Pipeline {
 public:
  // `cgroups` and `namer` must outlive the pipeline. `namer` names each
  // cgroup path once; without one, names come from the path alone
  // (WorkloadFromCgroupPath), which suits replaying a trace on another host.
  // `context`, when given (live sources), must outlive the pipeline; each
  // event's process.runtime is then its cgroup's RuntimeContext, looked up
  // once per cgroup. Without one it stays empty.
  Pipeline(CgroupResolver* cgroups, int64_t boot_to_unix_ns,
           const std::vector<ProcessSnapshot>& initial_processes,
           ProcessTable::Lookup lookup = nullptr, WorkloadNamer* namer = nullptr,
           RuntimeContextReader* context = nullptr);

  // Decodes `record` and fills cgroup_path, workload and process. A cgroup id
  // that cannot be named gives the workload "cgroup-id:<id>". Returns
  // kCorrupt for a record that does not decode.
  Result<Event> Process(std::span<const uint8_t> record);
  // The same into `*e`, overwritten entirely and its memory reused (see
  // DecodeInto): a caller that keeps one Event decodes without allocating.
  // Such a caller must not change e->process between calls: an event of the
  // same process as the one before keeps the context it holds
  // (ProcessTable::ApplyToReusedEvent).
  Status Process(std::span<const uint8_t> record, Event* e);

  const PipelineStats& stats() const { return stats_; }
  // The workload of a cgroup id an event already carried, or nullptr.
  const std::string* WorkloadOf(CgroupId id) const {
    auto it = names_.find(id.value);
    return it == names_.end() ? nullptr : &it->second.workload;
  }
  // The cgroup ids whose events carried `workload`, in id order.
  std::vector<CgroupId> CgroupsOf(std::string_view workload) const;
  // The DW_WIRE_VERSION the records are in (EventSource::wire_version());
  // the current one unless set.
  void set_wire_version(uint32_t v) { wire_version_ = v; }

 private:
  Status ProcessInto(std::span<const uint8_t> record, Event* e, bool reused);

  CgroupResolver* cgroups_;
  struct Named {
    std::string path;
    std::string workload;
    RuntimeContextRef runtime;
  };
  WorkloadNamer* namer_;           // may be null
  RuntimeContextReader* context_;  // may be null
  int64_t boot_to_unix_ns_;
  uint32_t wire_version_ = kWireVersion;
  ProcessTable processes_;
  std::map<uint64_t, Named> names_;  // cgroup id -> its names
  PipelineStats stats_;
  const Event* last_reused_ = nullptr;  // the Event the last call filled, if Process(record, e)
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_PIPELINE_H_
