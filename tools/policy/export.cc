// tools/export.cc: the AllowList of a fingerprint and its five renderings.
// yaml-cpp and nlohmann-json stay in this file (and policy_check.cc).
#include "tools/export.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <yaml-cpp/yaml.h>

#include "collector/event.h"
#include "tools/format.h"

namespace dw::tools {
namespace {

constexpr char kNotExpressedKey[] = "driftwatch.io/not-expressed";
constexpr char kQuotedTag[] = "!driftwatch-quoted";

bool HasPlaceholder(std::string_view path) {
  size_t open = path.find('<');
  return open != std::string_view::npos && path.find('>', open) != std::string_view::npos;
}

std::string ToCidr(const std::string& address) {
  if (address.find('/') != std::string::npos) return address;
  return address + (address.find(':') != std::string::npos ? "/128" : "/32");
}

const char* ProtoName(uint8_t p) { return p == 17 ? "udp" : p == 132 ? "sctp" : "tcp"; }
std::string ProtoUpper(uint8_t p) { return p == 17 ? "UDP" : p == 132 ? "SCTP" : "TCP"; }

bool Writes(uint8_t access) { return (access & (kAccessWrite | kAccessCreate)) != 0; }

// The provenance every YAML document carries as annotations.
std::map<std::string, std::string> SourceAnnotations(const ExportSource& src) {
  return {{"driftwatch.io/workload", src.workload},
          {"driftwatch.io/fingerprint-version", std::to_string(src.version)},
          {"driftwatch.io/fingerprint-created", store::Rfc3339(src.created_ns)},
          {"driftwatch.io/baseline-state", src.state},
          {"driftwatch.io/database", src.db}};
}

std::string SourceLine(const ExportSource& src) {
  return "driftwatch export of workload " + src.workload + ", fingerprint version " +
         std::to_string(src.version) + " stored " + store::Rfc3339(src.created_ns) + " (" + src.state +
         ") in " + src.db;
}

void AddNote(std::vector<std::string>* notes, std::vector<std::string>* doc_notes, std::string line) {
  if (notes != nullptr) notes->push_back(line);
  doc_notes->push_back(std::move(line));
}

YAML::Node Metadata(const WorkloadSelector& sel, const ExportSource& src,
                    const std::vector<std::string>& doc_notes) {
  YAML::Node md;
  md["name"] = sel.policy_name;
  if (!sel.namespace_.empty()) md["namespace"] = sel.namespace_;
  YAML::Node ann;
  // Annotation values must be strings: "4" is quoted (EmitYaml), not an int.
  for (const auto& [k, v] : SourceAnnotations(src)) {
    ann[k] = v;
    ann[k].SetTag(kQuotedTag);
  }
  if (!sel.note.empty()) ann["driftwatch.io/selector"] = sel.note;
  if (!doc_notes.empty()) {
    std::string all;
    for (const auto& n : doc_notes) all += n + "\n";
    ann[kNotExpressedKey] = all;
  }
  md["annotations"] = ann;
  return md;
}

// Scalars tagged kQuotedTag are written double-quoted, without the tag.
void EmitNode(YAML::Emitter& out, const YAML::Node& n) {
  if (n.IsMap()) {
    out << YAML::BeginMap;
    for (const auto& kv : n) {
      out << YAML::Key;
      EmitNode(out, kv.first);
      out << YAML::Value;
      EmitNode(out, kv.second);
    }
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    out << YAML::BeginSeq;
    for (const auto& e : n) EmitNode(out, e);
    out << YAML::EndSeq;
  } else if (n.IsScalar() && n.Tag() == kQuotedTag) {
    out << YAML::DoubleQuoted << n.Scalar();
  } else {
    out << n;
  }
}

std::string EmitYaml(const YAML::Node& doc, const std::vector<std::string>& comments) {
  YAML::Emitter out;
  for (const auto& c : comments) out << YAML::Comment(c) << YAML::Newline;
  EmitNode(out, doc);
  return std::string(out.c_str()) + "\n";
}

std::string SanitizeLabel(const std::string& s, size_t max) {
  std::string out;
  for (char c : s) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  if (out.size() > max) out.resize(max);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.empty() ? "workload" : out;
}

std::string Dns1123(const std::string& s) {
  std::string out;
  for (char c : s) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (std::isalnum(static_cast<unsigned char>(l))) ? l : '-';
  }
  std::string squeezed;
  for (char c : out) {
    if (c == '-' && !squeezed.empty() && squeezed.back() == '-') continue;
    squeezed += c;
  }
  while (!squeezed.empty() && squeezed.front() == '-') squeezed.erase(0, 1);
  if (squeezed.size() > 50) squeezed.resize(50);
  while (!squeezed.empty() && squeezed.back() == '-') squeezed.pop_back();
  return "driftwatch-" + (squeezed.empty() ? std::string("workload") : squeezed);
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

}  // namespace

Result<ExportFormat> ParseExportFormat(std::string_view name) {
  for (auto f : {ExportFormat::kJson, ExportFormat::kNetworkPolicy, ExportFormat::kSeccomp,
                 ExportFormat::kKubeArmor, ExportFormat::kFalco}) {
    if (name == ExportFormatName(f)) return f;
  }
  return Status(ErrorCode::kInvalidArgument,
                "--format must be json, networkpolicy, seccomp, kubearmor or falco, not '" +
                    std::string(name) + "'");
}

const char* ExportFormatName(ExportFormat f) {
  switch (f) {
    case ExportFormat::kJson: return "json";
    case ExportFormat::kNetworkPolicy: return "networkpolicy";
    case ExportFormat::kSeccomp: return "seccomp";
    case ExportFormat::kKubeArmor: return "kubearmor";
    case ExportFormat::kFalco: return "falco";
  }
  return "unknown";
}

std::string PlaceholdersToGlob(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '<') {
      size_t close = path.find('>', i);
      if (close != std::string_view::npos &&
          path.substr(i + 1, close - i - 1).find_first_not_of("abcdefghijklmnopqrstuvwxyz-#") ==
              std::string_view::npos) {
        out += '*';
        i = close;
        continue;
      }
    }
    out += path[i];
  }
  return out;
}

