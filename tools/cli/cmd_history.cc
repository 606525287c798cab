// tools/cli/cmd_history.cc: driftwatch history (its usage below).
#include "tools/cli/command.h"

#include <cstdio>

#include "store/moving.h"

namespace dw::tools {
namespace {

// driftwatch history --db DB --workload NAME [--format text|jsonl]
Status CmdHistory(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  const std::string workload = *args.Get("--workload");
  ASSIGN_OR_RETURN(auto versions, db->ListVersions(workload));
  ASSIGN_OR_RETURN(std::optional<store::WorkloadInfo> info, db->GetWorkload(workload));
  const std::string state = info ? store::WorkloadStateName(info->state) : "";
  std::fputs((format == Format::kJson ? store::HistoryJsonLines(workload, state, versions)
                                      : store::HistoryText(workload, state, versions))
                 .c_str(),
             stdout);
  return Status::Ok();
}

}  // namespace

Status CheckHistory(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(args.Required("--db").status());
  return args.Required("--workload").status();
}

Command HistoryCommand() {
  return Command{"history",
                 "--db DB --workload NAME [--format jsonl|text]   (every stored version)",
                 CheckHistory,
                 CmdHistory,
                 {{"--db", "--workload", "--format"}, {}}};
}

}  // namespace dw::tools
