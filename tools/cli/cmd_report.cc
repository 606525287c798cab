// tools/cli/cmd_report.cc: driftwatch report (its usage below).
#include "tools/cli/command.h"

#include "tools/cli/report.h"

namespace dw::tools {
namespace {

// driftwatch report --db DB [--workload NAME] --out FILE (tools/report.h)
Status CmdReport(const Args& args) {
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(ReportData data, LoadReportData(*db, args.Get("--workload"), convergence));
  data.generated_ns = collector::NowNs();
  data.source = *args.Get("--db");
  return WriteFileAtomically(*args.Get("--out"), ReportHtml(data));
}

}  // namespace

Command ReportCommand() {
  return Command{"report",
                 "--db DB [--workload NAME] --out FILE.html [--min-duration SECONDS] [--quiet SECONDS]\n"
                 "one self-contained page: baselines, rates, incidents as process trees",
                 [](const Args& a) {
                   RETURN_IF_ERROR(a.Required("--db").status());
                   RETURN_IF_ERROR(a.Required("--out").status());
                   return ConvergenceFlags(a).status();
                 },
                 CmdReport,
                 {{"--db", "--workload", "--out", "--min-duration", "--quiet"}, {}}};
}

}  // namespace dw::tools
