// tools/cli/cmd_record.cc: driftwatch record (its usage below).
#include "tools/cli/command.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <spdlog/spdlog.h>

#include "bpf/events.h"
#include "collector/cgroup.h"
#include "collector/process_table.h"
#include "collector/trace_file.h"
#include "tools/drive.h"
#include "tools/packages.h"

namespace dw::tools {
namespace {

// Writes the package of each program the trace runs (collector/trace_file.h
// PackagePrograms) before the record that runs it, each source package once,
// from the filesystem the process saw (tools/packages.h): a replay of the
// trace, anywhere, then knows what the live detector would have known.
class PackageRecorder {
 public:
  explicit PackageRecorder(collector::TraceWriter* writer) : writer_(writer) {}

  void Program(const Event& e, const std::string& exe) {
    if (exe.empty() || !programs_.insert(exe).second) return;
    std::optional<collector::PackagePrograms> p = oracle_.ProgramsOf(e, exe);
    if (p && sources_.insert(p->source).second) writer_->AddPackage(std::move(*p));
  }
  void Process(const collector::ProcessSnapshot& p) {
    Event e;
    e.pid = p.pid;
    e.ppid = p.ppid;
    Program(e, p.exe);
  }

 private:
  collector::TraceWriter* writer_;
  PackageOracle oracle_{std::string(PackageOracle::kLive)};
  std::set<std::string> programs_;  // asked already
  std::set<std::string> sources_;   // written already
};

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
  header.syscall_watch = source->syscall_watch();
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
    PackageRecorder packages(writer.get());
    for (const collector::ProcessSnapshot& p : header.processes) packages.Process(p);
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
          if (e.kind == EventKind::kExec) packages.Program(e, e.path);
          writer->SetDropped(source->dropped());
          write_status = writer->Append(raw);
          return write_status;
        },
        g_stop, &stats, [&](const collector::ProcessSnapshot& p) {
          writer->AddProcess(p);
          packages.Process(p);
        });
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
