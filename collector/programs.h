// collector/programs.h: which programs are shells and interpreters, by name,
// and the script an interpreter runs. The process table names a process by
// its script (ProcessContext::script); the model judges shells and
// interpreters by the same lists.
#ifndef DRIFTWATCH_COLLECTOR_PROGRAMS_H_
#define DRIFTWATCH_COLLECTOR_PROGRAMS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dw::collector {

inline constexpr std::string_view kShellNames[] = {"sh",   "ash", "bash", "dash", "zsh",    "ksh",
                                                   "mksh", "csh", "tcsh", "fish", "busybox"};
inline constexpr std::string_view kInterpreterNames[] = {"python", "perl", "ruby",  "php",
                                                         "lua",    "node", "tclsh", "pwsh"};

// `name` (an executable's basename) is one of `programs`, or a versioned or
// variant spelling of one: "python3.11", "lua5.4", "perl5.36", "nc.openbsd";
// not "ncat" for "nc" nor "node_exporter" for "node".
bool IsProgramName(std::string_view name, std::span<const std::string_view> programs);

// The script `exe` runs as its program, or "": `exe` is an interpreter
// (kInterpreterNames, by basename) and its first operand is a path:
// `lua5.4 /usr/bin/prosody -F` (what `#!/usr/bin/env lua5.4` execs),
// `/usr/bin/python3 -u /usr/bin/gunicorn` (the kernel's argv for a #! script
// whose interpreter line carries a flag), or, relative to `cwd` (the
// working directory at the exec, absolute), `python3 app.py` and
// `node server.js` as a container's WORKDIR runs them: /app/app.py. Before
// it come flags that take no value (`-u`, `-B`, `-wT`, `--name=value`, and a
// #! line's options as the kernel passes them, one word: "-T -w") and the
// interpreter's own flags with their values (`perl -I lib`, `-Ilib`, `node
// -r dotenv/config`, `php -d k=v`; php's `-f FILE` names the script):
// `python3 -m module`, `perl -e CODE` and an unknown flag name no script;
// nor does a relative operand without `cwd`, or after `-S` (perl and ruby
// then search the PATH for it) or ruby's `-C DIR`. A shell
// script has none: what a shell runs is judged as the shell's (the model
// reasons about shells, whatever script they read).
std::string ScriptOf(std::string_view exe, const std::vector<std::string>& argv, std::string_view cwd = {});

// What lineage names a process by: the script its interpreter runs, else its
// executable.
inline const std::string& ProgramOf(const std::string& exe, const std::string& script) {
  return script.empty() ? exe : script;
}

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_PROGRAMS_H_
