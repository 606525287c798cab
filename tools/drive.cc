// tools/drive.cc: EventSource -> Decode -> WorkloadResolver -> sink, for every command.
#include "tools/drive.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include "collector/runtime_context.h"

namespace dw::tools {

Status Drive(collector::EventSource& source, const EventSink& sink, const std::atomic<bool>& stop,
             collector::PipelineStats* total, const ProcessObserver& on_lookup) {
  // The runtimes' state on disk describes this host's containers only; a
  // replayed trace gets the node it was recorded on.
  std::optional<collector::RuntimeContextReader> context;
  if (source.live()) {
    context.emplace();
  } else if (!source.node().empty()) {
    context.emplace(collector::RuntimeContextOptions{.root = "/", .node = source.node(), .runtimes = false});
  }
  collector::Pipeline pipeline(
      &source.cgroups(), source.boot_to_unix_ns(), source.initial_processes(),
      [&](uint32_t pid) {
        auto p = source.LookupProcess(pid);
        if (p && on_lookup) on_lookup(*p);
        return p;
      },
      /*namer=*/nullptr, context ? &*context : nullptr);
  pipeline.set_wire_version(source.wire_version());
  auto start = std::chrono::steady_clock::now();
  auto next_report = start + std::chrono::seconds(5);
  Event event;  // one for the whole run: decoding reuses its memory
  Status s = source.Run(
      [&](std::span<const uint8_t> record) {
        if (pipeline.Process(record, &event).ok()) sink(event, record);
        if ((pipeline.stats().records & 0xffff) == 0 &&
            std::chrono::steady_clock::now() >= next_report) {
          double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          spdlog::info("{} events so far ({:.0f}/s)", pipeline.stats().events,
                       static_cast<double>(pipeline.stats().events) / secs);
          next_report += std::chrono::seconds(5);
        }
      },
      stop);
  const auto& st = pipeline.stats();
  total->records += st.records;
  total->events += st.events;
  total->corrupt += st.corrupt;
  total->unknown_cgroups += st.unknown_cgroups;
  if (st.corrupt > 0) spdlog::warn("{} records did not decode and were skipped", st.corrupt);
  return s;
}

}  // namespace dw::tools
