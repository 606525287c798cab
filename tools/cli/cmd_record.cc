// tools/cli/cmd_record.cc: driftwatch record (its usage below).
#include "tools/cli/command.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <spdlog/spdlog.h>

#include "bpf/events.h"
#include "collector/cgroup.h"
#include "collector/process_table.h"
#include "collector/trace_file.h"
#include "tools/drive.h"

namespace dw::tools {
namespace {

Status CheckRecord(const Args& args) {
  RETURN_IF_ERROR(args.Required("--out").status());
  return args.Seconds("--duration").status();
}

// driftwatch record --out TRACE [--cgroup CGPATH]... [--duration SECONDS]
Status CmdRecord(const Args& args) {
  ASSIGN_OR_RETURN(std::string out, args.Required("--out"));
  RETURN_IF_ERROR(args.Seconds("--duration").status());
  ASSIGN_OR_RETURN(auto source, OpenLive(args));
  collector::TraceHeader header;
  header.wire_version = DW_WIRE_VERSION;
  header.created_ns = collector::NowNs();
  struct utsname uts;
  if (uname(&uts) == 0) {
    header.hostname = uts.nodename;
    header.kernel = uts.release;
  }
  header.boot_to_unix_ns = source->boot_to_unix_ns();
  header.processes = source->initial_processes();
  // Scoped to cgroups: their processes and their ancestors (lineage) only; the
  // rest of the host's processes and command lines stay out of the trace.
  if (const std::vector<std::string> watched = args.All("--cgroup"); !watched.empty()) {
    header.processes = collector::ScopeSnapshot(header.processes, [&](const collector::ProcessSnapshot& p) {
      Result<std::string> path = source->cgroups().PathOf(CgroupId{p.cgroup_id});
      return path.has_value() && std::any_of(watched.begin(), watched.end(), [&](const std::string& w) {
               return collector::InCgroupSubtree(*path, w);
             });
    });
  }
  // Written under a temporary name and renamed when complete, so an
  // interrupted recording never leaves a truncated trace under the real name.
  uint64_t written = 0;
  RETURN_IF_ERROR(WriteAtomically(out, [&](const std::string& tmp) -> Status {
    ASSIGN_OR_RETURN(auto writer, collector::TraceWriter::Create(tmp, header));
    RETURN_IF_ERROR(AnnounceReady(args, *source));
    std::set<uint64_t> named;
    Status write_status;
    collector::PipelineStats stats;
    Status run = Drive(
        *source,
        [&](const Event& e, std::span<const uint8_t> raw) {
          if (named.insert(e.cgroup.value).second && e.workload.rfind("cgroup-id:", 0) != 0) {
            writer->AddCgroup(e.cgroup.value, e.cgroup_path);
          }
          writer->SetDropped(source->dropped());
          write_status = writer->Append(raw);
          return write_status;
        },
        g_stop, &stats, [&](const collector::ProcessSnapshot& p) { writer->AddProcess(p); });
    writer->SetDropped(source->dropped());
    Status closed = writer->Close();
    RETURN_IF_ERROR(write_status);
    RETURN_IF_ERROR(closed);
    RETURN_IF_ERROR(run);
    written = writer->records_written();
    return Status::Ok();
  }));
  spdlog::info("recorded {} events to {} ({} dropped by the kernel)", written, out, source->dropped());
  return Status::Ok();
}

}  // namespace

Command RecordCommand() {
  return Command{"record",
                 "--out TRACE [--cgroup CGPATH...] [--duration SECONDS] [--syscalls]",
                 CheckRecord,
                 CmdRecord,
                 {{"--out", "--duration"}, {"--syscalls"}, {"--cgroup"}}};
}

}  // namespace dw::tools
