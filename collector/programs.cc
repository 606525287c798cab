// collector/programs.cc: shells, interpreters and the script an interpreter runs.
#include "collector/programs.h"

#include "collector/decode.h"

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

// Short flags of python, perl and ruby that take no value and run the script
// still (-u unbuffered, -B no bytecode, -O optimise, -s, -S, -w warnings,
// -T taint, -t, -q): what a #! line carries. A cluster of them (`-wT`) too.
constexpr std::string_view kValuelessShortFlags = "uBOswTtSq";

// One word of an interpreter's command line before its script: flags that
// take no value, alone or clustered, or `--name=value`, or `--`. The kernel
// hands a #! line's options over as one word (`#!/usr/bin/perl -T -w` gives
// "-T -w"): each of its space-separated flags counts.
bool ValuelessFlags(std::string_view word) {
  if (word.empty()) return false;
  while (!word.empty()) {
    const size_t space = word.find(' ');
    const std::string_view flag = word.substr(0, space);
    word = space == std::string_view::npos ? std::string_view() : word.substr(space + 1);
    if (flag.empty()) continue;
    if (flag == "--" || (flag.starts_with("--") && flag.find('=') != std::string_view::npos)) {
      continue;
    }
    if (flag.size() < 2 || flag[0] != '-' ||
        flag.find_first_not_of(kValuelessShortFlags, 1) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ScriptOf(std::string_view exe, const std::vector<std::string>& argv, std::string_view cwd) {
  if (!IsProgramName(exe.substr(exe.rfind('/') + 1), kInterpreterNames)) return {};
  bool searches_path = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.starts_with('/')) {
      if (a.size() < 2 || a.find_first_of(" \t\n") != std::string::npos) return {};
      return a;
    }
    if (ValuelessFlags(a)) {
      searches_path = searches_path || (!a.starts_with("--") && a.find('S') != std::string::npos);
      continue;
    }
    // Not a flag: a relative script, or "-" (standard input), or a flag
    // taking a value.
    if (a.empty() || a.starts_with('-') || searches_path || !cwd.starts_with('/') ||
        a.find_first_of(" \t\n") != std::string::npos) {
      return {};
    }
    return JoinAndNormalize(a, cwd);
  }
  return {};
}

}  // namespace dw::collector
