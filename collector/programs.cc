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

// What one interpreter's own flags do to the search for its script: flags
// that take the next word as their value (`perl -I lib`, `node -r
// dotenv/config`, `php -d memory_limit=1G`), short ones of those that may
// carry it attached instead (`-Ilib`, `-dmemory_limit=1G`), flags after which
// no script runs (code or a module: `-c`, `-e`, `-m`), and a flag whose
// value is the script (`php -f x.php`).
struct InterpreterFlags {
  std::string_view name;
  std::initializer_list<std::string_view> takes_value;
  std::string_view attached;  // short flags whose value may follow without a space
  std::initializer_list<std::string_view> no_script;
  std::string_view script_flag;
};

const InterpreterFlags kInterpreterFlags[] = {
    {"python", {"-W", "-X", "--check-hash-based-pycs"}, "WX", {"-c", "-m"}, ""},
    {"perl", {"-I", "-M", "-m"}, "IMmCil0xd", {"-e", "-E"}, ""},
    {"ruby", {"-I", "-r", "-E", "-C", "--encoding"}, "IrExC", {"-e"}, ""},
    {"node",
     {"-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions", "--env-file",
      "--title"},
     "",
     {"-e", "--eval", "-p", "--print", "-i", "--interactive", "-v", "--version"},
     ""},
    {"php", {"-d", "-c", "-z"}, "dcz", {"-r", "-R", "-B", "-E", "-S", "-t", "-a", "-l", "-s", "-w", "-i", "-m", "-v"},
     "-f"},
    {"lua", {"-l"}, "l", {"-e", "-i", "-v"}, ""},
};

const InterpreterFlags* FlagsOf(std::string_view exe) {
  const std::string_view base = exe.substr(exe.rfind('/') + 1);
  for (const InterpreterFlags& f : kInterpreterFlags) {
    const std::string_view one[] = {f.name};
    if (IsProgramName(base, one)) return &f;
  }
  return nullptr;
}

bool IsOneOf(std::string_view word, std::initializer_list<std::string_view> list) {
  for (std::string_view w : list) {
    if (word == w) return true;
  }
  return false;
}

// A script operand: absolute as it is, relative in `cwd` (not after a PATH
// search, nor without an absolute `cwd`), never with blanks in it.
std::string ScriptOperand(std::string_view a, std::string_view cwd, bool searches_path) {
  if (a.empty() || a.find_first_of(" \t\n") != std::string_view::npos) return {};
  if (a.starts_with('/')) return a.size() < 2 ? std::string() : std::string(a);
  if (a.starts_with('-') || searches_path || !cwd.starts_with('/')) return {};
  return JoinAndNormalize(a, cwd);
}

}  // namespace

std::string ScriptOf(std::string_view exe, const std::vector<std::string>& argv, std::string_view cwd) {
  if (!IsProgramName(exe.substr(exe.rfind('/') + 1), kInterpreterNames)) return {};
  const InterpreterFlags* flags = FlagsOf(exe);
  bool searches_path = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (!a.starts_with('-') || a == "-") return a == "-" ? std::string() : ScriptOperand(a, cwd, searches_path);
    if (ValuelessFlags(a)) {
      searches_path = searches_path || (!a.starts_with("--") && a.find('S') != std::string::npos);
      continue;
    }
    if (flags == nullptr || IsOneOf(a, flags->no_script)) return {};
    if (a == flags->script_flag) return i + 1 < argv.size() ? ScriptOperand(argv[i + 1], cwd, false) : std::string();
    // Ruby's -C changes the directory a relative script is looked up in.
    searches_path = searches_path || (flags->name == "ruby" && a.starts_with("-C"));
    if (IsOneOf(a, flags->takes_value)) {
      ++i;
      continue;
    }
    if (a.size() > 2 && a[1] != '-' && flags->attached.find(a[1]) != std::string_view::npos) continue;
    return {};
  }
  return {};
}

}  // namespace dw::collector
