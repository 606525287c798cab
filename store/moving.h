// store/moving.h: moving and combining fingerprints: import a JSON
// fingerprint as a locked baseline, merge databases from several nodes, show
// what changed between two fingerprints, list a workload's versions. The
// commands in tools/cli/ are thin wrappers around these.
#ifndef DRIFTWATCH_STORE_MOVING_H_
#define DRIFTWATCH_STORE_MOVING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/status.h"
#include "model/fingerprint.h"
#include "store/store.h"

namespace dw::store {

// The fingerprint in JSON file `path` (store/fingerprint_json.h). Errors name
// the file: "read fingerprint a.json: fingerprint JSON: files[2].count: ...".
Result<model::Fingerprint> ReadFingerprintFile(const std::string& path);

// ---- merge ----

struct MergeOutcome {
  std::string workload;
  std::vector<std::string> nodes;  // the parts' nodes
  int64_t version = 0;             // the new version in OUT; 0 when unchanged
};

// Merges the latest fingerprints of every workload (or only `workload`) in
// the databases `inputs` and in `out` itself (model/merge.h), and stores each
// result as a new version in `out` (created if missing), in one transaction;
// a workload whose merge equals its latest version in `out` is left as it is,
// so merging again changes nothing. Inputs are opened read-only and all read
// before `out` is opened: an input that cannot be read leaves `out` as it was
// (not even created). A part without a node name is refused (its node could
// not be told from others').
Result<std::vector<MergeOutcome>> MergeDatabases(const std::string& out,
                                                 const std::vector<std::string>& inputs,
                                                 const std::optional<std::string>& workload,
                                                 int64_t now_ns);

// ---- diff ----

// One changed item between two fingerprints.
struct Change {
  enum class Op { kAdded, kRemoved, kChanged } op = Op::kAdded;
  // "executable", "lineage", "file", "file_pattern", "peer", "listener",
  // "network_pattern", "dns", "syscall".
  std::string kind;
  std::string item;    // the item as people write it
  std::string detail;  // "count 3, 1 node", "access read -> read, write"
  bool operator==(const Change&) const = default;
};

// What changed from `from` to `to`, by kind then item: items added, items
// removed, and for items in both, wider access (files) and, for patterns,
// more covered items.
std::vector<Change> DiffFingerprints(const model::Fingerprint& from, const model::Fingerprint& to);

// The report for a reviewer: a summary line (items, events, nodes) and one
// section per kind of change ("New executables (2):" ...), or "No changes in
// behaviour." `from_label`, `to_label`: "version 3", "a.json".
std::string DiffText(const model::Fingerprint& from, const std::string& from_label,
                     const model::Fingerprint& to, const std::string& to_label);
// The same for programs: one JSON object per line, a {"summary": ...} line
// first, then {"change": "added"|"removed"|"changed", kind, item, detail}.
std::string DiffJsonLines(const model::Fingerprint& from, const std::string& from_label,
                          const model::Fingerprint& to, const std::string& to_label);

// ---- history ----

// A table of `versions` of `workload` (state: its lifecycle state).
std::string HistoryText(const std::string& workload, const std::string& state,
                        const std::vector<store::VersionInfo>& versions);
// One JSON object per version and line.
std::string HistoryJsonLines(const std::string& workload, const std::string& state,
                             const std::vector<store::VersionInfo>& versions);

}  // namespace dw::store

#endif  // DRIFTWATCH_STORE_MOVING_H_
