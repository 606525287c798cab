// tools/policy/check.cc: exported documents parsed back and applied to events.
// yaml-cpp's exceptions stop at Parse().
#include "tools/policy/check.h"

#include <optional>
#include <regex>
#include <set>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "model/address.h"
#include "model/generalize.h"
#include "store/fingerprint_json.h"

namespace dw::tools {

// The parts of a document the checks need, per format.
class ParsedPolicy {
 public:
  ExportFormat format = ExportFormat::kJson;

  // kubearmor, falco: processes.
  std::set<std::string> processes;
  std::vector<std::string> process_patterns;  // kubearmor matchPatterns
  // kubearmor, falco: files.
  struct PathRule {
    enum Kind { kExact, kGlob, kAnyGlob, kDir, kDirRecursive } kind = kExact;
    std::string path;  // kDir*: ends with '/'
    bool write = false;
  };
  std::vector<PathRule> paths;
  // networkpolicy.
  struct NpRule {
    std::vector<std::pair<std::string, std::vector<std::string>>> cidrs;  // cidr, except
    bool any_peer = false;      // no from/to: every peer
    bool selector_peer = false; // a pod/namespace selector: assumed to be the cluster DNS
    std::vector<std::pair<std::string, int>> ports;  // ("TCP", 80); empty: every port
  };
  std::vector<NpRule> ingress, egress;
  // falco: peers per direction.
  struct FalcoNet {
    bool inbound = false;
    std::string proto;
    int port = 0;
    std::vector<std::string> cidrs;
  };
  std::vector<FalcoNet> falco_net;
  // kubearmor.
  std::set<std::string> protocols;
  // seccomp.
  std::set<std::string> syscalls;
  // json.
  model::Fingerprint fp;

  std::string Blocks(const model::ItemRef& item) const;

