// tools/drive.h: the data flow every entry point shares, built in one place.
//
// BuildPipeline() wires an EventSource to Decode, the one workload namer
// (collector/identity.h HostWorkloadNamer) and the process and runtime
// context; every command, the agent, eval and the tests call it, so they all
// name a workload the same way. Drive() runs a source through it to a sink.
#ifndef DRIFTWATCH_TOOLS_DRIVE_H_
#define DRIFTWATCH_TOOLS_DRIVE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "collector/event.h"
#include "collector/event_source.h"
#include "collector/identity.h"
#include "collector/pipeline.h"
#include "collector/runtime_context.h"
#include "collector/status.h"

namespace dw::tools {

// Receives each decoded event and the raw record it came from. An error
// ends the run (Drive returns it).
using EventSink = std::function<Status(const Event& e, std::span<const uint8_t> raw)>;
using ProcessObserver = std::function<void(const collector::ProcessSnapshot&)>;

struct PipelineOptions {
  // The namer's rules and the root under which the kubelet's and runtimes'
  // files are read. Whether they are read follows the source: a live source
  // and a trace recorded on this host (same node name) read them; a trace
  // from another host is named by the rules and its cgroup paths alone.
  collector::IdentityOptions identity;
};

// A source's pipeline and the namer and context reader it borrows. Not
// thread-safe; must not outlive its source.
class SourcePipeline {
 public:
  SourcePipeline(collector::EventSource& source, const PipelineOptions& options,
                 ProcessObserver on_lookup);
  SourcePipeline(const SourcePipeline&) = delete;
  SourcePipeline& operator=(const SourcePipeline&) = delete;

  // Decodes `record` into an Event with its workload and process context
  // (collector::Pipeline::Process).
  Result<Event> Process(std::span<const uint8_t> record) { return pipeline_->Process(record); }
  // The same into *event, reusing its memory (collector::Pipeline::Process).
  Status Process(std::span<const uint8_t> record, Event* event) { return pipeline_->Process(record, event); }
  const collector::PipelineStats& stats() const { return pipeline_->stats(); }
  const std::string* WorkloadOf(CgroupId id) const { return pipeline_->WorkloadOf(id); }
  std::vector<CgroupId> CgroupsOf(std::string_view workload) const { return pipeline_->CgroupsOf(workload); }

 private:
  collector::HostWorkloadNamer namer_;
  std::optional<collector::RuntimeContextReader> context_;
  std::unique_ptr<collector::Pipeline> pipeline_;
};

// EventSource -> Decode -> WorkloadNamer -> process and runtime context
// (collector/runtime_context.h: live sources from the runtimes' state, traces
// only their recorded node). `on_lookup` sees every process the source had to
// look up (record keeps them in the trace).
std::unique_ptr<SourcePipeline> BuildPipeline(collector::EventSource& source, const PipelineOptions& options,
                                              ProcessObserver on_lookup = nullptr);

// Runs `source` through BuildPipeline() to `sink` until the source ends,
// `stop` is set or the sink fails (which sets `stop` and returns the sink's
// error). Records that do not decode are skipped
// and counted; their number is logged. Shows progress on stderr every few
// seconds for long runs. Adds this run's counts to `*total`.
Status Drive(collector::EventSource& source, const EventSink& sink, std::atomic<bool>& stop,
             collector::PipelineStats* total, const ProcessObserver& on_lookup = nullptr,
             const PipelineOptions& options = {});

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_DRIVE_H_