bool PathGlobMatch(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return path.empty();
  if (pattern.substr(0, 2) == "**") {
    for (size_t i = 0; i <= path.size(); ++i) {
      if (PathGlobMatch(pattern.substr(2), path.substr(i))) return true;
    }
    return false;
  }
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= path.size(); ++i) {
      if (PathGlobMatch(pattern.substr(1), path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  return !path.empty() && pattern[0] == path[0] && PathGlobMatch(pattern.substr(1), path.substr(1));
}

namespace {

// Address bytes and their count (4 or 16), or 0 when unparsable.
size_t ParseAddr(std::string_view s, std::array<uint8_t, 16>* out) {
  std::string str(s);
  if (inet_pton(AF_INET, str.c_str(), out->data()) == 1) return 4;
  if (inet_pton(AF_INET6, str.c_str(), out->data()) == 1) return 16;
  return 0;
}

}  // namespace

bool CidrContains(std::string_view cidr, std::string_view address) {
  size_t slash = cidr.find('/');
  std::array<uint8_t, 16> net{}, addr{};
  size_t n = ParseAddr(cidr.substr(0, slash), &net);
  size_t a = ParseAddr(address, &addr);
  if (n == 0 || n != a) return false;
  int bits = static_cast<int>(n * 8);
  if (slash != std::string_view::npos) {
    std::string b(cidr.substr(slash + 1));
    if (b.empty() || b.find_first_not_of("0123456789") != std::string::npos || b.size() > 3) return false;
    bits = std::stoi(b);
    if (bits > static_cast<int>(n * 8)) return false;
  }
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((net[byte] >> bit) & 1) != ((addr[byte] >> bit) & 1)) return false;
  }
  return true;
}

bool IsLoopback(std::string_view address) {
  std::string_view a = address.substr(0, address.find('/'));
  return CidrContains("127.0.0.0/8", a) || a == "::1";
}

AllowList DeriveAllowList(const model::Fingerprint& fp) {
  AllowList al;
  for (const auto& [exe, st] : fp.executables) al.processes.push_back(exe);
  for (const auto& [edge, st] : fp.lineage) al.lineage.push_back(edge);
  for (const auto& [path, st] : fp.files) {
    if (HasPlaceholder(path)) {
      al.globs.push_back({PlaceholdersToGlob(path), st.access});
    } else {
      al.files.push_back({path, st.access});
    }
  }
  for (const auto& [pattern, g] : fp.file_patterns) {
    std::string glob = PlaceholdersToGlob(pattern);
    bool recursive = glob.size() >= 3 && glob.compare(glob.size() - 3, 3, "/**") == 0;
    bool one = !recursive && glob.size() >= 2 && glob.compare(glob.size() - 2, 2, "/*") == 0;
    if (recursive || one) {
      al.dirs.push_back({glob.substr(0, glob.size() - (recursive ? 2 : 1)), recursive, g.stats.access});
    } else {
      al.globs.push_back({glob, g.stats.access});
    }
  }
  auto add_peer = [&](const model::NetItem& n) {
    if (n.direction == model::Direction::kListen) {
      al.listens.push_back({n.direction, n.protocol, ToCidr(n.address), n.port, IsLoopback(n.address)});
    } else {
      al.peers.push_back({n.direction, n.protocol, ToCidr(n.address), n.port, IsLoopback(n.address)});
    }
  };
  for (const auto& [n, st] : fp.network) add_peer(n);
  for (const auto& [n, g] : fp.net_patterns) add_peer(n);
  for (const auto& [name, st] : fp.dns_names) al.dns_names.push_back(name);
  for (const auto& [name, st] : fp.syscalls) al.syscalls.push_back(name);
  al.syscall_arch = fp.syscall_arch;
  return al;
}

