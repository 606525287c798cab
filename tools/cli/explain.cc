// tools/cli/explain.cc: renders a fingerprint's generalizations with their evidence.
#include "tools/cli/explain.h"

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "model/scorer.h"

namespace dw::tools {
namespace {

// Words of std::string or std::string_view, joined by `sep`.
template <typename Words>
std::string Joined(const Words& words, const char* sep) {
  std::string out;
  for (std::string_view w : words) out.append(out.empty() ? "" : sep).append(w);
  return out;
}

std::string NetPattern(const model::NetItem& n) {
  return std::string(model::DirectionName(n.direction)) + " " + (n.protocol == 17 ? "udp " : "tcp ") +
         n.address + " port " + std::to_string(n.port);
}

nlohmann::ordered_json PatternJson(const char* type, const std::string& pattern, const model::Generalization& g) {
  return {{"type", type},       {"pattern", pattern},         {"rule", g.rule},
          {"access", AccessWords(g.stats.access)}, {"covered", g.covered}, {"count", g.stats.count},
          {"examples", g.examples}};
}

// The ports and protocols the workload connected out on: with a learned DNS
// name queried just before, a new address there is the same service
// (model/scorer.h, peers known by name).
std::vector<std::string> OutboundPorts(const model::Fingerprint& fp) {
  std::set<std::string> ports;
  auto add = [&ports](const model::NetItem& n) {
    if (n.direction == model::Direction::kOutbound) {
      ports.insert(std::string(n.protocol == 17 ? "udp " : "tcp ") + std::to_string(n.port));
    }
  };
  for (const auto& [n, stats] : fp.network) add(n);
  for (const auto& [n, g] : fp.net_patterns) add(n);
  return {ports.begin(), ports.end()};
}

std::vector<std::string> Keys(const std::map<std::string, model::ItemStats>& items) {
  std::vector<std::string> out;
  for (const auto& [key, stats] : items) out.push_back(key);
  return out;
}

// What a baseline's syscall set can tell, for people.
const char* SyscallWatchWords(model::SyscallWatch w) {
  switch (w) {
    case model::SyscallWatch::kAll:
      return "every syscall";
    case model::SyscallWatch::kSentinels:
      return "the sentinel syscalls: ptrace, mount, setns, bpf and the like";
    case model::SyscallWatch::kNone:
      return "no syscall";
  }
  return "no syscall";
}

}  // namespace

std::string ExplainText(const model::Fingerprint& fp) {
  std::ostringstream out;
  out << "workload " << fp.workload << ": " << fp.file_patterns.size() << " file patterns, "
      << fp.net_patterns.size() << " network ranges; exact items: " << fp.executables.size()
      << " executables, " << fp.lineage.size() << " lineage edges, " << fp.files.size() << " files, "
      << fp.network.size() << " network, " << fp.dns_names.size() << " DNS names, " << fp.syscalls.size()
      << " syscalls (training watched " << SyscallWatchWords(model::EffectiveSyscallWatch(fp)) << ")\n";
  for (const auto& [pattern, g] : fp.file_patterns) {
    out << "\nfile " << pattern << "  [" << Joined(AccessWords(g.stats.access), "/") << "]\n"
        << "  why:      " << g.rule << "\n"
        << "  replaced: " << g.covered << " items, " << g.stats.count << " events\n";
    if (!g.examples.empty()) out << "  examples: " << Joined(g.examples, ", ") << "\n";
  }
  for (const auto& [net, g] : fp.net_patterns) {
    out << "\nnetwork " << NetPattern(net) << "\n"
        << "  why:      " << g.rule << "\n"
        << "  replaced: " << g.covered << " peers, " << g.stats.count << " events\n";
    if (!g.examples.empty()) out << "  examples: " << Joined(g.examples, ", ") << "\n";
  }
  if (const model::ScriptRunner runner = model::ScriptRunnerOf(fp); runner.runs_scripts()) {
    out << "\nscript runner: a new ordinary utility of /bin or /usr/bin started by "
        << Joined(runner.shells, " or ") << " is low\n"
        << "  why:      its shells started " << runner.utilities.size()
        << " distinct utilities in training (threshold " << model::kScriptRunnerUtilities
        << "); never an intruder's tool, nor from a shell with a finding of medium or more\n"
        << "  examples: " << Joined(runner.utilities, ", ") << "\n";
  }
  const model::PortHabits habits = model::PortHabitsOf(fp);
  if (habits.callbacks > 0) {
    out << "\ncallbacks: its own program connecting back to an ephemeral port (" << model::kEphemeralPortMin
        << " and up) of an address that connected in to it is known\n"
        << "  why:      " << habits.callbacks << " such connections to its clients in training (threshold "
        << model::kPortHabitThreshold << "); never from a shell or a new program's tree\n";
  }
  if (habits.transient_listens > 0) {
    out << "\ntransient listeners: a new unprivileged listening port of its own program on "
        << Joined(habits.listen_addresses, " or ") << " is low\n"
        << "  why:      it listened on " << habits.transient_listens << " distinct ports in training ("
        << habits.listen_min << "-" << habits.listen_max << "; threshold " << model::kPortHabitThreshold
        << "); never from a shell, interpreter or a new program's tree\n";
  }
  if (const std::vector<std::string> ports = OutboundPorts(fp); !fp.dns_names.empty() && !ports.empty()) {
    out << "\npeers known by name: a new address right after a query for a learned name, on "
        << Joined(ports, ", ") << ", is known\n"
        << "  names:    " << Joined(Keys(fp.dns_names), ", ") << "\n";
  }
  if (fp.lineage_by_exe) {
    out << "\nlineage by executable: learned before an interpreter's program was its script, so a program "
           "an interpreter runs is known under the interpreter's binary too (lua5.4, not prosody and "
           "prosodyctl apart)\n"
        << "  why:      a baseline of fingerprint format 5 or older, or merged with one; relearn to tell "
           "them apart\n";
  }
  return out.str();
}

std::string ExplainJsonLines(const model::Fingerprint& fp) {
  std::string out;
  auto line = [&out](const nlohmann::ordered_json& j) {
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  };
  for (const auto& [pattern, g] : fp.file_patterns) line(PatternJson("file", pattern, g));
  for (const auto& [net, g] : fp.net_patterns) line(PatternJson("network", NetPattern(net), g));
  if (const model::ScriptRunner runner = model::ScriptRunnerOf(fp); runner.runs_scripts()) {
    line({{"type", "script_runner"},
          {"shells", runner.shells},
          {"utilities", runner.utilities.size()},
          {"threshold", model::kScriptRunnerUtilities},
          {"examples", runner.utilities}});
  }
  const model::PortHabits habits = model::PortHabitsOf(fp);
  if (habits.callbacks > 0) {
    line({{"type", "callbacks"}, {"connections", habits.callbacks}, {"min_port", model::kEphemeralPortMin},
          {"threshold", model::kPortHabitThreshold}});
  }
  if (habits.transient_listens > 0) {
    line({{"type", "transient_listeners"},
          {"ports", habits.transient_listens},
          {"min_port", habits.listen_min},
          {"max_port", habits.listen_max},
          {"addresses", habits.listen_addresses},
          {"threshold", model::kPortHabitThreshold}});
  }
  if (const std::vector<std::string> ports = OutboundPorts(fp); !fp.dns_names.empty() && !ports.empty()) {
    line({{"type", "peers_by_name"}, {"names", Keys(fp.dns_names)}, {"ports", ports}});
  }
  line({{"type", "summary"},
        {"workload", fp.workload},
        {"file_patterns", fp.file_patterns.size()},
        {"network_ranges", fp.net_patterns.size()},
        {"exact", {{"executables", fp.executables.size()},
                   {"lineage", fp.lineage.size()},
                   {"files", fp.files.size()},
                   {"network", fp.network.size()},
                   {"dns_names", fp.dns_names.size()},
                   {"syscalls", fp.syscalls.size()}}},
        {"syscall_watch", collector::SyscallWatchName(model::EffectiveSyscallWatch(fp))},
        {"lineage_by_executable", fp.lineage_by_exe}});
  return out;
}

}  // namespace dw::tools