 private:
  std::string BlocksFile(const model::ItemRef& item, const char* what) const;
  std::string BlocksNetworkPolicy(const model::NetItem& n) const;
  std::string BlocksFalcoNet(const model::NetItem& n) const;
};

namespace {

bool Writes(uint8_t access) { return (access & (kAccessWrite | kAccessCreate)) != 0; }
const char* ProtoName(uint8_t p) { return p == 17 ? "udp" : p == 132 ? "sctp" : "tcp"; }

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

Status Bad(const std::string& what) { return Status(ErrorCode::kInvalidArgument, what); }

Status ParseNetworkPolicy(const YAML::Node& doc, ParsedPolicy* p) {
  if (doc["apiVersion"].as<std::string>("") != "networking.k8s.io/v1" ||
      doc["kind"].as<std::string>("") != "NetworkPolicy") {
    return Bad("not a networking.k8s.io/v1 NetworkPolicy");
  }
  const YAML::Node spec = doc["spec"];
  if (!spec.IsMap()) return Bad("NetworkPolicy without spec");
  auto rules = [](const YAML::Node& list, const char* peers_key, std::vector<ParsedPolicy::NpRule>* out) {
    if (!list) return;
    for (const auto& r : list) {
      ParsedPolicy::NpRule rule;
      const YAML::Node peers = r[peers_key];
      if (!peers || peers.size() == 0) rule.any_peer = true;
      if (peers) {
        for (const auto& peer : peers) {
          if (peer["ipBlock"]) {
            std::vector<std::string> except;
            if (peer["ipBlock"]["except"]) {
              for (const auto& e : peer["ipBlock"]["except"]) except.push_back(e.as<std::string>());
            }
            rule.cidrs.push_back({peer["ipBlock"]["cidr"].as<std::string>(), except});
          } else if (peer["podSelector"] || peer["namespaceSelector"]) {
            rule.selector_peer = true;
          }
        }
      }
      if (r["ports"]) {
        for (const auto& port : r["ports"]) {
          rule.ports.push_back({port["protocol"].as<std::string>("TCP"), port["port"].as<int>(0)});
        }
      }
      out->push_back(std::move(rule));
    }
  };
  bool ingress = false, egress = false;
  for (const auto& t : spec["policyTypes"]) {
    ingress |= t.as<std::string>() == "Ingress";
    egress |= t.as<std::string>() == "Egress";
  }
  if (!ingress || !egress) return Bad("NetworkPolicy policyTypes must hold Ingress and Egress");
  rules(spec["ingress"], "from", &p->ingress);
  rules(spec["egress"], "to", &p->egress);
  return Status::Ok();
}

Status ParseKubeArmor(const YAML::Node& doc, ParsedPolicy* p) {
  if (doc["apiVersion"].as<std::string>("") != "security.kubearmor.com/v1" ||
      doc["kind"].as<std::string>("") != "KubeArmorPolicy") {
    return Bad("not a security.kubearmor.com/v1 KubeArmorPolicy");
  }
  const YAML::Node spec = doc["spec"];
  if (!spec.IsMap() || spec["action"].as<std::string>("") != "Allow") {
    return Bad("KubeArmorPolicy spec.action is not Allow");
  }
  if (spec["process"]) {
    for (const auto& m : spec["process"]["matchPaths"]) p->processes.insert(m["path"].as<std::string>());
    for (const auto& m : spec["process"]["matchPatterns"]) p->process_patterns.push_back(m["pattern"].as<std::string>());
  }
  if (spec["file"]) {
    const YAML::Node file = spec["file"];
    for (const auto& m : file["matchPaths"]) {
      p->paths.push_back({ParsedPolicy::PathRule::kExact, m["path"].as<std::string>(), !m["readOnly"].as<bool>(false)});
    }
    for (const auto& m : file["matchPatterns"]) {
      p->paths.push_back({ParsedPolicy::PathRule::kGlob, m["pattern"].as<std::string>(), !m["readOnly"].as<bool>(false)});
    }
    for (const auto& m : file["matchDirectories"]) {
      p->paths.push_back({m["recursive"].as<bool>(false) ? ParsedPolicy::PathRule::kDirRecursive
                                                         : ParsedPolicy::PathRule::kDir,
                          m["dir"].as<std::string>(), !m["readOnly"].as<bool>(false)});
    }
  }
  if (spec["network"]) {
    for (const auto& m : spec["network"]["matchProtocols"]) p->protocols.insert(m["protocol"].as<std::string>());
  }
  return Status::Ok();
}

// Path terms of a Falco macro condition, as ExportFalco writes them.
void FalcoPathTerms(const std::string& condition, bool write, ParsedPolicy* p) {
  static const std::regex term(R"re(fd\.(name glob|name startswith|directory =) "((?:[^"\\]|\\.)*)")re");
  for (std::sregex_iterator it(condition.begin(), condition.end(), term), end; it != end; ++it) {
    const std::string op = (*it)[1];
    const std::string arg = (*it)[2];
    ParsedPolicy::PathRule r;
    r.write = write;
    if (op == "name glob") {
      r.kind = ParsedPolicy::PathRule::kAnyGlob;
      r.path = arg;
    } else if (op == "name startswith") {
      r.kind = ParsedPolicy::PathRule::kDirRecursive;
      r.path = arg;
    } else {
      r.kind = ParsedPolicy::PathRule::kDir;
      r.path = arg + "/";
    }
    p->paths.push_back(std::move(r));
  }
}

Status ParseFalco(const YAML::Node& doc, const std::string& workload, ParsedPolicy* p) {
  if (!doc.IsSequence()) return Bad("a Falco rules file is a YAML sequence");
  std::map<std::string, std::vector<std::string>> lists;
  std::map<std::string, std::string> macros;
  std::set<std::string> rules;
  for (const auto& e : doc) {
    if (e["list"]) {
      std::vector<std::string> items;
      for (const auto& i : e["items"]) items.push_back(Unquote(i.as<std::string>()));
      lists[e["list"].as<std::string>()] = items;
    } else if (e["macro"]) {
      macros[e["macro"].as<std::string>()] = e["condition"].as<std::string>();
    } else if (e["rule"]) {
      rules.insert(e["rule"].as<std::string>());
    }
  }
  const std::string id = FalcoId(workload);
  for (const char* need : {"_processes", "_files", "_files_written"}) {
    if (!lists.count(id + need)) return Bad("Falco rules without the list " + id + need);
  }
  for (const char* need : {"_file_allowed", "_file_write_allowed", "_outbound_allowed", "_inbound_allowed"}) {
    if (!macros.count(id + need)) return Bad("Falco rules without the macro " + id + need);
  }
  for (const auto& s : lists[id + "_processes"]) p->processes.insert(s);
  for (const auto& s : lists[id + "_files"]) p->paths.push_back({ParsedPolicy::PathRule::kExact, s, false});
  for (const auto& s : lists[id + "_files_written"]) p->paths.push_back({ParsedPolicy::PathRule::kExact, s, true});
  FalcoPathTerms(macros[id + "_file_allowed"], false, p);
  FalcoPathTerms(macros[id + "_file_write_allowed"], true, p);
  static const std::regex net(
      R"re(fd\.l4proto = (\w+) and fd\.sport = (\d+) and fd\.(cnet|snet) in \((\w+)\))re");
  for (const char* m : {"_outbound_allowed", "_inbound_allowed"}) {
    const std::string& cond = macros[id + m];
    for (std::sregex_iterator it(cond.begin(), cond.end(), net), end; it != end; ++it) {
      ParsedPolicy::FalcoNet fnet;
      fnet.proto = (*it)[1];
      fnet.port = std::stoi((*it)[2]);
      fnet.inbound = (*it)[3] == "cnet";
      const std::string list = (*it)[4];
      if (!lists.count(list)) return Bad("Falco macro " + id + m + " uses the undefined list " + list);
      fnet.cidrs = lists[list];
      p->falco_net.push_back(std::move(fnet));
    }
  }
  return Status::Ok();
}

Status ParseSeccomp(const nlohmann::json& j, ParsedPolicy* p) {
  if (!j.is_object() || !j.contains("defaultAction") || !j["syscalls"].is_array()) {
    return Bad("not an OCI seccomp profile (defaultAction, syscalls)");
  }
  for (const auto& s : j["syscalls"]) {
    if (s.value("action", "") != "SCMP_ACT_ALLOW" || !s["names"].is_array()) continue;
    for (const auto& n : s["names"]) p->syscalls.insert(n.get<std::string>());
  }
  return Status::Ok();
}

uint8_t AccessOf(const nlohmann::json& j) {
  uint8_t a = 0;
  if (!j.contains("access") || !j["access"].is_array()) return a;
  for (const auto& s : j["access"]) {
    if (s.is_string()) a |= AccessBitOf(s.get<std::string>());
  }
  return a;
}

Result<model::NetItem> NetOf(const nlohmann::json& j) {
  model::NetItem n;
  const std::string d = j.value("direction", "");
  if (d == "outbound") n.direction = model::Direction::kOutbound;
  else if (d == "inbound") n.direction = model::Direction::kInbound;
  else if (d == "listen") n.direction = model::Direction::kListen;
  else if (d == "dns") n.direction = model::Direction::kDns;
  else return Bad("network item with direction '" + d + "'");
  const std::string proto = j.value("protocol", "tcp");
  n.protocol = proto == "udp" ? 17 : proto == "tcp" ? 6 : static_cast<uint8_t>(std::atoi(proto.c_str()));
  n.address = j.value("address", "");
  n.port = j.value("port", uint16_t{0});
  return n;
}

Status ParseJson(const nlohmann::json& j, ParsedPolicy* p) {
  if (!j.is_object() || !j.contains("workload") || !j.contains("executables")) {
    return Bad("not a driftwatch fingerprint (workload, executables)");
  }
  model::Fingerprint& fp = p->fp;
  fp.workload = j["workload"].get<std::string>();
  model::ItemStats one;
  one.count = 1;
  auto named = [&](const char* table, const char* key, std::map<std::string, model::ItemStats>* out) {
    if (!j.contains(table)) return;
    for (const auto& e : j[table]) {
      model::ItemStats st = one;
      st.access = AccessOf(e);
      (*out)[e.value(key, "")] = st;
    }
  };
  named("executables", "path", &fp.executables);
  named("lineage", "edge", &fp.lineage);
  named("files", "path", &fp.files);
  named("dns_names", "name", &fp.dns_names);
  named("syscalls", "name", &fp.syscalls);
  if (j.contains("file_patterns")) {
    for (const auto& e : j["file_patterns"]) {
      model::Generalization g;
      g.stats = one;
      g.stats.access = AccessOf(e);
      fp.file_patterns[e.value("pattern", "")] = g;
    }
  }
  if (j.contains("network")) {
    for (const auto& e : j["network"]) {
      ASSIGN_OR_RETURN(model::NetItem n, NetOf(e));
      fp.network[n] = one;
    }
  }
  if (j.contains("network_patterns")) {
    for (const auto& e : j["network_patterns"]) {
      ASSIGN_OR_RETURN(model::NetItem n, NetOf(e));
      model::Generalization g;
      g.stats = one;
      fp.net_patterns[n] = g;
    }
  }
  return Status::Ok();
}

bool MatchPathRule(const ParsedPolicy::PathRule& r, const std::string& path) {
  using K = ParsedPolicy::PathRule;
  switch (r.kind) {
    case K::kExact: return r.path == path;
    case K::kGlob: return PathGlobMatch(r.path, path);
    case K::kAnyGlob: {  // Falco's glob: '*' crosses '/'
      std::string any;
      for (char c : r.path) any += c == '*' ? std::string("**") : std::string(1, c);
      return PathGlobMatch(any, path);
    }
    case K::kDir:
      return path.size() > r.path.size() && path.compare(0, r.path.size(), r.path) == 0 &&
             path.find('/', r.path.size()) == std::string::npos;
    case K::kDirRecursive:
      return path.size() > r.path.size() && path.compare(0, r.path.size(), r.path) == 0;
  }
  return false;
}

}  // namespace

std::string ParsedPolicy::BlocksFile(const model::ItemRef& item, const char* what) const {
  bool any = false;
  for (const PathRule& r : paths) {
    if (!MatchPathRule(r, item.key)) continue;
    any = true;
    if (!Writes(item.access) || r.write) return "";
  }
  if (!any) return std::string("no ") + what + " rule allows this path";
  return std::string("only read access is allowed by the ") + what + " rules";
}

std::string ParsedPolicy::BlocksNetworkPolicy(const model::NetItem& n) const {
  if (n.direction == model::Direction::kListen || model::IsLoopbackAddress(n.address)) return "";
  const bool inbound = n.direction == model::Direction::kInbound;
  const std::string proto = Upper(ProtoName(n.protocol));
  for (const NpRule& r : inbound ? ingress : egress) {
    bool port_ok = r.ports.empty();
    for (const auto& [p, port] : r.ports) port_ok |= p == proto && (port == 0 || port == n.port);
    if (!port_ok) continue;
    if (r.any_peer) return "";
    if (r.selector_peer && n.port == 53) return "";
    for (const auto& [cidr, except] : r.cidrs) {
      if (!model::CidrContains(cidr, n.address)) continue;
      bool excepted = false;
      for (const auto& e : except) excepted |= model::CidrContains(e, n.address);
      if (!excepted) return "";
    }
  }
  return inbound ? "no ingress rule allows this client and port" : "no egress rule allows this peer and port";
}

std::string ParsedPolicy::BlocksFalcoNet(const model::NetItem& n) const {
  if (n.direction == model::Direction::kListen) return "";
  const bool inbound = n.direction == model::Direction::kInbound;
  for (const FalcoNet& r : falco_net) {
    if (r.inbound != inbound || r.proto != ProtoName(n.protocol) || r.port != n.port) continue;
    for (const auto& c : r.cidrs) {
      if (model::CidrContains(c, n.address)) return "";
    }
  }
  return inbound ? "outside the allowed inbound clients and ports" : "outside the allowed peers and ports";
}

std::string ParsedPolicy::Blocks(const model::ItemRef& item) const {
  using T = model::ItemRef::Table;
  switch (format) {
    case ExportFormat::kSeccomp:
      if (item.table != T::kSyscall) return "";
      return syscalls.count(item.key) ? "" : "not allowed by the profile (errno)";
    case ExportFormat::kNetworkPolicy:
      return item.table == T::kNetwork ? BlocksNetworkPolicy(item.net) : "";
    case ExportFormat::kKubeArmor:
      if (item.table == T::kExecutable) {
        if (processes.count(item.key)) return "";
        for (const auto& pat : process_patterns) {
          if (PathGlobMatch(pat, item.key)) return "";
        }
        return "not in spec.process";
      }
      if (item.table == T::kFile) return BlocksFile(item, "spec.file");
      if (item.table == T::kNetwork) {
        return protocols.count(ProtoName(item.net.protocol)) ? "" : "protocol not in spec.network";
      }
      return "";
    case ExportFormat::kFalco:
      if (item.table == T::kExecutable) return processes.count(item.key) ? "" : "not in the processes list";
      if (item.table == T::kFile) return BlocksFile(item, "file");
      if (item.table == T::kNetwork) return BlocksFalcoNet(item.net);
      return "";
    case ExportFormat::kJson: {
      model::ItemMatch m = model::LookupItem(fp, item);
      if (m.stats == nullptr) return "not in the fingerprint";
      if ((item.access & ~m.stats->access) != 0 && item.table == T::kFile) {
        return "access never seen in training";
      }
      return "";
    }
  }
  return "";
}

const char* ItemKindName(const model::ItemRef& item) {
  switch (item.table) {
    case model::ItemRef::Table::kExecutable: return "exec";
    case model::ItemRef::Table::kLineage: return "lineage";
    case model::ItemRef::Table::kFile: return "file";
    case model::ItemRef::Table::kNetwork: return "network";
    case model::ItemRef::Table::kDns: return "dns";
    case model::ItemRef::Table::kSyscall: return "syscall";
  }
  return "?";
}

PolicyCheck::PolicyCheck(std::unique_ptr<ParsedPolicy> policy) : policy_(std::move(policy)) {}
PolicyCheck::~PolicyCheck() = default;

Result<std::unique_ptr<PolicyCheck>> PolicyCheck::Parse(ExportFormat format, std::string_view document,
                                                        const std::string& workload) {
  auto p = std::make_unique<ParsedPolicy>();
  p->format = format;
  const std::string what = std::string("parse the ") + ExportFormatName(format) + " export";
  if (format == ExportFormat::kJson || format == ExportFormat::kSeccomp) {
    auto j = nlohmann::json::parse(document.begin(), document.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Bad(what + ": not JSON");
    try {
      Status s = format == ExportFormat::kJson ? ParseJson(j, p.get()) : ParseSeccomp(j, p.get());
      if (!s.ok()) return s.WithContext(what);
    } catch (const nlohmann::json::exception& e) {
      return Bad(what + ": " + e.what());
    }
  } else {
    try {
      YAML::Node doc = YAML::Load(std::string(document));
      Status s = format == ExportFormat::kNetworkPolicy ? ParseNetworkPolicy(doc, p.get())
                 : format == ExportFormat::kKubeArmor   ? ParseKubeArmor(doc, p.get())
                                                        : ParseFalco(doc, workload, p.get());
      if (!s.ok()) return s.WithContext(what);
    } catch (const YAML::Exception& e) {
      return Bad(what + ": " + e.what());
    }
  }
  return std::unique_ptr<PolicyCheck>(new PolicyCheck(std::move(p)));
}

std::string PolicyCheck::Blocks(const model::ItemRef& item) const { return policy_->Blocks(item); }

void PolicyCheck::Observe(const Event& e) {
  ++events_;
  if (e.kind == EventKind::kSyscall) ++syscall_events_;
  for (const model::ItemRef& item : model::ItemsOf(e)) {
    std::string reason = policy_->Blocks(item);
    if (reason.empty()) continue;
    auto key = std::make_pair(std::string(ItemKindName(item)), item.subject);
    auto [it, inserted] = index_.emplace(key, blocked_.size());
    if (inserted) {
      blocked_.push_back({key.first, item.subject, reason, 0, e.time_ns, e.process.exe});
    }
    ++blocked_[it->second].count;
  }
}

std::vector<Blocked> PolicyCheck::blocked() const { return blocked_; }

std::string BlockedJson(const Blocked& b) {
  nlohmann::ordered_json j;
  j["kind"] = b.kind;
  j["subject"] = b.subject;
  j["reason"] = b.reason;
  j["count"] = b.count;
  j["first_time"] = store::Rfc3339(b.first_ns);
  j["exe"] = b.exe;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string BlockedText(const Blocked& b) {
  return "would block " + b.kind + " " + b.subject + ": " + b.reason + " (" + std::to_string(b.count) +
         (b.count == 1 ? " event" : " events") + ", first " + store::Rfc3339(b.first_ns) + ", exe " +
         (b.exe.empty() ? std::string("?") : b.exe) + ")";
}

}  // namespace dw::tools
