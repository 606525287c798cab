// tools/cli/cmd_check.cc: driftwatch check (its usage below).
#include "tools/cli/command.h"

#include <spdlog/spdlog.h>

#include "tools/drive.h"
#include "tools/policy/check.h"

namespace dw::tools {
namespace {

Status CheckCheck(const Args& args) {
  RETURN_IF_ERROR(CheckExport(args));
  if (args.All("--trace").empty()) return Status(ErrorCode::kInvalidArgument, "missing --trace TRACE");
  auto output = args.Get("--output").value_or("text");
  if (output != "text" && output != "jsonl") {
    return Status(ErrorCode::kInvalidArgument, "--output must be text or jsonl, not '" + output + "'");
  }
  return Status::Ok();
}

// driftwatch check --db DB --workload NAME --format FORMAT --trace TRACE... [--output text|jsonl]
// Replays the traces against the policy parsed back from the export; exit 3
// when it would have blocked something.
Status CmdCheck(const Args& args) {
  const bool jsonl = args.Get("--output").value_or("text") == "jsonl";
  ASSIGN_OR_RETURN(Exported e, BuildExport(args));
  ASSIGN_OR_RETURN(auto check, PolicyCheck::Parse(e.format, e.document, e.source.workload));
  ASSIGN_OR_RETURN(auto sources, OpenSources(args));
  collector::PipelineStats stats;
  for (auto& source : sources) {
    RETURN_IF_ERROR(Drive(
        *source,
        [&](const Event& ev, std::span<const uint8_t>) {
          if (ev.workload == e.source.workload) check->Observe(ev);
          return Status::Ok();
        },
        g_stop, &stats));
  }
  if (check->events() == 0) {
    spdlog::warn("the traces hold no events of workload {}", e.source.workload);
  }
  if (e.format == ExportFormat::kSeccomp && check->syscall_events() == 0) {
    spdlog::warn(
        "the traces record no syscalls (record them with --syscalls): the seccomp profile judges nothing in "
        "them");
  }
  const auto blocked = check->blocked();
  for (const Blocked& b : blocked) {
    WriteLine(jsonl ? BlockedJson(b) : BlockedText(b));
  }
  spdlog::info("checked {} events of {} against its {} export (fingerprint v{}): {} items would be blocked",
               check->events(), e.source.workload, ExportFormatName(e.format), e.source.version,
               blocked.size());
  if (!blocked.empty()) g_success_exit = 3;
  return Status::Ok();
}

}  // namespace

Command CheckCommand() {
  return Command{
      "check",
      "--db DB --workload NAME --format FORMAT --trace TRACE... [--output text|jsonl]\n"
      "[--version N] [--force] [--min-duration SECONDS] [--quiet SECONDS] [--peer ADDRESS=WORKLOAD...]\n"
      "replays TRACEs against the export; exit 3 when it would block something",
      CheckCheck,
      CmdCheck,
      {{"--db", "--workload", "--format", "--output", "--version", "--min-duration", "--quiet"},
       {"--force"},
       {"--trace", "--peer"}}};
}

}  // namespace dw::tools
