// tools/policy/allow_list.h: what a fingerprint allows, in the terms the
// policy formats use, derived once so every format agrees (the AllowList);
// and the path predicates the exporters and the policy check share. Pure functions on values; thread-safe.
#ifndef DRIFTWATCH_TOOLS_POLICY_ALLOW_LIST_H_
#define DRIFTWATCH_TOOLS_POLICY_ALLOW_LIST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/fingerprint.h"

namespace dw::tools {

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
// Addresses and CIDRs (parsing, containment, loopback): model/address.h.

// "/usr/bin/x" -> "/bin/x", and likewise /usr/sbin, /usr/lib, /usr/lib32,
// /usr/lib64, /usr/libx32: the other spelling of a path on a merged-/usr
// system (where /bin is a symlink to /usr/bin); "" for any other path.
std::string MergedUsrAlias(std::string_view path);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_POLICY_ALLOW_LIST_H_
