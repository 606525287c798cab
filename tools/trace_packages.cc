// tools/trace_packages.cc: see trace_packages.h.
#include "tools/trace_packages.h"

#include <atomic>
#include <set>
#include <vector>

#include "collector/packages.h"
#include "collector/trace_file.h"
#include "collector/trace_source.h"
#include "tools/drive.h"
#include "tools/write_atomically.h"

namespace dw::tools {

Result<size_t> AddRecordedPackages(const std::string& in, const std::string& out, const std::string& root) {
  // The programs: what the trace execs, its snapshot's and its lookups' processes.
  std::set<std::string> programs;
  std::set<std::string> have;  // source packages the trace carries already
  {
    ASSIGN_OR_RETURN(auto source, collector::TraceEventSource::Open(in));
    for (const collector::ProcessSnapshot& p : source->initial_processes()) programs.insert(p.exe);
    std::atomic<bool> stop{false};
    collector::PipelineStats stats;
    RETURN_IF_ERROR(Drive(
        *source,
        [&](const Event& e, std::span<const uint8_t>) {
          if (e.kind == EventKind::kExec) programs.insert(e.path.empty() ? e.process.exe : e.path);
          return Status::Ok();
        },
        stop, &stats, [&](const collector::ProcessSnapshot& p) { programs.insert(p.exe); }));
    // A package recorded without programs (its process's root went away
    // while the recorder read it, before the recorder asked again) is asked
    // again too.
    for (const collector::PackagePrograms& p : source->recorded_packages()) {
      if (!p.programs.empty()) have.insert(p.source);
    }
  }
  collector::PackageDatabase db;
  std::vector<collector::PackagePrograms> added;
  for (const std::string& program : programs) {
    std::optional<collector::PackagePrograms> p = db.ProgramsOf(root, program);
    if (p && have.insert(p->source).second) added.push_back(std::move(*p));
  }

  ASSIGN_OR_RETURN(auto reader, collector::TraceReader::Open(in));
  RETURN_IF_ERROR(WriteAtomically(out, [&](const std::string& tmp) -> Status {
    ASSIGN_OR_RETURN(auto writer, collector::TraceWriter::Create(tmp, reader->header(), collector::kMaxFramePayload,
                                                                 collector::kTraceFormatVersion,
                                                                 reader->header().wire_version));
    for (collector::PackagePrograms& p : added) writer->AddPackage(p);
    collector::TraceChunk chunk;
    for (;;) {
      ASSIGN_OR_RETURN(bool more, reader->Next(&chunk));
      if (!more) break;
      for (const auto& [id, path] : chunk.cgroups) writer->AddCgroup(id, path);
      for (const collector::ProcessSnapshot& p : chunk.processes) writer->AddProcess(p);
      for (collector::PackagePrograms& p : chunk.packages) writer->AddPackage(std::move(p));
      writer->SetDropped(chunk.dropped_total);
      for (const std::string& r : chunk.records) {
        RETURN_IF_ERROR(
            writer->Append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(r.data()), r.size())));
      }
      // The chunks as they were: a process or cgroup is known from the same record on.
      RETURN_IF_ERROR(writer->Flush());
    }
    return writer->Close();
  }));
  return added.size();
}

}  // namespace dw::tools
