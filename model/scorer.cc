// model/scorer.cc: novelty x sensitivity scoring of drifting items.
//
// Sensitivity is a small table of principle-based rules (what an attacker
// needs: a shell, a way out, credentials, persistence in system paths), not a
// list tuned to any workload. Each table has a catch-all so every drift scores.
#include "model/scorer.h"

#include <cmath>
#include <span>
#include <string>
#include <string_view>

#include "model/items.h"

namespace dw::model {
namespace {

using Table = ItemRef::Table;

constexpr double kNoveltyUnseen = 1.0;
constexpr double kNoveltyNewAccess = 0.9;
constexpr uint8_t kWriteBits = kAccessWrite | kAccessCreate;

constexpr std::string_view kShells[] = {"sh",   "ash", "bash", "dash", "zsh",    "ksh",
                                        "mksh", "csh", "tcsh", "fish", "busybox"};
constexpr std::string_view kInterpreters[] = {"python", "perl", "ruby",  "php",
                                              "lua",    "node", "tclsh", "pwsh"};
constexpr std::string_view kNetworkTools[] = {"nc",     "ncat", "netcat", "socat", "curl", "wget",
                                              "telnet", "ssh",  "scp",    "sftp",  "ftp",  "tftp"};
constexpr std::string_view kWorldWritableDirs[] = {"/tmp", "/var/tmp", "/dev/shm"};
constexpr std::string_view kCredentialFiles[] = {"/etc/shadow", "/etc/shadow-", "/etc/gshadow",
                                                 "/etc/gshadow-", "/etc/sudoers"};
constexpr std::string_view kCredentialDirs[] = {"/etc/sudoers.d",
                                                "/var/run/secrets/kubernetes.io/serviceaccount",
                                                "/run/secrets/kubernetes.io/serviceaccount"};
constexpr std::string_view kSystemDirs[] = {
    "/etc", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
    "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec",
    "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib"};

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// `name` is `program` or a versioned/variant spelling of it: "python3.11",
// "perl5.36", "nc.openbsd"; not "ncat" for "nc" nor "node_exporter" for "node".
bool IsProgram(std::string_view name, std::span<const std::string_view> programs) {
  for (std::string_view p : programs) {
    if (!name.starts_with(p)) continue;
    if (name.size() == p.size()) return true;
    char next = name[p.size()];
    if (next == '.' || (next >= '0' && next <= '9')) return true;
  }
  return false;
}

bool IsUnder(std::string_view path, std::span<const std::string_view> dirs) {
  for (std::string_view d : dirs) {
    if (path.starts_with(d) && (path.size() == d.size() || path[d.size()] == '/')) return true;
  }
  return false;
}

bool IsOneOf(std::string_view path, std::span<const std::string_view> paths) {
  for (std::string_view p : paths) {
    if (path == p) return true;
  }
  return false;
}

bool IsLoopbackAddress(std::string_view address) {
  return address.starts_with("127.") || address == "::1";
}

bool Any(const ItemRef&) { return true; }
bool IsShell(const ItemRef& i) { return IsProgram(Basename(i.key), kShells); }
bool IsInterpreter(const ItemRef& i) { return IsProgram(Basename(i.key), kInterpreters); }
bool IsNetworkTool(const ItemRef& i) { return IsProgram(Basename(i.key), kNetworkTools); }
bool InWorldWritableDir(const ItemRef& i) { return IsUnder(i.key, kWorldWritableDirs); }
bool IsCredential(const ItemRef& i) {
  return IsOneOf(i.key, kCredentialFiles) || IsUnder(i.key, kCredentialDirs) ||
         i.key.find("/.ssh/") != std::string::npos || i.key.ends_with("/.ssh");
}
bool InSystemDir(const ItemRef& i) { return IsUnder(i.key, kSystemDirs); }
bool IsLoopback(const ItemRef& i) { return IsLoopbackAddress(i.net.address); }
bool IsNotLoopback(const ItemRef& i) { return !IsLoopbackAddress(i.net.address); }

// What a rule applies to: a table, and for kNetwork a direction.
enum class Target : uint8_t { kExec, kFile, kOutbound, kInbound, kListen, kResolver, kDnsName };

Target TargetOf(const ItemRef& item) {
  switch (item.table) {
    case Table::kExecutable:
      return Target::kExec;
    case Table::kFile:
      return Target::kFile;
    case Table::kDns:
      return Target::kDnsName;
    case Table::kNetwork:
      break;
  }
  switch (item.net.direction) {
    case Direction::kOutbound:
      return Target::kOutbound;
    case Direction::kInbound:
      return Target::kInbound;
    case Direction::kListen:
      return Target::kListen;
    case Direction::kDns:
      break;
  }
  return Target::kResolver;
}

struct SensitivityRule {
  Target target;
  uint8_t access;  // files: applies when the judged access has one of these bits; 0 = always
  bool (*matches)(const ItemRef&);
  double sensitivity;
  const char* note;  // shown in the reason when this rule decides; nullptr = none
};

constexpr SensitivityRule kRules[] = {
    {Target::kExec, 0, Any, 0.5, nullptr},
    {Target::kExec, 0, IsShell, 0.9, "shell"},
    {Target::kExec, 0, IsInterpreter, 0.9, "interpreter"},
    {Target::kExec, 0, IsNetworkTool, 0.9, "network tool"},
    {Target::kExec, 0, InWorldWritableDir, 1.0, "runs from a world-writable directory"},
    {Target::kFile, 0, Any, 0.2, nullptr},
    {Target::kFile, kWriteBits, Any, 0.3, nullptr},
    {Target::kFile, 0, IsCredential, 0.9, "credential file"},
    {Target::kFile, kWriteBits, IsCredential, 1.0, "credential file"},
    {Target::kFile, kWriteBits, InSystemDir, 0.8, "system directory"},
    {Target::kOutbound, 0, IsLoopback, 0.3, nullptr},
    {Target::kOutbound, 0, IsNotLoopback, 0.6, "non-loopback address"},
    {Target::kInbound, 0, IsLoopback, 0.3, nullptr},
    {Target::kInbound, 0, IsNotLoopback, 0.5, "non-loopback address"},
    {Target::kListen, 0, IsLoopback, 0.6, nullptr},
    {Target::kListen, 0, IsNotLoopback, 0.8, "reachable beyond loopback"},
    {Target::kResolver, 0, IsLoopback, 0.3, nullptr},
    {Target::kResolver, 0, IsNotLoopback, 0.5, "non-loopback address"},
    {Target::kDnsName, 0, Any, 0.4, nullptr},
};

struct Sensitivity {
  double value = 0;
  const char* note = nullptr;
};

// The highest matching rule; on a tie the earlier rule's note wins.
Sensitivity SensitivityOf(const ItemRef& item, uint8_t judged_access) {
  Target target = TargetOf(item);
  Sensitivity best;
  for (const SensitivityRule& rule : kRules) {
    if (rule.target != target || rule.sensitivity <= best.value) continue;
    if (rule.access != 0 && (rule.access & judged_access) == 0) continue;
    if (!rule.matches(item)) continue;
    best = {rule.sensitivity, rule.note};
  }
  return best;
}

std::string AccessPastTense(uint8_t access) {
  std::string out;
  auto add = [&out](const char* word) {
    if (!out.empty()) out += "/";
    out += word;
  };
  if (access & kAccessRead) add("read");
  if (access & kAccessWrite) add("written");
  if (access & kAccessCreate) add("created");
  return out.empty() ? "opened" : out;
}

// "write to a file only read in training".
std::string NewAccessReason(uint8_t new_bits, uint8_t learned) {
  const char* verb = (new_bits & kAccessWrite)    ? "write to"
                     : (new_bits & kAccessCreate) ? "create of"
                                                  : "read of";
  return std::string(verb) + " a file only " + AccessPastTense(learned) + " in training";
}

std::string UnseenReason(const ItemRef& item) {
  switch (TargetOf(item)) {
    case Target::kExec:
      return "executable never seen in training";
    case Target::kFile:
      return "file never seen in training";
    case Target::kOutbound:
      return "new outbound peer";
    case Target::kInbound:
      return "new inbound client";
    case Target::kListen:
      return "new listening port";
    case Target::kResolver:
      return "new DNS resolver";
    case Target::kDnsName:
      break;
  }
  return "DNS name never queried in training";
}

}  // namespace

Severity SeverityOf(double score) {
  if (score >= 0.9) return Severity::kCritical;
  if (score >= 0.7) return Severity::kHigh;
  if (score >= 0.4) return Severity::kMedium;
  return Severity::kLow;
}

std::vector<Finding> Scorer::Score(const Fingerprint* fp, const Event& e) const {
  std::vector<Finding> findings;
  if (fp == nullptr) return findings;
  for (const ItemRef& item : ItemsOf(e)) {
    const ItemStats* learned = FindItem(*fp, item);
    double novelty;
    uint8_t judged_access = item.access;
    std::string reason;
    if (learned == nullptr) {
      novelty = kNoveltyUnseen;
      reason = UnseenReason(item);
    } else {
      uint8_t new_bits = item.access & static_cast<uint8_t>(~learned->access);
      if (item.table != Table::kFile || new_bits == 0) continue;
      novelty = kNoveltyNewAccess;
      judged_access = new_bits;
      reason = NewAccessReason(new_bits, learned->access);
    }
    Sensitivity s = SensitivityOf(item, judged_access);
    std::string notes = s.note ? s.note : "";
    if (e.kind == EventKind::kOpen && e.result < 0) {
      notes += notes.empty() ? "open failed" : "; open failed";
    }
    if (!notes.empty()) reason += " (" + notes + ")";

    Finding& f = findings.emplace_back();
    f.time_ns = e.time_ns;
    f.workload = e.workload;
    f.cgroup_path = e.cgroup_path;
    f.kind = item.kind;
    f.subject = item.subject;
    f.reason = std::move(reason);
    f.score = std::round(novelty * s.value * 1000) / 1000;
    f.severity = SeverityOf(f.score);
    f.process = e.process;
  }
  return findings;
}

}  // namespace dw::model