WorkloadSelector SelectorFor(const std::string& workload) {
  WorkloadSelector sel;
  sel.policy_name = Dns1123(workload);
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = workload.find('/', start);
    parts.push_back(workload.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() == 3 && IsDnsLabel(parts[0]) && IsDnsLabel(parts[2]) && !parts[1].empty() &&
      parts[1].find('.') == std::string::npos) {
    sel.namespace_ = parts[0];
    sel.labels["app"] = SanitizeLabel(parts[1], 63);
    sel.note = "pods of owner " + parts[1] + " are selected by the label app=" + sel.labels["app"] +
               " (container " + parts[2] + "); check that the owner's pods carry it";
    sel.assumption = "selector assumes the pods of " + parts[0] + "/" + parts[1] + " carry the label app=" +
                     sel.labels["app"] +
                     " (a convention driftwatch cannot check); if they are labelled otherwise, edit "
                     "spec.podSelector.matchLabels (NetworkPolicy) or spec.selector.matchLabels (KubeArmor)";
    return sel;
  }
  if (parts.size() == 2 && parts[0] == "docker") {
    sel.labels["kubearmor.io/container.name"] = SanitizeLabel(parts[1], 63);
    sel.note = "a Docker container outside Kubernetes: KubeArmor selects it by its name";
    return sel;
  }
  sel.labels["driftwatch.io/workload"] = SanitizeLabel(workload, 63);
  sel.note = "not a Kubernetes workload name: apply the label driftwatch.io/workload=" +
             sel.labels["driftwatch.io/workload"] + " to its pods";
  sel.assumption = "selector assumes the label driftwatch.io/workload=" + sel.labels["driftwatch.io/workload"] +
                   ", which you apply to the workload's pods; to select them by a label they already carry, "
                   "edit spec.podSelector.matchLabels (NetworkPolicy) or spec.selector.matchLabels (KubeArmor)";
  return sel;
}

std::string MergedUsrAlias(std::string_view path) {
  for (std::string_view dir : {"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"}) {
    const std::string usr = "/usr/" + std::string(dir);
    if (path.substr(0, usr.size()) == usr) return "/" + std::string(path.substr(5));
  }
  return "";
}

const std::vector<std::string> kRuntimeSyscalls = {
    "capget", "capset",     "chdir", "close",      "epoll_pwait", "execve", "execveat",
    "fchown", "fstat",      "fstatfs", "futex",    "getdents64",  "getppid", "newfstatat",
    "openat", "prctl",      "read",  "setgid",     "setgroups",   "setuid",  "write"};

std::string FalcoId(const std::string& workload) {
  std::string out = "dw_";
  for (char c : workload) {
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '_';
  }
  return out;
}

