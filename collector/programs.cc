// collector/programs.cc: shells, interpreters and the script an interpreter runs.
#include "collector/programs.h"

#include <algorithm>

namespace dw::collector {

bool IsProgramName(std::string_view name, std::span<const std::string_view> programs) {
  for (std::string_view p : programs) {
    if (!name.starts_with(p)) continue;
    if (name.size() == p.size()) return true;
    const char next = name[p.size()];
    if (next == '.' || (next >= '0' && next <= '9')) return true;
  }
  return false;
}

namespace {

// Flags of python, perl, ruby, node and lua that take no value, and may come
// before the script on an interpreter's command line (a #! line's flag).
constexpr std::string_view kValuelessFlags[] = {"-u", "-B", "-O", "-OO", "-s", "-S", "-w", "-T", "-t", "--"};

}  // namespace

std::string_view ScriptOf(std::string_view exe, const std::vector<std::string>& argv) {
  if (!IsProgramName(exe.substr(exe.rfind('/') + 1), kInterpreterNames)) return {};
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.starts_with('/')) {
      if (a.size() < 2 || a.find_first_of(" \t\n") != std::string::npos) return {};
      return a;
    }
    const bool valueless =
        std::find(std::begin(kValuelessFlags), std::end(kValuelessFlags), a) != std::end(kValuelessFlags) ||
        (a.starts_with("--") && a.find('=') != std::string::npos);
    if (!valueless) return {};
  }
  return {};
}

}  // namespace dw::collector
