// tools/cli/format.h: findings and workloads for people (text) and programs (JSON).
#ifndef DRIFTWATCH_TOOLS_CLI_FORMAT_H_
#define DRIFTWATCH_TOOLS_CLI_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model/convergence.h"
#include "model/fingerprint.h"
#include "store/store.h"
#include "store/fingerprint_json.h"

namespace dw::tools {

enum class Format { kText, kJson };

// One JSON object on one line: time, workload, cgroup, kind, subject, reason,
// severity, score, count, id, process {pid, exe, argv, ppid, parent_exe, ancestry,
// and script when an interpreter runs one as the process's program},
// and when known context {node, runtime, container {id, name, image, repository,
// tag}, pod {namespace, name, uid, owner, labels}} (collector/runtime_context.h).
std::string FindingJson(const model::Finding& f);
// One line for a person; the node, container and pod in a trailing [...]
// when known.
std::string FindingText(const model::Finding& f);

// A workload as `driftwatch workloads` shows it: its row, and how far its
// baseline has learned (model/convergence.h).
struct WorkloadView {
  store::WorkloadInfo info;
  model::LearningStatus learning;
  // The lifecycle state when it says more than learning/stable ("monitoring",
  // "locked"); else the learning state ("learning", "stable", "stable, incomplete").
  std::string State() const;
};

std::string WorkloadJson(const WorkloadView& w);

// store::FingerprintJson() and store::Rfc3339(): store/fingerprint_json.h (included above).
// A table with a header line.
std::string WorkloadsText(const std::vector<WorkloadView>& ws);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_CLI_FORMAT_H_