Result<std::string> ExportJson(const model::Fingerprint& fp, const ExportSource& src) {
  auto doc = nlohmann::ordered_json::parse(store::FingerprintJson(fp), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status(ErrorCode::kInternal, "export json: the fingerprint did not render as a JSON object");
  }
  nlohmann::ordered_json out;
  out["source"] = {{"workload", src.workload},
                   {"version", src.version},
                   {"created", store::Rfc3339(src.created_ns)},
                   {"state", src.state},
                   {"db", src.db}};
  for (auto& [k, v] : doc.items()) out[k] = v;
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<std::string> ExportNetworkPolicy(const model::Fingerprint& fp, const ExportSource& src,
                                        std::vector<std::string>* notes, const ExportOptions& options) {
  const AllowList al = DeriveAllowList(fp);
  const WorkloadSelector sel = SelectorFor(fp.workload);
  std::vector<std::string> doc_notes;
  // One rule per (protocol, port): its peers are the learned ranges.
  std::map<std::pair<uint8_t, uint16_t>, std::set<std::string>> ingress, egress;
  std::set<std::string> loopback;
  std::set<std::string> resolvers;
  for (const PeerRule& p : al.peers) {
    if (p.loopback) {
      loopback.insert(std::string(model::DirectionName(p.direction)) + " " + ProtoName(p.protocol) + " " +
                      p.cidr + " port " + std::to_string(p.port));
      continue;
    }
    if (p.direction == model::Direction::kDns) {
      resolvers.insert(p.cidr);
    } else if (p.direction == model::Direction::kInbound) {
      ingress[{p.protocol, p.port}].insert(p.cidr);
    } else {
      egress[{p.protocol, p.port}].insert(p.cidr);
    }
  }
  if (!loopback.empty()) {
    std::string list;
    for (const auto& l : loopback) list += (list.empty() ? "" : ", ") + l;
    AddNote(notes, &doc_notes,
            "loopback traffic is not governed by NetworkPolicy and is left out: " + list);
  }
  if (!al.dns_names.empty()) {
    AddNote(notes, &doc_notes,
            std::to_string(al.dns_names.size()) +
                " DNS names: NetworkPolicy cannot restrict names; DNS egress is allowed to the cluster DNS");
  }
  YAML::Node doc;
  doc["apiVersion"] = "networking.k8s.io/v1";
  doc["kind"] = "NetworkPolicy";
  YAML::Node spec;
  YAML::Node pod;
  for (const auto& [k, v] : sel.labels) pod["matchLabels"][k] = v;
  spec["podSelector"] = pod;
  spec["policyTypes"].push_back("Ingress");
  spec["policyTypes"].push_back("Egress");
  // A peer whose workload is known and named the Kubernetes way is selected
  // by namespace and pod labels, which follow it across restarts; any other
  // is the address range seen in training.
  std::set<std::string> ip_peers, named_peers;
  auto peer_node = [&](const std::string& cidr) {
    YAML::Node peer;
    const size_t slash = cidr.find('/');
    const std::string address = cidr.substr(0, slash);
    const bool single = slash != std::string::npos && (cidr.substr(slash) == "/32" || cidr.substr(slash) == "/128");
    auto known = options.peers.find(address);
    if (single && known != options.peers.end()) {
      const WorkloadSelector other = SelectorFor(known->second);
      if (!other.namespace_.empty()) {
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] = other.namespace_;
        for (const auto& [k, v] : other.labels) peer["podSelector"]["matchLabels"][k] = v;
        named_peers.insert(address + " (" + known->second + ")");
        return peer;
      }
    }
    peer["ipBlock"]["cidr"] = cidr;
    ip_peers.insert(cidr);
    return peer;
  };
  auto rules = [&](const std::map<std::pair<uint8_t, uint16_t>, std::set<std::string>>& groups,
                   const char* peers_key) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& [key, cidrs] : groups) {
      YAML::Node rule;
      for (const auto& c : cidrs) rule[peers_key].push_back(peer_node(c));
      YAML::Node port;
      port["protocol"] = ProtoUpper(key.first);
      port["port"] = key.second;
      rule["ports"].push_back(port);
      list.push_back(rule);
    }
    return list;
  };
  spec["ingress"] = rules(ingress, "from");
  YAML::Node egress_rules = rules(egress, "to");
  // DNS keeps working: port 53 over UDP and TCP to the cluster DNS pods and to
  // the resolvers the workload was seen using.
  YAML::Node dns;
  YAML::Node kube_dns;
  kube_dns["namespaceSelector"] = YAML::Node(YAML::NodeType::Map);
  kube_dns["podSelector"]["matchLabels"]["k8s-app"] = "kube-dns";
  dns["to"].push_back(kube_dns);
  for (const auto& r : resolvers) {
    YAML::Node peer;
    peer["ipBlock"]["cidr"] = r;
    dns["to"].push_back(peer);
  }
  for (const char* proto : {"UDP", "TCP"}) {
    YAML::Node port;
    port["protocol"] = proto;
    port["port"] = 53;
    dns["ports"].push_back(port);
  }
  egress_rules.push_back(dns);
  spec["egress"] = egress_rules;
  std::vector<std::string> comments = {SourceLine(src)};
  if (!sel.assumption.empty()) comments.push_back(sel.assumption);
  if (!named_peers.empty()) {
    std::string list;
    for (const auto& n : named_peers) list += (list.empty() ? "" : ", ") + n;
    comments.push_back("peers selected by namespace and pod labels: " + list);
  }
  if (!ip_peers.empty()) {
    std::string list;
    for (const auto& c : ip_peers) list += (list.empty() ? "" : ", ") + c;
    AddNote(notes, &doc_notes,
            "ipBlock peers are the addresses seen in training (" + list +
                "); pod IPs change when pods are rescheduled: name a peer's workload (driftwatch export "
                "--peer ADDRESS=NAMESPACE/OWNER/CONTAINER) to select it by namespace and pod labels instead");
  }
  doc["metadata"] = Metadata(sel, src, doc_notes);
  doc["spec"] = spec;
  // apiVersion and kind first, as people write them.
  YAML::Node ordered;
  for (const char* k : {"apiVersion", "kind", "metadata", "spec"}) ordered[k] = doc[k];
  return EmitYaml(ordered, comments);
}

