// tools/policy/kubearmor.cc: a KubeArmorPolicy (ExportKubeArmor).
#include "tools/policy/export.h"

#include <set>

#include "collector/event.h"
#include "tools/policy/render.h"

namespace dw::tools {

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

}  // namespace dw::tools
