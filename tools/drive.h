// tools/drive.h: the data flow every command shares, in one function.
#ifndef DRIFTWATCH_TOOLS_DRIVE_H_
#define DRIFTWATCH_TOOLS_DRIVE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>

#include "collector/event.h"
#include "collector/event_source.h"
#include "collector/pipeline.h"
#include "collector/status.h"

namespace dw::tools {

// Receives each decoded event and the raw record it came from.
using EventSink = std::function<void(const Event& e, std::span<const uint8_t> raw)>;
using ProcessObserver = std::function<void(const collector::ProcessSnapshot&)>;

// EventSource -> Decode -> WorkloadResolver -> process and runtime context
// (collector/runtime_context.h: live sources from the runtimes' state, traces
// only their recorded node) -> sink, until
// the source ends or `stop` is set. Records that do not decode are skipped and
// counted; their number is logged. Shows progress on stderr every few seconds
// for long runs. Adds this run's counts to `*total`. `on_lookup` sees every
// process the source had to look up (record keeps them in the trace).
Status Drive(collector::EventSource& source, const EventSink& sink, const std::atomic<bool>& stop,
             collector::PipelineStats* total, const ProcessObserver& on_lookup = nullptr);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_DRIVE_H_
