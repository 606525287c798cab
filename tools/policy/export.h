// tools/export.h: a learned fingerprint as the policy documents other tools
// enforce: the fingerprint itself (json), a Kubernetes NetworkPolicy, an OCI
// seccomp profile, a KubeArmorPolicy and a Falco rules file.
//
// Every format is rendered from one AllowList derived from the fingerprint, so
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
#ifndef DRIFTWATCH_TOOLS_EXPORT_H_
#define DRIFTWATCH_TOOLS_EXPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collector/status.h"
#include "model/fingerprint.h"

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

// What the fingerprint allows, in the terms policies use. Paths keep the
// fingerprint's normalised form; typed placeholders ("<pid>", model/normalize.h)
// become '*' in `globs`.
struct FileRule {
  std::string path;    // absolute; in AllowList::globs, '*' matches within one component
  uint8_t access = 0;  // AccessBits seen (0 when unknown: treat as read)
  bool operator==(const FileRule&) const = default;
};
struct DirRule {
  std::string dir;         // ends with '/'; may hold '*' (a placeholder in the directory)
  bool recursive = false;  // "<dir>/**" rather than "<dir>/*"
  uint8_t access = 0;
  bool operator==(const DirRule&) const = default;
};
struct PeerRule {
  model::Direction direction = model::Direction::kOutbound;  // outbound, inbound or dns
  uint8_t protocol = 6;                                      // 6 tcp, 17 udp
  std::string cidr;                                          // "10.0.0.7/32", "10.0.3.0/24"
  uint16_t port = 0;  // outbound/dns: the peer's port; inbound: our port
  bool loopback = false;
  bool operator==(const PeerRule&) const = default;
};
struct AllowList {
  std::vector<std::string> processes;  // executable paths
  std::vector<FileRule> files;         // exact paths
  std::vector<FileRule> globs;         // paths that held placeholders
  std::vector<DirRule> dirs;           // from file patterns
  std::vector<PeerRule> peers;         // outbound, inbound and DNS resolvers
  std::vector<PeerRule> listens;       // cidr is the bound address
  std::vector<std::string> dns_names;
  std::vector<std::string> lineage;  // "parent -> exe"
  std::vector<std::string> syscalls;
  std::string syscall_arch;
};
AllowList DeriveAllowList(const model::Fingerprint& fp);

// The path with each typed placeholder ("<pid>", "<hex>", ...) replaced by '*'.
std::string PlaceholdersToGlob(std::string_view normalized_path);
// Glob match where '*' matches any run of characters but '/', and "**" any run.
bool PathGlobMatch(std::string_view pattern, std::string_view path);
// True when `address` ("10.0.0.7", "::1") lies in `cidr` ("10.0.0.0/8"; a bare
// address is a /32 or /128). False for anything unparsable.
bool CidrContains(std::string_view cidr, std::string_view address);
bool IsLoopback(std::string_view address);

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

// "/usr/bin/x" -> "/bin/x", and likewise /usr/sbin, /usr/lib, /usr/lib32,
// /usr/lib64, /usr/libx32: the other spelling of a path on a merged-/usr
// system (where /bin is a symlink to /usr/bin); "" for any other path.
std::string MergedUsrAlias(std::string_view path);

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

#endif  // DRIFTWATCH_TOOLS_EXPORT_H_