namespace {

const char* ScmpArch(const std::string& arch) {
  if (arch == "x86_64") return "SCMP_ARCH_X86_64";
  if (arch == "i386" || arch == "i686" || arch == "x86") return "SCMP_ARCH_X86";
  if (arch == "aarch64" || arch == "arm64") return "SCMP_ARCH_AARCH64";
  if (arch == "arm" || arch == "armv7l") return "SCMP_ARCH_ARM";
  if (arch == "riscv64") return "SCMP_ARCH_RISCV64";
  if (arch == "s390x") return "SCMP_ARCH_S390X";
  if (arch == "ppc64le") return "SCMP_ARCH_PPC64LE";
  return nullptr;
}

}  // namespace

Result<std::string> ExportSeccomp(const model::Fingerprint& fp, const ExportSource& src,
                                  std::vector<std::string>* notes) {
  if (fp.syscalls.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "workload " + fp.workload + " fingerprint v" + std::to_string(src.version) +
                      " has no syscalls; train it with driftwatch train --live --syscalls first");
  }
  const char* arch = ScmpArch(fp.syscall_arch);
  if (arch == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "workload " + fp.workload + ": syscall architecture '" +
                                                   fp.syscall_arch + "' has no seccomp name");
  }
  std::vector<std::string> doc_notes;
  std::set<std::string> names;
  for (const auto& [name, st] : fp.syscalls) names.insert(name);
  // The runtime (and dw-seccomp-run) loads the profile before it execs the
  // workload: what it calls in between must be allowed or the workload
  // never starts. Training, which follows the workload, does not see it.
  std::vector<std::string> added;
  for (const std::string& name : kRuntimeSyscalls) {
    if (names.insert(name).second) added.push_back(name);
  }
  if (!added.empty()) {
    std::string list;
    for (const auto& a : added) list += (list.empty() ? "" : ", ") + a;
    AddNote(notes, &doc_notes,
            "added for the container runtime, which applies the profile before it execs the workload "
            "(runc's set, opencontainers/runc#2097): " + list);
  }
  // Paths a workload takes rarely: training only saw what ran while it watched.
  static const std::vector<std::pair<const char*, const char*>> kRarelySeen = {
      {"exit_group", "process exit"},        {"exit", "thread exit"},
      {"rt_sigreturn", "return from a signal handler"}, {"restart_syscall", "a syscall restarted after a signal"},
      {"wait4", "reaping a child"},          {"clone", "new threads or processes"},
      {"clone3", "new threads or processes"}, {"munmap", "releasing memory"}};
  std::vector<std::string> unseen;
  for (const auto& [name, why] : kRarelySeen) {
    if (!names.count(name)) unseen.push_back(std::string(name) + " (" + why + ")");
  }
  std::string warning = "warning: training saw " + std::to_string(fp.training.events) +
                        " events; code paths that did not run meanwhile (shutdown, signals, errors, "
                        "reloads, rare requests) make syscalls missing from this profile, which fail with EPERM";
  if (!unseen.empty()) {
    warning += "; not seen:";
    for (size_t i = 0; i < unseen.size(); ++i) warning += (i ? ", " : " ") + unseen[i];
  }
  warning += ". Run it with dw-seccomp-run or driftwatch check first";
  AddNote(notes, &doc_notes, warning);
  nlohmann::ordered_json doc;
  doc["comment"] = SourceLine(src);
  doc["source"] = {{"workload", src.workload},
                   {"version", src.version},
                   {"created", store::Rfc3339(src.created_ns)},
                   {"state", src.state},
                   {"db", src.db}};
  doc["defaultAction"] = "SCMP_ACT_ERRNO";
  doc["defaultErrnoRet"] = 1;  // EPERM
  doc["architectures"] = {arch};
  doc["syscalls"] = nlohmann::ordered_json::array();
  doc["syscalls"].push_back({{"names", names}, {"action", "SCMP_ACT_ALLOW"}});
  if (!doc_notes.empty()) doc["notes"] = doc_notes;
  return doc.dump(2) + "\n";
}

