// tools/policy/falco.cc: a Falco rules file (ExportFalco, FalcoId).
#include "tools/policy/export.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "collector/event.h"
#include "tools/policy/render.h"

namespace dw::tools {

std::string FalcoId(const std::string& workload) {
  std::string out = "dw_";
  for (char c : workload) {
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '_';
  }
  return out;
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
    } else if (fp.workload.starts_with("docker/") || fp.workload.starts_with("podman/")) {
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

}  // namespace dw::tools
