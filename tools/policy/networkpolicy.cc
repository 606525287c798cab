// tools/policy/networkpolicy.cc: a Kubernetes NetworkPolicy (ExportNetworkPolicy).
#include "tools/policy/export.h"

#include <set>
#include <tuple>

#include "collector/event.h"
#include "tools/policy/render.h"

namespace dw::tools {

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

}  // namespace dw::tools
