// tools/cli/cmd_merge.cc: driftwatch merge (its usage below).
#include "tools/cli/command.h"

#include <spdlog/spdlog.h>

#include "store/moving.h"

namespace dw::tools {
namespace {

Status CheckMerge(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  if (args.positional().empty()) {
    return Status(ErrorCode::kInvalidArgument, "give the databases to merge: --db OUT DB...");
  }
  return Status::Ok();
}

// driftwatch merge --db OUT DB... [--workload NAME]
Status CmdMerge(const Args& args) {
  ASSIGN_OR_RETURN(auto outcomes, store::MergeDatabases(*args.Get("--db"), args.positional(),
                                                        args.Get("--workload"), collector::NowNs()));
  for (const store::MergeOutcome& o : outcomes) {
    std::string nodes = fmt::format("{}", fmt::join(o.nodes, ", "));
    if (o.version == 0) {
      spdlog::info("{}: unchanged (nodes {})", o.workload, nodes);
    } else {
      spdlog::info("{}: merged from {} nodes ({}) as version {}", o.workload, o.nodes.size(), nodes,
                   o.version);
    }
  }
  return Status::Ok();
}

}  // namespace

Command MergeCommand() {
  return Command{"merge",
                 "--db OUT DB... [--workload NAME]  (one workload's fingerprints from several nodes)",
                 CheckMerge,
                 CmdMerge,
                 {{"--db", "--workload"}, {}},
                 true};
}

}  // namespace dw::tools
