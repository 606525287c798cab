// tools/drive.cc: the one wiring of EventSource -> Decode -> namer -> context -> sink.
#include "tools/drive.h"

#include <spdlog/spdlog.h>
#include <sys/utsname.h>

#include <chrono>

namespace dw::tools {
namespace {

std::string ThisHost() {
  struct utsname u;
  return uname(&u) == 0 ? std::string(u.nodename) : std::string();
}

collector::IdentityOptions IdentityFor(const collector::EventSource& source, collector::IdentityOptions identity) {
  // This host's files describe this host's containers: a live source's, or
  // a trace's recorded here (a record now, a train later).
  identity.metadata = identity.metadata && (source.live() || source.node() == ThisHost());
  return identity;
}

}  // namespace

SourcePipeline::SourcePipeline(collector::EventSource& source, const PipelineOptions& options,
                               ProcessObserver on_lookup)
    : namer_(IdentityFor(source, options.identity)) {
  // The runtimes' state on disk describes this host's containers only; a
  // replayed trace gets the node it was recorded on.
  if (source.live()) {
    context_.emplace();
  } else if (!source.node().empty()) {
    context_.emplace(collector::RuntimeContextOptions{.root = "/", .node = source.node(), .runtimes = false});
  }
  pipeline_ = std::make_unique<collector::Pipeline>(
      &source.cgroups(), source.boot_to_unix_ns(), source.initial_processes(),
      [&source, on_lookup = std::move(on_lookup)](uint32_t pid) {
        auto p = source.LookupProcess(pid);
        if (p && on_lookup) on_lookup(*p);
        return p;
      },
      &namer_, context_ ? &*context_ : nullptr);
  pipeline_->set_wire_version(source.wire_version());
}

std::unique_ptr<SourcePipeline> BuildPipeline(collector::EventSource& source, const PipelineOptions& options,
                                              ProcessObserver on_lookup) {
  return std::make_unique<SourcePipeline>(source, options, std::move(on_lookup));
}

Status Drive(collector::EventSource& source, const EventSink& sink, std::atomic<bool>& stop,
             collector::PipelineStats* total, const ProcessObserver& on_lookup, const PipelineOptions& options) {
  std::unique_ptr<SourcePipeline> pipeline = BuildPipeline(source, options, on_lookup);
  auto start = std::chrono::steady_clock::now();
  auto next_report = start + std::chrono::seconds(5);
  Event event;  // one for the whole run: decoding reuses its memory
  Status sink_status;
  Status s = source.Run(
      [&](std::span<const uint8_t> record) {
        if (!sink_status.ok()) return;
        if (pipeline->Process(record, &event).ok()) {
          sink_status = sink(event, record);
          if (!sink_status.ok()) stop.store(true);  // ends a live run too
        }
        if ((pipeline->stats().records & 0xffff) == 0 &&
            std::chrono::steady_clock::now() >= next_report) {
          double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          spdlog::info("{} events so far ({:.0f}/s)", pipeline->stats().events,
                       static_cast<double>(pipeline->stats().events) / secs);
          next_report += std::chrono::seconds(5);
        }
      },
      stop);
  const auto& st = pipeline->stats();
  total->records += st.records;
  total->events += st.events;
  total->corrupt += st.corrupt;
  total->unknown_cgroups += st.unknown_cgroups;
  if (st.corrupt > 0) spdlog::warn("{} records did not decode and were skipped", st.corrupt);
  RETURN_IF_ERROR(sink_status);
  return s;
}

}  // namespace dw::tools
