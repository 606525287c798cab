// tools/cli/report.h: `driftwatch report`, one self-contained HTML page of what
// each workload does and what happened in each incident.
//
// The page needs nothing outside itself: inline CSS and SVG, no script at all,
// and a Content-Security-Policy that forbids scripts and every network fetch.
// Every string from the database (paths, argv, names: attacker-controlled) is
// HTML-escaped. Per workload: state and coverage (model/convergence.h), what
// it runs (executables, exec lineage), reads and writes (files and path
// patterns with their evidence), talks to and listens on (network, DNS,
// address patterns), its rates as an SVG chart, and each incident (findings
// sharing model::Finding::incident) as a process tree whose new items are
// coloured by severity. The store keeps a rate baseline's summary (mean and
// max per dimension), not its per-bucket history: the chart shows that
// summary and the rate findings over time, and says so.
#ifndef DRIFTWATCH_TOOLS_CLI_REPORT_H_
#define DRIFTWATCH_TOOLS_CLI_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/status.h"
#include "model/convergence.h"
#include "model/fingerprint.h"
#include "store/store.h"
#include "tools/cli/format.h"

namespace dw::tools {

// What the page shows; ReportHtml reads nothing else.
struct ReportData {
  std::vector<WorkloadView> workloads;                     // in page order
  std::map<std::string, model::Fingerprint> fingerprints;  // by workload name
  std::vector<model::Finding> findings;                    // any order
  int64_t generated_ns = 0;
  std::string source;  // e.g. the database path, shown in the header
};

// `s` with & < > " ' replaced by character references.
std::string HtmlEscape(std::string_view s);

// The page.
std::string ReportHtml(const ReportData& data);

// Loads `workload` (every workload if nullopt; kNotFound "unknown workload X")
// from `db` for the page.
Result<ReportData> LoadReportData(store::Store& db, const std::optional<std::string>& workload,
                                  const model::ConvergenceOptions& convergence);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_CLI_REPORT_H_
