// tools/cli/explain.cc: renders a fingerprint's generalizations with their evidence.
#include "tools/cli/explain.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace dw::tools {
namespace {

std::vector<std::string> AccessWords(uint8_t access) {
  std::vector<std::string> out;
  if (access & kAccessRead) out.push_back("read");
  if (access & kAccessWrite) out.push_back("write");
  if (access & kAccessCreate) out.push_back("create");
  return out;
}

std::string Joined(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
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

}  // namespace

std::string ExplainText(const model::Fingerprint& fp) {
  std::ostringstream out;
  out << "workload " << fp.workload << ": " << fp.file_patterns.size() << " file patterns, "
      << fp.net_patterns.size() << " network ranges; exact items: " << fp.executables.size()
      << " executables, " << fp.lineage.size() << " lineage edges, " << fp.files.size() << " files, "
      << fp.network.size() << " network, " << fp.dns_names.size() << " DNS names, " << fp.syscalls.size()
      << " syscalls\n";
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
  line({{"type", "summary"},
        {"workload", fp.workload},
        {"file_patterns", fp.file_patterns.size()},
        {"network_ranges", fp.net_patterns.size()},
        {"exact", {{"executables", fp.executables.size()},
                   {"lineage", fp.lineage.size()},
                   {"files", fp.files.size()},
                   {"network", fp.network.size()},
                   {"dns_names", fp.dns_names.size()},
                   {"syscalls", fp.syscalls.size()}}}});
  return out;
}

}  // namespace dw::tools
