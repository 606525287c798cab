// tools/cli/cmd_findings.cc: driftwatch findings (its usage below).
#include "tools/cli/command.h"

#include "tools/cli/format.h"

namespace dw::tools {
namespace {

// driftwatch findings --db DB [--workload NAME] [--format text|jsonl] [--suppressed]
Status CmdFindings(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(auto findings,
                   db->ListFindings(args.Get("--workload"), 0, 0,
                                    args.Has("--suppressed") ? store::Store::Which::kSuppressed
                                                             : store::Store::Which::kDelivered));
  for (const auto& f : findings) WriteLine(format == Format::kJson ? FindingJson(f) : FindingText(f));
  return Status::Ok();
}

}  // namespace

Command FindingsCommand() {
  return Command{"findings",
                 "--db DB [--workload NAME] [--format jsonl|text] [--suppressed]\n"
                 "--suppressed: the findings exceptions matched, instead of the delivered ones",
                 CheckQuery,
                 CmdFindings,
                 {{"--db", "--workload", "--format"}, {"--suppressed"}}};
}

}  // namespace dw::tools
