// tools/format.h: findings and workloads for people (text) and programs (JSON).
#ifndef DRIFTWATCH_TOOLS_FORMAT_H_
#define DRIFTWATCH_TOOLS_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model/fingerprint.h"
#include "store/store.h"

namespace dw::tools {

enum class Format { kText, kJson };

// "2026-11-23T12:00:00.123456789Z".
std::string Rfc3339(int64_t unix_ns);

// One JSON object on one line: time, workload, cgroup, kind, subject, reason,
// severity, score, count, id, process {pid, exe, argv, ppid, parent_exe, ancestry}.
std::string FindingJson(const model::Finding& f);
// One line for a person.
std::string FindingText(const model::Finding& f);

std::string WorkloadJson(const store::WorkloadInfo& w);
// A table with a header line.
std::string WorkloadsText(const std::vector<store::WorkloadInfo>& ws);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_FORMAT_H_
