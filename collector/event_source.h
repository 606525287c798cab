// collector/event_source.h: where raw records come from, live or replayed.
//
// The seam between the kernel and everything above it: a BPF ring buffer
// (collector/bpf_source.h) or a trace file (collector/trace_source.h). Both
// hand out raw records in the bpf/events.h format, so one Decode() serves both.
#ifndef DRIFTWATCH_COLLECTOR_EVENT_SOURCE_H_
#define DRIFTWATCH_COLLECTOR_EVENT_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collector/cgroup.h"
#include "collector/status.h"
#include "collector/trace_file.h"

namespace dw::collector {

using RecordHandler = std::function<void(std::span<const uint8_t> record)>;

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Calls `handler` for each record, in order, until the source is exhausted
  // (end of a trace) or `stop` becomes true (checked at least every poll
  // interval). Returns the first error that ends the run.
  virtual Status Run(const RecordHandler& handler, const std::atomic<bool>& stop) = 0;
  // Wall clock = record ts_boot_ns + this.
  virtual int64_t boot_to_unix_ns() const = 0;
  // Names the cgroup ids the records carry. Owned by the source.
  virtual CgroupResolver& cgroups() = 0;
  // Processes that existed before the first record.
  virtual const std::vector<ProcessSnapshot>& initial_processes() const = 0;
  // Records the kernel could not deliver so far (ring buffer full).
  virtual uint64_t dropped() const = 0;
  // The DW_WIRE_VERSION of the records (a trace's may be older; Decode()).
  virtual uint32_t wire_version() const = 0;
  // True when the records come from this host now (the BPF source), so the
  // container runtimes' state on disk describes them; false for a replay.
  virtual bool live() const { return false; }
  // The host the records come from when the source knows it (a trace's
  // recorded hostname); "" otherwise (live: this host).
  virtual std::string node() const { return ""; }
  // What the source can tell of a process it has no record of (live: /proc).
  virtual std::optional<ProcessSnapshot> LookupProcess(uint32_t /*pid*/) { return std::nullopt; }
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_EVENT_SOURCE_H_
