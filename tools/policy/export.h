// tools/policy/export.h: a learned fingerprint as the policy documents other tools
// enforce: the fingerprint itself (json), a Kubernetes NetworkPolicy, an OCI
// seccomp profile, a KubeArmorPolicy and a Falco rules file.
//
// Every format is rendered from one AllowList derived from the fingerprint
// (tools/policy/allow_list.h), each by its own file in tools/policy/, so
// the formats agree on what the workload may do. Each document records where
// it came from (ExportSource: workload, fingerprint version, when it was
// stored, its state, the database) in a place its consumer ignores: a
// top-level "source" key (json), a "comment" key (seccomp), annotations
// (Kubernetes kinds) or comments (Falco).
//
// What a format cannot express is written into the document (annotation
// "driftwatch.io/not-expressed", or comments) and returned in `notes`, one
// line each, for the command to show.
//
// Workload names and the selectors derived from them (WorkloadSelector):
//   "ns/owner/container" (collector/identity.h's Kubernetes names): namespace
//       ns, pods labelled app=owner (a convention, not a rule: the NetworkPolicy
//       and KubeArmor documents say so in a comment and an annotation, and
//       name the field to edit when the pods carry another label);
//   "docker/NAME": KubeArmor's non-Kubernetes label kubearmor.io/container.name,
//       Falco's container.name;
//   "podman/NAME": Falco's container.name (KubeArmor: as anything else);
//   anything else (systemd units, cgroup paths): a label
//       driftwatch.io/workload=<sanitized name> that the user applies, and for
//       Falco the process's cgroup (proc.cgroups contains the name).
// Where a consumer compares paths as the process called them (Falco's fd.name
// and proc.exepath) the Falco lists hold both spellings of a path that merged
// /usr makes reachable twice (MergedUsrAlias). NetworkPolicy peers are
// namespace and pod selectors where the peer's workload is known
// (ExportOptions::peers), otherwise ipBlocks of the addresses seen, with a
// note that pod IPs change. Seccomp profiles add the syscalls the container
// runtime makes between applying the profile and exec (kRuntimeSyscalls) and
// warn about what training cannot have seen.
// Pure functions on values; thread-safe.
#ifndef DRIFTWATCH_TOOLS_POLICY_EXPORT_H_
#define DRIFTWATCH_TOOLS_POLICY_EXPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collector/status.h"
#include "model/fingerprint.h"
#include "tools/policy/allow_list.h"

namespace dw::tools {

// Where an exported document came from.
struct ExportSource {
  std::string workload;
  int64_t version = 0;     // fingerprints.version
  int64_t created_ns = 0;  // when that version was stored (wall clock, ns since the epoch)
  std::string state;       // "learning", "stable", "monitoring", ... (WorkloadView::State())
  std::string db;          // the database path
  bool operator==(const ExportSource&) const = default;
};

enum class ExportFormat { kJson, kNetworkPolicy, kSeccomp, kKubeArmor, kFalco };

// "json", "networkpolicy", "seccomp", "kubearmor", "falco"; kInvalidArgument
// naming the choices otherwise.
Result<ExportFormat> ParseExportFormat(std::string_view name);
const char* ExportFormatName(ExportFormat f);

// The Kubernetes side of a workload name (see the file comment).
struct WorkloadSelector {
  std::string namespace_;                     // "" outside Kubernetes
  std::map<std::string, std::string> labels;  // pod labels to select
  std::string policy_name;                    // a DNS-1123 name for the policy object
  std::string note;                           // what the user must do, if anything
  // The label the selector assumes, as one line for a comment ("selector
  // assumes ... ; if ..., edit ..."); "" when nothing is assumed.
  std::string assumption;
};
WorkloadSelector SelectorFor(const std::string& workload);

// What a container runtime calls between applying a seccomp profile and the
// workload's execve: runc's set (opencontainers/runc issue #2097, "officially
// define the list of syscalls required by runc itself", measured on runc 1.x;
// runc applies the filter as late as it can, in standard_init_linux.go) plus
// execveat (runc may exec through it) and fstatfs. Sorted.
extern const std::vector<std::string> kRuntimeSyscalls;

struct ExportOptions {
  // Peer address ("10.0.3.7") -> the workload listening there, in
  // collector/identity.h's naming ("shop/db/postgres"): a Kubernetes name
  // makes the NetworkPolicy peer a namespace and pod selector.
  std::map<std::string, std::string> peers;
};

// The renderers. `notes` (optional) receives one line per thing the format
// could not express, and warnings about what training could not see.
Result<std::string> ExportJson(const model::Fingerprint& fp, const ExportSource& src);
Result<std::string> ExportNetworkPolicy(const model::Fingerprint& fp, const ExportSource& src,
                                        std::vector<std::string>* notes = nullptr,
                                        const ExportOptions& options = {});
// kInvalidArgument when the fingerprint has no syscalls (trained without --syscalls).
Result<std::string> ExportSeccomp(const model::Fingerprint& fp, const ExportSource& src,
                                  std::vector<std::string>* notes = nullptr);
Result<std::string> ExportKubeArmor(const model::Fingerprint& fp, const ExportSource& src,
                                    std::vector<std::string>* notes = nullptr);
Result<std::string> ExportFalco(const model::Fingerprint& fp, const ExportSource& src,
                                std::vector<std::string>* notes = nullptr);
// The renderer for `format`.
Result<std::string> Export(ExportFormat format, const model::Fingerprint& fp, const ExportSource& src,
                           std::vector<std::string>* notes = nullptr, const ExportOptions& options = {});

// Identifier-safe form of a workload name for Falco lists and macros:
// lower-case [a-z0-9_], "dw_" prefixed.
std::string FalcoId(const std::string& workload);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_POLICY_EXPORT_H_