Result<std::string> ExportKubeArmor(const model::Fingerprint& fp, const ExportSource& src,
                                    std::vector<std::string>* notes) {
  const AllowList al = DeriveAllowList(fp);
  const WorkloadSelector sel = SelectorFor(fp.workload);
  std::vector<std::string> doc_notes;
  YAML::Node spec;
  for (const auto& [k, v] : sel.labels) spec["selector"]["matchLabels"][k] = v;
  for (const auto& p : al.processes) {
    YAML::Node n;
    if (HasPlaceholder(p)) {
      n["pattern"] = PlaceholdersToGlob(p);
      spec["process"]["matchPatterns"].push_back(n);
    } else {
      n["path"] = p;
      spec["process"]["matchPaths"].push_back(n);
    }
  }
  for (const FileRule& f : al.files) {
    YAML::Node n;
    n["path"] = f.path;
    if (!Writes(f.access)) n["readOnly"] = true;
    spec["file"]["matchPaths"].push_back(n);
  }
  // KubeArmor patterns are AppArmor globs: '*' stays within one component.
  for (const FileRule& f : al.globs) {
    YAML::Node n;
    n["pattern"] = f.path;
    if (!Writes(f.access)) n["readOnly"] = true;
    spec["file"]["matchPatterns"].push_back(n);
  }
  for (const DirRule& d : al.dirs) {
    YAML::Node n;
    if (d.dir.find('*') != std::string::npos) {
      n["pattern"] = d.dir + (d.recursive ? "**" : "*");
      if (!Writes(d.access)) n["readOnly"] = true;
      spec["file"]["matchPatterns"].push_back(n);
      continue;
    }
    n["dir"] = d.dir;
    if (d.recursive) n["recursive"] = true;
    if (!Writes(d.access)) n["readOnly"] = true;
    spec["file"]["matchDirectories"].push_back(n);
  }
  std::set<std::string> protocols;
  for (const PeerRule& p : al.peers) protocols.insert(ProtoName(p.protocol));
  for (const PeerRule& p : al.listens) protocols.insert(ProtoName(p.protocol));
  for (const auto& p : protocols) {
    YAML::Node n;
    n["protocol"] = p;
    spec["network"]["matchProtocols"].push_back(n);
  }
  if (!al.peers.empty()) {
    AddNote(notes, &doc_notes,
            "KubeArmor network rules match protocols only: the learned peers and ports are not "
            "restricted (export networkpolicy for them)");
  }
  if (!al.lineage.empty()) {
    AddNote(notes, &doc_notes, "process lineage (which parent runs which executable) is not expressed");
  }
  if (!al.syscalls.empty()) {
    AddNote(notes, &doc_notes, "syscalls are not expressed (export seccomp for them)");
  }
  spec["action"] = "Allow";
  YAML::Node doc;
  doc["apiVersion"] = "security.kubearmor.com/v1";
  doc["kind"] = "KubeArmorPolicy";
  doc["metadata"] = Metadata(sel, src, doc_notes);
  doc["spec"] = spec;
  std::vector<std::string> comments = {SourceLine(src)};
  if (!sel.assumption.empty()) comments.push_back(sel.assumption);
  return EmitYaml(doc, comments);
}

namespace {

// A Falco list item: quoted when it holds anything but path-like characters.
std::string FalcoItem(const std::string& s) {
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' || c == '-' ||
          c == ':')) {
      return "\"" + s + "\"";
    }
  }
  return s;
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

YAML::Node FalcoList(const std::string& name, const std::vector<std::string>& items) {
  YAML::Node n;
  n["list"] = name;
  n["items"] = YAML::Node(YAML::NodeType::Sequence);
  for (const auto& i : items) n["items"].push_back(FalcoItem(i));
  return n;
}

YAML::Node FalcoMacro(const std::string& name, const std::string& condition) {
  YAML::Node n;
  n["macro"] = name;
  n["condition"] = condition;
  return n;
}

YAML::Node FalcoRule(const std::string& name, const std::string& desc, const std::string& condition,
                     const std::string& output, const std::string& priority) {
  YAML::Node n;
  n["rule"] = name;
  n["desc"] = desc;
  n["condition"] = condition;
  n["output"] = output;
  n["priority"] = priority;
  n["tags"].push_back("driftwatch");
  return n;
}

