// tools/cli/cmd_explain.cc: driftwatch explain (its usage below).
#include "tools/cli/command.h"

#include <cstdio>

#include "tools/cli/explain.h"

namespace dw::tools {
namespace {

Status CheckExplain(const Args& args) {
  RETURN_IF_ERROR(CheckHistory(args));
  return VersionFlag(args, "--version").status();
}

// driftwatch explain --db DB --workload NAME [--version N] [--format text|jsonl]: what the
// baseline generalized, and why.
Status CmdExplain(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  const std::string workload = *args.Get("--workload");
  ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionFlag(args, "--version"));
  ASSIGN_OR_RETURN(auto fp, db->LoadFingerprint(workload, version));
  if (!fp) return Status(ErrorCode::kNotFound, "no fingerprint for workload " + workload);
  std::fputs((format == Format::kJson ? ExplainJsonLines(*fp) : ExplainText(*fp)).c_str(), stdout);
  return Status::Ok();
}

}  // namespace

Command ExplainCommand() {
  return Command{"explain",
                 "--db DB --workload NAME [--version N] [--format jsonl|text]\n"
                 "what the baseline generalized, and from which evidence",
                 CheckExplain,
                 CmdExplain,
                 {{"--db", "--workload", "--version", "--format"}, {}}};
}

}  // namespace dw::tools
