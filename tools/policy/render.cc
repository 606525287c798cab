// tools/policy/render.cc: the helpers every exporter shares
// (tools/policy/render.h) and the Kubernetes side of a workload name
// (SelectorFor, tools/policy/export.h).
#include "tools/policy/render.h"

#include <cctype>
#include <map>

#include "bpf/events.h"
#include "store/fingerprint_json.h"

namespace dw::tools {
namespace {

constexpr char kNotExpressedKey[] = "driftwatch.io/not-expressed";
constexpr char kQuotedTag[] = "!driftwatch-quoted";

// The provenance every YAML document carries as annotations.
std::map<std::string, std::string> SourceAnnotations(const ExportSource& src) {
  return {{"driftwatch.io/workload", src.workload},
          {"driftwatch.io/fingerprint-version", std::to_string(src.version)},
          {"driftwatch.io/fingerprint-created", store::Rfc3339(src.created_ns)},
          {"driftwatch.io/baseline-state", src.state},
          {"driftwatch.io/database", src.db}};
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

bool HasPlaceholder(std::string_view path) {
  size_t open = path.find('<');
  return open != std::string_view::npos && path.find('>', open) != std::string_view::npos;
}

const char* ProtoName(uint8_t p) { return p == 17 ? "udp" : p == 132 ? "sctp" : "tcp"; }
std::string ProtoUpper(uint8_t p) { return p == 17 ? "UDP" : p == 132 ? "SCTP" : "TCP"; }

bool Writes(uint8_t access) { return (access & (kAccessWrite | kAccessCreate)) != 0; }

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

std::string EmitYaml(const YAML::Node& doc, const std::vector<std::string>& comments) {
  YAML::Emitter out;
  for (const auto& c : comments) out << YAML::Comment(c) << YAML::Newline;
  EmitNode(out, doc);
  return std::string(out.c_str()) + "\n";
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

}  // namespace dw::tools