std::string OrJoin(const std::vector<std::string>& terms, const std::string& never) {
  if (terms.empty()) return never;
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? "" : " or ") + t;
  return "(" + out + ")";
}

}  // namespace

Result<std::string> ExportFalco(const model::Fingerprint& fp, const ExportSource& src,
                                std::vector<std::string>* notes) {
  const AllowList al = DeriveAllowList(fp);
  const std::string id = FalcoId(fp.workload);
  std::vector<std::string> doc_notes;
  YAML::Node doc(YAML::NodeType::Sequence);

  // Which events belong to the workload.
  std::string selector;
  {
    const WorkloadSelector sel = SelectorFor(fp.workload);
    auto slash1 = fp.workload.find('/');
    if (!sel.namespace_.empty()) {
      std::string container = fp.workload.substr(fp.workload.rfind('/') + 1);
      selector = "k8s.ns.name = " + Quoted(sel.namespace_) + " and container.name = " + Quoted(container);
    } else if (fp.workload.rfind("docker/", 0) == 0) {
      selector = "container.name = " + Quoted(fp.workload.substr(slash1 + 1));
    } else {
      selector = "proc.cgroups contains " + Quoted(fp.workload);
    }
  }
  const std::string never = id + "_never";
  doc.push_back(FalcoMacro(never, "(evt.num = 0)"));
  doc.push_back(FalcoMacro(id + "_workload", "(" + selector + ")"));

  // Falco compares paths as the process called them; the fingerprint holds
  // them resolved. Where merged /usr gives a path a second spelling, both go
  // into the lists.
  const auto both_spellings = [](const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const auto& p : paths) {
      out.push_back(p);
      if (std::string alias = MergedUsrAlias(p); !alias.empty()) out.push_back(alias);
    }
    return out;
  };
  bool aliased = false;
  for (const auto& p : al.processes) aliased |= !MergedUsrAlias(p).empty();
  for (const auto& f : al.files) aliased |= !MergedUsrAlias(f.path).empty();

  // Processes.
  doc.push_back(FalcoList(id + "_processes", both_spellings(al.processes)));
  doc.push_back(FalcoRule(
      id + "_unexpected_process", "A process the driftwatch baseline of " + fp.workload + " never ran",
      "evt.type in (execve, execveat) and evt.dir = < and " + id + "_workload and not proc.exepath in (" +
          id + "_processes)",
      "Process outside the baseline of " + fp.workload +
          " (exe=%proc.exepath cmdline=%proc.cmdline parent=%proc.pname container=%container.name)",
      "WARNING"));

  // Files: exact lists, then directories and globs in macros.
  std::vector<std::string> all_files, written_files;
  std::vector<std::string> any_terms, write_terms;
  for (const FileRule& f : al.files) {
    all_files.push_back(f.path);
    if (Writes(f.access)) written_files.push_back(f.path);
  }
  for (const FileRule& g : al.globs) {
    for (const std::string& path : both_spellings({g.path})) {
      std::string t = "fd.name glob " + Quoted(path);
      any_terms.push_back(t);
      if (Writes(g.access)) write_terms.push_back(t);
    }
  }
  bool widened = !al.globs.empty();
  for (const DirRule& d : al.dirs) {
    for (const std::string& dir : both_spellings({d.dir})) {
      std::string t;
      if (dir.find('*') != std::string::npos) {
        t = "fd.name glob " + Quoted(dir + "*");
        widened = true;
      } else if (d.recursive) {
        t = "fd.name startswith " + Quoted(dir);
      } else {
        t = "fd.directory = " + Quoted(dir.substr(0, dir.size() - 1));
      }
      any_terms.push_back(t);
      if (Writes(d.access)) write_terms.push_back(t);
    }
  }
  if (widened) {
    AddNote(notes, &doc_notes,
            "Falco's glob '*' also matches '/': paths with placeholders allow any depth there");
  }
  doc.push_back(FalcoList(id + "_files", both_spellings(all_files)));
  doc.push_back(FalcoList(id + "_files_written", both_spellings(written_files)));
  doc.push_back(FalcoMacro(id + "_file_allowed",
                           "(fd.name in (" + id + "_files) or " + OrJoin(any_terms, never) + ")"));
  doc.push_back(FalcoMacro(id + "_file_write_allowed", "(fd.name in (" + id + "_files_written) or " +
                                                           OrJoin(write_terms, never) + ")"));
  const std::string open = "evt.type in (open, openat, openat2) and evt.dir = < and " + id + "_workload";
  doc.push_back(FalcoRule(id + "_unexpected_file",
                          "A file the driftwatch baseline of " + fp.workload + " never opened",
                          open + " and not " + id + "_file_allowed",
                          "File outside the baseline of " + fp.workload +
                              " (file=%fd.name flags=%evt.arg.flags exe=%proc.exepath container=%container.name)",
                          "WARNING"));
  doc.push_back(FalcoRule(id + "_unexpected_file_write",
                          "A file the driftwatch baseline of " + fp.workload + " never wrote",
                          open + " and evt.is_open_write = true and " + id + "_file_allowed and not " + id +
                              "_file_write_allowed",
                          "File written outside the baseline of " + fp.workload +
                              " (file=%fd.name exe=%proc.exepath container=%container.name)",
                          "WARNING"));

  // Peers: one list of ranges per direction, protocol and port.
  std::map<std::tuple<bool, uint8_t, uint16_t>, std::vector<std::string>> groups;
  for (const PeerRule& p : al.peers) {
    bool inbound = p.direction == model::Direction::kInbound;
    groups[{inbound, p.protocol, p.port}].push_back(p.cidr);
  }
  std::vector<std::string> out_terms, in_terms;
  for (const auto& [key, cidrs] : groups) {
    const auto& [inbound, proto, port] = key;
    std::string list = id + (inbound ? "_in_" : "_out_") + ProtoName(proto) + "_" + std::to_string(port);
    doc.push_back(FalcoList(list, cidrs));
    std::string term = "(fd.l4proto = " + std::string(ProtoName(proto)) + " and fd.sport = " +
                       std::to_string(port) + " and " + (inbound ? "fd.cnet" : "fd.snet") + " in (" + list + "))";
    (inbound ? in_terms : out_terms).push_back(term);
  }
  doc.push_back(FalcoMacro(id + "_outbound_allowed", OrJoin(out_terms, never)));
  doc.push_back(FalcoMacro(id + "_inbound_allowed", OrJoin(in_terms, never)));
  doc.push_back(FalcoRule(id + "_unexpected_outbound",
                          "A connection to a peer the driftwatch baseline of " + fp.workload + " never used",
                          "evt.type = connect and evt.dir = < and fd.l4proto in (tcp, udp) and " + id +
                              "_workload and not " + id + "_outbound_allowed",
                          "Connection outside the baseline of " + fp.workload +
                              " (connection=%fd.name exe=%proc.exepath container=%container.name)",
                          "WARNING"));
  doc.push_back(FalcoRule(id + "_unexpected_inbound",
                          "A connection accepted from a client or on a port the driftwatch baseline of " +
                              fp.workload + " never saw",
                          "evt.type in (accept, accept4) and evt.dir = < and " + id + "_workload and not " + id +
                              "_inbound_allowed",
                          "Inbound connection outside the baseline of " + fp.workload +
                              " (connection=%fd.name exe=%proc.exepath container=%container.name)",
                          "WARNING"));
  if (!al.dns_names.empty()) {
    AddNote(notes, &doc_notes, "DNS query names are not expressed (Falco sees resolvers, not names)");
  }
  if (!al.listens.empty()) {
    AddNote(notes, &doc_notes, "listening addresses are not expressed; inbound rules cover accepted connections");
  }
  if (!al.lineage.empty()) {
    AddNote(notes, &doc_notes, "process lineage (which parent runs which executable) is not expressed");
  }
  std::vector<std::string> comments = {SourceLine(src), "selector: " + selector};
  if (aliased) {
    comments.push_back(
        "paths under /usr/bin, /usr/sbin and /usr/lib* are listed twice, also as /bin, /sbin and /lib*: "
        "on a merged-/usr system a process may call them either way and Falco compares the path as called");
  }
  for (const auto& n : doc_notes) comments.push_back("not expressed: " + n);
  return EmitYaml(doc, comments);
}

Result<std::string> Export(ExportFormat format, const model::Fingerprint& fp, const ExportSource& src,
                           std::vector<std::string>* notes, const ExportOptions& options) {
  switch (format) {
    case ExportFormat::kJson: return ExportJson(fp, src);
    case ExportFormat::kNetworkPolicy: return ExportNetworkPolicy(fp, src, notes, options);
    case ExportFormat::kSeccomp: return ExportSeccomp(fp, src, notes);
    case ExportFormat::kKubeArmor: return ExportKubeArmor(fp, src, notes);
    case ExportFormat::kFalco: return ExportFalco(fp, src, notes);
  }
  return Status(ErrorCode::kInternal, "export: unknown format");
}

}  // namespace dw::tools
