// tools/exceptions.h: exceptions, the reviewable way to silence findings
// without changing a baseline (as Falco's rule exceptions are): each entry says
// which findings of which workloads are expected, and why.
//
// The file (`driftwatch detect --exceptions FILE`, or `exceptions:` in the
// agent config: a path to such a file or the list inline) is YAML, a list of
// entries at the top level or under the key `exceptions`:
//
//   exceptions:
//     - name: web-cache                # optional; the label of its metric. Default:
//                                      #   "<file>:<line>" of the entry
//       workload: "shop/web*"          # glob on the workload name (required)
//       kind: file                     # exec | file | network | syscall | rate | unprofiled
//       subject: "/var/cache/web/*"    # glob on the finding's subject (required)
//       process: "/usr/sbin/nginx"     # glob on the process's executable (optional)
//       comment: "nginx's proxy cache; expected since v2.3 (TICKET-12)"  # required: why
//
// Globs are fnmatch(3) patterns where '*' also matches '/': "/var/cache/web/*"
// covers the whole tree. `*`, `?` and `[...]` are special; quote patterns that
// start with '*' (YAML reads a bare `*x` as an alias).
//
// A finding that an entry matches (the first, in file order) is suppressed: it
// is stored with the entry's name (model::Finding::exception, `driftwatch
// findings --suppressed`) and counted (the agent's
// driftwatch_findings_suppressed_total{exception}), but not printed by detect
// nor sent to stdout, the JSON-lines file or the webhook. Apply() is the one
// place this happens, after detection and before the sinks, in both the CLI
// and the agent.
//
// Errors are one line naming the file and the entry's line:
//   "exceptions /etc/dw/ex.yaml line 7: comment is required (say why this is expected)"
// Values; thread-safe for concurrent const use.
#ifndef DRIFTWATCH_TOOLS_EXCEPTIONS_H_
#define DRIFTWATCH_TOOLS_EXCEPTIONS_H_

#include <string>
#include <vector>

#include "collector/status.h"
#include "model/fingerprint.h"

namespace YAML {
class Node;
}

namespace dw::tools {

struct Exception {
  std::string name;      // unique in its list; "<file>:<line>" unless given
  std::string workload;  // glob
  model::FindingKind kind = model::FindingKind::kExec;
  std::string subject;   // glob
  std::string process;   // glob on ProcessContext::exe; "" matches any process
  std::string comment;   // why the findings it matches are expected
  bool operator==(const Exception&) const = default;
};

class Exceptions {
 public:
  Exceptions() = default;
  explicit Exceptions(std::vector<Exception> entries) : entries_(std::move(entries)) {}

  // Reads and parses the file at `path`; kNotFound / kPermissionDenied name it.
  static Result<Exceptions> Load(const std::string& path);
  // Parses YAML `text`; `source` (a file name) names it in errors and default names.
  static Result<Exceptions> Parse(const std::string& text, const std::string& source);
  // The entries of `list` (a YAML sequence, e.g. inline in the agent config).
  // Errors say "exceptions <source> line N: ..."; throws nothing.
  static Result<Exceptions> FromYaml(const YAML::Node& list, const std::string& source);

  // The first entry that matches `f`, or nullptr.
  const Exception* Match(const model::Finding& f) const;
  // Sets Finding::exception on each of `findings` an entry matches and
  // returns the others, in order: the findings to deliver.
  std::vector<model::Finding*> Apply(const std::vector<model::Finding*>& findings) const;

  const std::vector<Exception>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  bool operator==(const Exceptions&) const = default;

 private:
  std::vector<Exception> entries_;
};

// fnmatch(3) without FNM_PATHNAME: '*' matches any run, '/' included.
bool ExceptionGlobMatch(const std::string& pattern, const std::string& text);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_EXCEPTIONS_H_
