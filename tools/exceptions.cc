// tools/exceptions.cc: the exceptions file (YAML, strict keys, located errors)
// and matching. yaml-cpp's exceptions are caught here.
#include "tools/exceptions.h"

#include <fnmatch.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>

namespace dw::tools {
namespace {

using Node = YAML::Node;

constexpr std::array kKinds = {model::FindingKind::kExec,    model::FindingKind::kFile,
                               model::FindingKind::kNetwork, model::FindingKind::kSyscall,
                               model::FindingKind::kRate,    model::FindingKind::kUnprofiled};

int Line(const Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

Status At(const std::string& source, const Node& n, const std::string& what) {
  std::string where = "exceptions " + source;
  if (int line = Line(n); line > 0) where += " line " + std::to_string(line);
  return Status(ErrorCode::kInvalidArgument, where + ": " + what);
}

Result<std::string> Text(const std::string& source, const Node& entry, const char* key, bool required) {
  const Node n = entry[key];
  if (!n || n.IsNull()) {
    if (required) {
      return At(source, entry,
                std::string(key) + " is required" +
                    (std::string(key) == "comment" ? " (say why the findings it matches are expected)" : ""));
    }
    return std::string();
  }
  if (!n.IsScalar()) return At(source, n, std::string(key) + " must be a single value");
  std::string v = n.as<std::string>();
  if (required && v.empty()) return At(source, n, std::string(key) + " must not be empty");
  return v;
}

Result<Exception> ParseEntry(const std::string& source, const Node& entry) {
  if (!entry.IsMap()) {
    return At(source, entry, "an exception must be a mapping with workload, kind, subject and comment");
  }
  static const std::set<std::string> kKeys = {"name", "workload", "kind", "subject", "process", "comment"};
  for (auto it = entry.begin(); it != entry.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    if (!kKeys.count(key)) {
      return At(source, it->first,
                "unknown key '" + key + "' (want name, workload, kind, subject, process, comment)");
    }
  }
  Exception e;
  ASSIGN_OR_RETURN(e.name, Text(source, entry, "name", false));
  ASSIGN_OR_RETURN(e.workload, Text(source, entry, "workload", true));
  ASSIGN_OR_RETURN(std::string kind, Text(source, entry, "kind", true));
  ASSIGN_OR_RETURN(e.subject, Text(source, entry, "subject", true));
  ASSIGN_OR_RETURN(e.process, Text(source, entry, "process", false));
  ASSIGN_OR_RETURN(e.comment, Text(source, entry, "comment", true));
  bool known = false;
  for (model::FindingKind k : kKinds) {
    if (kind == model::FindingKindName(k)) {
      e.kind = k;
      known = true;
    }
  }
  if (!known) {
    return At(source, entry["kind"],
              "kind must be exec, file, network, syscall, rate or unprofiled, not '" + kind + "'");
  }
  if (e.name.empty()) {
    const size_t slash = source.rfind('/');
    e.name = (slash == std::string::npos ? source : source.substr(slash + 1)) + ":" +
             std::to_string(Line(entry));
  }
  return e;
}

}  // namespace

bool ExceptionGlobMatch(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

Result<Exceptions> Exceptions::FromYaml(const Node& list, const std::string& source) {
  try {
    if (!list || list.IsNull()) return Exceptions();
    if (!list.IsSequence()) return At(source, list, "exceptions must be a list of entries");
    std::vector<Exception> entries;
    std::set<std::string> names;
    for (const Node& n : list) {
      ASSIGN_OR_RETURN(Exception e, ParseEntry(source, n));
      if (!names.insert(e.name).second) return At(source, n, "name '" + e.name + "' is used twice");
      entries.push_back(std::move(e));
    }
    return Exceptions(std::move(entries));
  } catch (const YAML::Exception& e) {
    std::string where = "exceptions " + source;
    if (e.mark.line >= 0) where += " line " + std::to_string(e.mark.line + 1);
    return Status(ErrorCode::kInvalidArgument, where + ": " + e.msg);
  }
}

Result<Exceptions> Exceptions::Parse(const std::string& text, const std::string& source) {
  try {
    Node root = YAML::Load(text);
    if (!root || root.IsNull()) return Exceptions();
    if (root.IsMap()) {
      for (auto it = root.begin(); it != root.end(); ++it) {
        if (it->first.as<std::string>() != "exceptions") {
          return At(source, it->first, "unknown key '" + it->first.as<std::string>() + "' (want exceptions)");
        }
      }
      return FromYaml(root["exceptions"], source);
    }
    return FromYaml(root, source);
  } catch (const YAML::Exception& e) {
    std::string where = "exceptions " + source;
    if (e.mark.line >= 0) where += " line " + std::to_string(e.mark.line + 1);
    return Status(ErrorCode::kInvalidArgument, where + ": " + e.msg);
  }
}

Result<Exceptions> Exceptions::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Errno("read exceptions " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Errno("read exceptions " + path, errno);
  return Parse(ss.str(), path);
}

const Exception* Exceptions::Match(const model::Finding& f) const {
  for (const Exception& e : entries_) {
    if (e.kind == f.kind && ExceptionGlobMatch(e.workload, f.workload) && ExceptionGlobMatch(e.subject, f.subject) &&
        (e.process.empty() || ExceptionGlobMatch(e.process, f.process.exe))) {
      return &e;
    }
  }
  return nullptr;
}

std::vector<model::Finding*> Exceptions::Apply(const std::vector<model::Finding*>& findings) const {
  std::vector<model::Finding*> deliver;
  deliver.reserve(findings.size());
  for (model::Finding* f : findings) {
    if (const Exception* e = Match(*f)) {
      f->exception = e->name;
    } else {
      deliver.push_back(f);
    }
  }
  return deliver;
}

}  // namespace dw::tools
