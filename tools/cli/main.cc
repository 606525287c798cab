// tools/cli/main.cc: the driftwatch command: its table of commands, the
// usage, and main(). Each command is in tools/cli/cmd_<name>.cc.
//
// The data flow of every command is Drive() (tools/drive.h): EventSource ->
// Decode -> WorkloadResolver -> (Profiler | Detector | TraceWriter), then the Store.
// Only main() turns errors into exit codes: 0 ok, 1 failure, 2 usage, and for
// check 3 when the policy would have blocked something.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "collector/bpf_source.h"
#include "tools/cli/command.h"
#include "tools/version.h"

namespace dw::tools {
namespace {

// The notes under the command list (driftwatch --help) and under each
// command's own usage (driftwatch COMMAND --help).
constexpr char kUsageNotes[] =
    "CGPATH is a cgroup v2 path relative to the cgroup2 root, e.g. system.slice/nginx.service.\n"
    "A flag shown as --flag VALUE... takes one or more values: --trace a.dwt b.dwt, or\n"
    "--trace a.dwt --trace b.dwt.\n"
    "A baseline is stable after --min-duration (600) of training with no new item for --quiet (300).\n"
    "--syscalls learns (train) or checks (detect) each workload's syscalls: a hook on every\n"
    "syscall of the host, so use it for training and leave it off in production.\n"
    "driftwatch COMMAND --help shows one command; driftwatch --version the version.\n";

// Usage checks: a command's flags are checked before it opens anything, so a
// wrong command line never creates or changes a file. main() exits 2 for

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      RecordCommand(),
      TrainCommand(),
      DetectCommand(),
      WorkloadsCommand(),
      FindingsCommand(),
      EvalCommand(),
      ExportCommand(),
      CheckCommand(),
      AgentCommand(),
      ImportCommand(),
      MergeCommand(),
      DiffCommand(),
      HistoryCommand(),
      ExplainCommand(),
      ReportCommand(),
  };
  return commands;
}

// `prefix`, the name padded to a column, then the synopsis; its further
// lines indented to that column.
std::string Synopsis(const std::string& prefix, const Command& cmd) {
  constexpr size_t kNameWidth = 10;  // "workloads" and a space
  std::string out = prefix + cmd.name;
  out.resize(prefix.size() + std::max(kNameWidth, std::string_view(cmd.name).size() + 1), ' ');
  const std::string indent(out.size(), ' ');
  std::string_view usage = cmd.usage;
  for (bool first = true; !usage.empty(); first = false) {
    size_t nl = usage.find('\n');
    if (!first) out += indent;
    out += usage.substr(0, nl);
    out += '\n';
    usage = nl == std::string_view::npos ? std::string_view() : usage.substr(nl + 1);
  }
  return out;
}

std::string Usage() {
  std::string out = "usage: driftwatch COMMAND [OPTIONS]\n";
  for (const auto& cmd : Commands()) out += Synopsis("  ", cmd);
  return out + kUsageNotes;
}

std::string CommandUsage(const Command& cmd) { return Synopsis("usage: driftwatch ", cmd) + kUsageNotes; }

int Main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("driftwatch");
  logger->set_pattern("driftwatch: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  collector::SetLibbpfLogger([](int level, const std::string& line) {
    if (level == 0) spdlog::debug("libbpf: {}", line);
  });

  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::fputs(Usage().c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  if (name == "--version" || name == "version") {
    std::printf("driftwatch %s\n", DW_VERSION);
    return 0;
  }
  for (const auto& cmd : Commands()) {
    if (name != cmd.name) continue;
    // COMMAND --help anywhere on the line: its usage, whatever else is there.
    for (int i = 2; i < argc; ++i) {
      if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
        std::fputs(CommandUsage(cmd).c_str(), stdout);
        return 0;
      }
    }
    Result<Args> args = Args::Parse(argc, argv, 2, cmd.flags);
    if (!args) {
      std::fprintf(stderr, "driftwatch %s: %s\n", cmd.name, args.error().message().c_str());
      return 2;
    }
    if (!cmd.positional && !args->positional().empty()) {
      std::fprintf(stderr, "driftwatch %s: unexpected argument '%s'\n", cmd.name,
                   args->positional()[0].c_str());
      return 2;
    }
    if (Status usage = cmd.check(*args); !usage.ok()) {
      std::fprintf(stderr, "driftwatch %s: %s\n", cmd.name, usage.message().c_str());
      return 2;
    }
    InstallSignalHandlers();
    Status s = cmd.run(*args);
    if (!s.ok()) {
      std::fprintf(stderr, "driftwatch %s: %s\n", cmd.name, s.message().c_str());
      return 1;
    }
    return g_success_exit;
  }
  std::fprintf(stderr, "driftwatch: unknown command '%s' (driftwatch --help lists them)\n",
               name.c_str());
  return 2;
}

}  // namespace
}  // namespace dw::tools

int main(int argc, char** argv) { return dw::tools::Main(argc, argv); }
