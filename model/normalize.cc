// model/normalize.cc: path normalisation as a table of per-component rules.
//
// A rule replaces one path component when the already-normalised path before
// it equals the rule's parent and the component belongs to the rule's token
// class. Rules see normalised parents, so "/proc/<pid>/task" matches whatever
// pid came before. A new token class is one predicate and one table row.
#include "model/normalize.h"

#include <string>
#include <string_view>

namespace dw::model {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
bool IsSelf(std::string_view s) { return s == "self"; }
bool IsThreadSelf(std::string_view s) { return s == "thread-self"; }

struct Rule {
  std::string_view parent;  // normalised path before the component
  bool (*matches)(std::string_view component);
  std::string_view replacement;  // may span components
};

constexpr Rule kRules[] = {
    {"/proc", IsDigits, "<pid>"},
    {"/proc", IsSelf, "<pid>"},
    // /proc/thread-self is /proc/self/task/<tid>: one item for both spellings.
    {"/proc", IsThreadSelf, "<pid>/task/<tid>"},
    {"/proc/<pid>/task", IsDigits, "<tid>"},
    {"/proc/<pid>/fd", IsDigits, "<fd>"},
    {"/proc/<pid>/fdinfo", IsDigits, "<fd>"},
    {"/proc/<pid>/task/<tid>/fd", IsDigits, "<fd>"},
    {"/proc/<pid>/task/<tid>/fdinfo", IsDigits, "<fd>"},
    {"/dev/fd", IsDigits, "<fd>"},
    {"/dev/pts", IsDigits, "<n>"},
};

std::string_view Replace(std::string_view parent, std::string_view component) {
  for (const Rule& rule : kRules) {
    if (rule.parent == parent && rule.matches(component)) return rule.replacement;
  }
  return component;
}

}  // namespace

std::string NormalizeFilePath(std::string_view abs_path) {
  if (abs_path.empty() || abs_path.front() != '/') return std::string(abs_path);
  std::string out;
  out.reserve(abs_path.size());
  size_t pos = 1;
  while (true) {
    size_t slash = abs_path.find('/', pos);
    std::string_view component = abs_path.substr(
        pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    std::string_view replaced = Replace(out, component);
    out += '/';
    out += replaced;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

}  // namespace dw::model
