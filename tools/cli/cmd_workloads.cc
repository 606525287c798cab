// tools/cli/cmd_workloads.cc: driftwatch workloads (its usage below).
#include "tools/cli/command.h"

#include <cstdio>

#include "tools/cli/format.h"

namespace dw::tools {
namespace {

// driftwatch workloads --db DB [--format text|jsonl]
Status CmdWorkloads(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  ASSIGN_OR_RETURN(auto workloads, db->ListWorkloads());
  ASSIGN_OR_RETURN(auto fingerprints, db->LoadFingerprints());
  std::vector<WorkloadView> views;
  for (auto& w : workloads) {
    WorkloadView v{std::move(w), {}};
    auto fp = fingerprints.find(v.info.name);
    if (fp != fingerprints.end()) v.learning = model::Assess(fp->second, convergence);
    views.push_back(std::move(v));
  }
  if (format == Format::kJson) {
    for (const auto& v : views) WriteLine(WorkloadJson(v));
  } else {
    std::fputs(WorkloadsText(views).c_str(), stdout);
  }
  return Status::Ok();
}

}  // namespace

Command WorkloadsCommand() {
  return Command{"workloads",
                 "--db DB [--format jsonl|text] [--min-duration SECONDS] [--quiet SECONDS]",
                 CheckQuery,
                 CmdWorkloads,
                 {{"--db", "--format", "--min-duration", "--quiet"}, {}}};
}

}  // namespace dw::tools
