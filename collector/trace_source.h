// collector/trace_source.h: replays a trace file (collector/trace_file.h) as an EventSource.
#ifndef DRIFTWATCH_COLLECTOR_TRACE_SOURCE_H_
#define DRIFTWATCH_COLLECTOR_TRACE_SOURCE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collector/event_source.h"
#include "collector/trace_file.h"

namespace dw::collector {

class TraceEventSource : public EventSource {
 public:
  // Opens `path`; errors as TraceReader::Open.
  static Result<std::unique_ptr<TraceEventSource>> Open(const std::string& path);

  // Delivers every record of the trace; a damaged frame ends the run with
  // kCorrupt after the records before it were delivered.
  Status Run(const RecordHandler& handler, const std::atomic<bool>& stop) override;
  // Delivers the trace's next chunk; 0 once every record was delivered.
  Result<int> Consume(const RecordHandler& handler) override;
  int64_t boot_to_unix_ns() const override { return reader_->header().boot_to_unix_ns; }
  CgroupResolver& cgroups() override { return resolver_; }
  const std::vector<ProcessSnapshot>& initial_processes() const override {
    return reader_->header().processes;
  }
  uint64_t dropped() const override { return dropped_; }
  uint32_t wire_version() const override { return reader_->header().wire_version; }
  // Processes the recorder looked up in /proc, as they were then.
  std::optional<ProcessSnapshot> LookupProcess(uint32_t pid) override;
  const std::vector<PackagePrograms>& recorded_packages() const override { return packages_; }
  const TraceHeader& header() const { return reader_->header(); }
  std::string node() const override { return reader_->header().hostname; }
  std::optional<SyscallWatch> syscall_watch() const override { return reader_->header().syscall_watch; }

 private:
  explicit TraceEventSource(std::unique_ptr<TraceReader> reader) : reader_(std::move(reader)) {}
  // The next chunk's records to `handler`; false at the end of the trace.
  Result<bool> NextChunk(const RecordHandler& handler);

  std::unique_ptr<TraceReader> reader_;
  MapCgroupResolver resolver_;
  std::map<uint32_t, ProcessSnapshot> processes_;
  std::vector<PackagePrograms> packages_;  // of every chunk read so far
  TraceChunk chunk_;  // the chunk being delivered
  std::vector<std::string_view> records_;  // its records, in the reader's buffer
  uint64_t dropped_ = 0;
  int last_chunk_records_ = 0;  // records of the chunk NextChunk() read last
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_TRACE_SOURCE_H_
