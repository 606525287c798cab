// tools/cli/command.h: one driftwatch command (Command), the table main()
// dispatches on, and what the commands share: the source and store flags,
// output formats, the stop flag, the export both export and check render.
// Each command lives in tools/cli/cmd_<name>.cc, as git keeps builtin/<name>.c.
//
// Usage checks: a command's flags are checked (Command::check) before it opens
// anything, so a wrong command line never creates or changes a file. main()
// exits 2 for these errors and 1 for any error after them.
#ifndef DRIFTWATCH_TOOLS_CLI_COMMAND_H_
#define DRIFTWATCH_TOOLS_CLI_COMMAND_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/bpf_source.h"
#include "collector/clock.h"
#include "collector/event_source.h"
#include "collector/status.h"
#include "model/convergence.h"
#include "store/store.h"
#include "tools/cli/cli.h"
#include "tools/cli/format.h"
#include "tools/policy/export.h"
#include "tools/write_atomically.h"

namespace dw::tools {

struct Command {
  const char* name;
  const char* usage;             // the synopsis after the name; lines after the first indented
  Status (*check)(const Args&);  // usage only; opens nothing
  Status (*run)(const Args&);
  FlagSpec flags;
  bool positional = false;  // takes arguments besides flags (its check counts them)
};

// Every command, in the order `driftwatch --help` lists them.
Command RecordCommand();
Command TrainCommand();
Command DetectCommand();
Command WorkloadsCommand();
Command FindingsCommand();
Command EvalCommand();
Command ExportCommand();
Command CheckCommand();
Command AgentCommand();
Command ImportCommand();
Command MergeCommand();
Command DiffCommand();
Command HistoryCommand();
Command ExplainCommand();
Command ReportCommand();

// Set by SIGINT, SIGTERM and SIGALRM (--duration) once InstallSignalHandlers()
// ran: a running command stops reading its sources and finishes.
extern std::atomic<bool> g_stop;
// The exit code of a command that succeeded: 0, or 3 from check when the
// policy would have blocked something.
extern int g_success_exit;
void InstallSignalHandlers();

// ---- sources: --trace TRACE... or --live [--cgroup CGPATH...] [--duration S] [--syscalls]

// Loads and attaches the BPF programs and warns about each missing hook.
Result<std::unique_ptr<collector::BpfEventSource>> OpenLive(const Args& args, bool verdict_cache = false);
// The last step of a live command's start-up: arms --duration and logs the
// line that tells scripts the programs are attached. Nothing for a trace.
Status AnnounceReady(const Args& args, collector::EventSource& source);
// The usage rules of the source flags.
Status CheckSources(const Args& args, bool live_needs_duration);
// Every source a command reads: the --trace files in order, or --live.
// `args` passed CheckSources().
Result<std::vector<std::unique_ptr<collector::EventSource>>> OpenSources(const Args& args,
                                                                      bool verdict_cache = false);

// ---- other shared flags

// The database --db names (required).
Result<std::unique_ptr<store::Store>> OpenStore(const Args& args, store::OpenMode mode);
// --format jsonl|json|text, `fallback` when absent.
Result<Format> ParseFormat(const Args& args, const char* fallback);
// --min-duration and --quiet: when a baseline counts as stable.
Result<model::ConvergenceOptions> ConvergenceFlags(const Args& args);
// A version number flag (--version, --from, --to): 1, 2, ...; nullopt when absent.
Result<std::optional<int64_t>> VersionFlag(const Args& args, const char* flag);
// workloads, findings: --format, --min-duration, --quiet and --db.
Status CheckQuery(const Args& args);
// history, explain: --format, --db and --workload.
Status CheckHistory(const Args& args);

// `line` and a newline on stdout, flushed.
void WriteLine(const std::string& line);
// WriteAtomically() (tools/write_atomically.h) of `text`.
Status WriteFileAtomically(const std::string& path, const std::string& text);

// ---- export and check (cmd_export.cc)

// What export and check render: a policy document and where it came from.
struct Exported {
  ExportFormat format = ExportFormat::kJson;
  ExportSource source;
  std::string document;
};

// Loads the workload's fingerprint (--version, else the latest) and renders it
// as --format. Refuses a baseline that is still learning (unless the workload
// is in monitoring or locked state) or was trained while events were dropped;
// --force turns the refusal into a warning.
Result<Exported> BuildExport(const Args& args);
// The usage rules export and check share.
Status CheckExport(const Args& args);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_CLI_COMMAND_H_
