// collector/trace_source.cc: replay of recorded traces through the live decoding path.
#include "collector/trace_source.h"

namespace dw::collector {

Result<std::unique_ptr<TraceEventSource>> TraceEventSource::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<TraceReader> reader, TraceReader::Open(path));
  return std::unique_ptr<TraceEventSource>(new TraceEventSource(std::move(reader)));
}

Result<bool> TraceEventSource::NextChunk(const RecordHandler& handler) {
  TraceChunk& chunk = chunk_;  // its memory is reused chunk after chunk
  ASSIGN_OR_RETURN(bool more, reader_->Next(&chunk, &records_));
  if (!more) return false;
  for (auto& [id, path] : chunk.cgroups) resolver_.Add(id, path);
  for (const auto& p : chunk.processes) processes_[p.pid] = p;
  for (auto& p : chunk.packages) packages_.push_back(std::move(p));
  for (std::string_view r : records_) {
    handler(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(r.data()), r.size()));
  }
  dropped_ = chunk.dropped_total;
  last_chunk_records_ = static_cast<int>(records_.size());
  return true;
}

Status TraceEventSource::Run(const RecordHandler& handler, const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    ASSIGN_OR_RETURN(bool more, NextChunk(handler));
    if (!more) break;
  }
  return Status::Ok();
}

Result<int> TraceEventSource::Consume(const RecordHandler& handler) {
  // A chunk may hold only cgroups or processes: read on to one with records.
  for (;;) {
    ASSIGN_OR_RETURN(bool more, NextChunk(handler));
    if (!more) return 0;
    if (last_chunk_records_ > 0) return last_chunk_records_;
  }
}

std::optional<ProcessSnapshot> TraceEventSource::LookupProcess(uint32_t pid) {
  auto it = processes_.find(pid);
  if (it == processes_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dw::collector
