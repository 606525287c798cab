// store/moving.cc: import, merge, diff and history (store/moving.h).
#include "store/moving.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "model/merge.h"
#include "store/fingerprint_json.h"

namespace dw::store {
namespace {

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string AccessText(uint8_t access) {
  std::string out;
  for (std::string_view word : AccessWords(access)) out.append(out.empty() ? "" : ", ").append(word);
  return out.empty() ? "none" : out;
}

std::string StatsDetail(const model::ItemStats& st, bool file) {
  std::string out = "count " + std::to_string(st.count) + ", " + Plural(st.nodes, "node", "nodes");
  if (file && st.access != 0) out += ", " + AccessText(st.access);
  return out;
}

template <typename Key, typename Value, typename Name, typename Detail>
void DiffMap(const std::map<Key, Value>& from, const std::map<Key, Value>& to, const std::string& kind,
             Name name, Detail detail, std::vector<Change>* out) {
  for (const auto& [k, v] : to) {
    if (from.count(k) == 0) out->push_back({Change::Op::kAdded, kind, name(k), detail(v)});
  }
  for (const auto& [k, v] : from) {
    if (to.count(k) == 0) out->push_back({Change::Op::kRemoved, kind, name(k), detail(v)});
  }
}

const model::ItemStats& StatsOf(const model::ItemStats& st) { return st; }
const model::ItemStats& StatsOf(const model::Generalization& g) { return g.stats; }

// Wider access (files and file patterns): what a reviewer must look at.
template <typename Value>
void DiffAccess(const std::map<std::string, Value>& from, const std::map<std::string, Value>& to,
                const std::string& kind, std::vector<Change>* out) {
  for (const auto& [k, v] : to) {
    auto it = from.find(k);
    if (it == from.end()) continue;
    uint8_t before = StatsOf(it->second).access;
    uint8_t after = StatsOf(v).access;
    if ((after & ~before) != 0) {
      out->push_back({Change::Op::kChanged, kind, k, "access " + AccessText(before) + " -> " + AccessText(after)});
    }
  }
}

std::vector<model::NetItem> KeysWhere(const std::map<model::NetItem, model::ItemStats>& m, bool listen) {
  std::vector<model::NetItem> out;
  for (const auto& [n, st] : m) {
    if ((n.direction == model::Direction::kListen) == listen) out.push_back(n);
  }
  return out;
}

struct Section {
  Change::Op op;
  const char* kind;
  const char* title;
};

// The order a reviewer reads: what runs, what it touches, whom it talks to.
constexpr Section kSections[] = {
    {Change::Op::kAdded, "executable", "New executables"},
    {Change::Op::kRemoved, "executable", "Removed executables"},
    {Change::Op::kAdded, "lineage", "New process lineage"},
    {Change::Op::kRemoved, "lineage", "Removed process lineage"},
    {Change::Op::kAdded, "file", "New file paths"},
    {Change::Op::kChanged, "file", "Wider file access"},
    {Change::Op::kRemoved, "file", "Removed file paths"},
    {Change::Op::kAdded, "file_pattern", "New file patterns (generalizations)"},
    {Change::Op::kChanged, "file_pattern", "Changed file patterns (generalizations)"},
    {Change::Op::kRemoved, "file_pattern", "Removed file patterns (generalizations)"},
    {Change::Op::kAdded, "peer", "New network peers"},
    {Change::Op::kRemoved, "peer", "Removed network peers"},
    {Change::Op::kAdded, "listener", "New listeners"},
    {Change::Op::kRemoved, "listener", "Removed listeners"},
    {Change::Op::kAdded, "network_pattern", "New network ranges (generalizations)"},
    {Change::Op::kChanged, "network_pattern", "Changed network ranges (generalizations)"},
    {Change::Op::kRemoved, "network_pattern", "Removed network ranges (generalizations)"},
    {Change::Op::kAdded, "dns", "New DNS names"},
    {Change::Op::kRemoved, "dns", "Removed DNS names"},
    {Change::Op::kAdded, "syscall", "New syscalls"},
    {Change::Op::kRemoved, "syscall", "Removed syscalls"},
};

const char* OpName(Change::Op op) {
  switch (op) {
    case Change::Op::kAdded: return "added";
    case Change::Op::kRemoved: return "removed";
    case Change::Op::kChanged: return "changed";
  }
  return "?";
}

char OpMark(Change::Op op) {
  return op == Change::Op::kAdded ? '+' : op == Change::Op::kRemoved ? '-' : '~';
}

std::string Arrow(uint64_t a, uint64_t b) {
  std::string out = std::to_string(a) + " -> " + std::to_string(b);
  if (a != b) {
    long long d = static_cast<long long>(b) - static_cast<long long>(a);
    out += std::string(" (") + (d > 0 ? "+" : "") + std::to_string(d) + ")";
  }
  return out;
}

std::string NodeText(const std::string& node) { return node.empty() ? "unknown" : node; }

}  // namespace

Result<model::Fingerprint> ReadFingerprintFile(const std::string& path) {
  const std::string action = "read fingerprint " + path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errno(action, errno);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::Errno(action, errno);
  Result<model::Fingerprint> fp = FingerprintFromJson(text);
  if (!fp) return fp.error().WithContext(action);
  return fp;
}

Result<std::vector<MergeOutcome>> MergeDatabases(const std::string& out,
                                                 const std::vector<std::string>& inputs,
                                                 const std::optional<std::string>& workload,
                                                 int64_t now_ns) {
  // Every input first, read-only: nothing is written if one of them fails.
  std::map<std::string, model::Parts> merged;
  for (const std::string& path : inputs) {
    ASSIGN_OR_RETURN(auto db, store::Store::Open(path, store::OpenMode::kReadOnly));
    ASSIGN_OR_RETURN(auto workloads, db->ListWorkloads());
    for (const store::WorkloadInfo& w : workloads) {
      if (w.version == 0 || (workload && w.name != *workload)) continue;
      ASSIGN_OR_RETURN(model::Parts parts, db->LoadParts(w.name));
      for (const auto& [node, fp] : parts) {
        if (node.empty()) {
          return Status(ErrorCode::kInvalidArgument,
                        "fingerprint of " + w.name + " in " + path +
                            " has no node name; retrain it with --node NAME before merging");
        }
      }
      merged[w.name] = model::MergeParts(merged[w.name], parts);
    }
  }
  if (workload && merged.count(*workload) == 0) {
    return Status(ErrorCode::kNotFound, "no input database has a fingerprint of " + *workload);
  }
  ASSIGN_OR_RETURN(auto db, store::Store::Open(out, store::OpenMode::kReadWrite));
  std::vector<store::MergedFingerprint> to_save;
  std::vector<MergeOutcome> outcomes;
  for (auto& [name, parts] : merged) {
    ASSIGN_OR_RETURN(model::Parts existing, db->LoadParts(name));
    model::Parts all = model::MergeParts(existing, parts);
    for (const auto& [node, fp] : all) {
      if (node.empty()) {
        return Status(ErrorCode::kInvalidArgument,
                      "fingerprint of " + name + " in " + out +
                          " has no node name; retrain it with --node NAME before merging");
      }
    }
    MergeOutcome outcome;
    outcome.workload = name;
    for (const auto& [node, fp] : all) outcome.nodes.push_back(node);
    model::Fingerprint combined = model::Combine(all);
    combined.workload = name;
    if (all != existing) {
      to_save.push_back({std::move(combined), std::move(all)});
      outcome.version = -1;  // set below
    }
    outcomes.push_back(std::move(outcome));
  }
  if (!to_save.empty()) RETURN_IF_ERROR(db->SaveMerged(to_save, now_ns));
  for (MergeOutcome& o : outcomes) {
    if (o.version == 0) continue;
    ASSIGN_OR_RETURN(auto versions, db->ListVersions(o.workload));
    o.version = versions.empty() ? 0 : versions.back().version;
  }
  return outcomes;
}

std::vector<Change> DiffFingerprints(const model::Fingerprint& from, const model::Fingerprint& to) {
  std::vector<Change> out;
  auto same = [](const std::string& s) { return s; };
  auto item = [](const model::ItemStats& st) { return StatsDetail(st, false); };
  auto file = [](const model::ItemStats& st) { return StatsDetail(st, true); };
  auto gen = [](const model::Generalization& g) {
    return "covers " + std::to_string(g.covered) + "; " + g.rule;
  };
  auto net = [](const model::NetItem& n) { return n.ToString(); };
  DiffMap(from.executables, to.executables, "executable", same, item, &out);
  DiffMap(from.lineage, to.lineage, "lineage", same, item, &out);
  DiffMap(from.files, to.files, "file", same, file, &out);
  DiffAccess(from.files, to.files, "file", &out);
  DiffMap(from.file_patterns, to.file_patterns, "file_pattern", same, gen, &out);
  DiffAccess(from.file_patterns, to.file_patterns, "file_pattern", &out);
  for (const auto& [k, g] : to.file_patterns) {
    auto it = from.file_patterns.find(k);
    if (it != from.file_patterns.end() && it->second.covered != g.covered &&
        (g.stats.access & ~it->second.stats.access) == 0) {
      out.push_back({Change::Op::kChanged, "file_pattern", k,
                     "covers " + Arrow(it->second.covered, g.covered)});
    }
  }
  // Peers and listeners apart: a new listening port is a different question.
  for (bool listen : {false, true}) {
    std::map<model::NetItem, model::ItemStats> f, t;
    for (const auto& n : KeysWhere(from.network, listen)) f[n] = from.network.at(n);
    for (const auto& n : KeysWhere(to.network, listen)) t[n] = to.network.at(n);
    DiffMap(f, t, listen ? "listener" : "peer", net, item, &out);
  }
  DiffMap(from.net_patterns, to.net_patterns, "network_pattern", net, gen, &out);
  for (const auto& [k, g] : to.net_patterns) {
    auto it = from.net_patterns.find(k);
    if (it != from.net_patterns.end() && it->second.covered != g.covered) {
      out.push_back({Change::Op::kChanged, "network_pattern", k.ToString(),
                     "covers " + Arrow(it->second.covered, g.covered)});
    }
  }
  DiffMap(from.dns_names, to.dns_names, "dns", same, item, &out);
  DiffMap(from.syscalls, to.syscalls, "syscall", same, item, &out);
  return out;
}

std::string DiffText(const model::Fingerprint& from, const std::string& from_label,
                     const model::Fingerprint& to, const std::string& to_label) {
  std::ostringstream out;
  std::string name = from.workload == to.workload ? from.workload : from.workload + " / " + to.workload;
  out << "Fingerprint of " << name << ": " << from_label << " -> " << to_label << "\n";
  out << "  items " << Arrow(from.ItemCount(), to.ItemCount()) << "; training events "
      << Arrow(from.training.events, to.training.events) << "; sessions "
      << Arrow(from.training.sessions, to.training.sessions) << "; dropped events "
      << Arrow(from.training.dropped_events, to.training.dropped_events) << "\n";
  out << "  trained " << Rfc3339(from.training.first_event_ns).substr(0, 19) << "Z.."
      << Rfc3339(from.training.last_event_ns).substr(0, 19) << "Z -> "
      << Rfc3339(to.training.first_event_ns).substr(0, 19) << "Z.."
      << Rfc3339(to.training.last_event_ns).substr(0, 19) << "Z; nodes " << NodeText(from.node);
  if (to.node != from.node) out << " -> " << NodeText(to.node);
  out << "\n";
  std::vector<Change> changes = DiffFingerprints(from, to);
  if (changes.empty()) {
    out << "\nNo changes in behaviour.\n";
    return out.str();
  }
  for (const Section& s : kSections) {
    std::vector<const Change*> in;
    for (const Change& c : changes) {
      if (c.op == s.op && c.kind == s.kind) in.push_back(&c);
    }
    if (in.empty()) continue;
    out << "\n" << s.title << " (" << in.size() << "):\n";
    for (const Change* c : in) {
      out << "  " << OpMark(c->op) << " " << c->item;
      if (!c->detail.empty()) out << "  (" << c->detail << ")";
      out << "\n";
    }
  }
  return out.str();
}

std::string DiffJsonLines(const model::Fingerprint& from, const std::string& from_label,
                          const model::Fingerprint& to, const std::string& to_label) {
  auto dump = [](const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  };
  std::vector<Change> changes = DiffFingerprints(from, to);
  nlohmann::ordered_json summary;
  summary["workload"] = to.workload;
  summary["from"] = {{"label", from_label}, {"items", from.ItemCount()}, {"events", from.training.events},
                     {"node", from.node}};
  summary["to"] = {{"label", to_label}, {"items", to.ItemCount()}, {"events", to.training.events},
                   {"node", to.node}};
  summary["changes"] = changes.size();
  std::string out = dump({{"summary", summary}});
  for (const Change& c : changes) {
    nlohmann::ordered_json j;
    j["change"] = OpName(c.op);
    j["kind"] = c.kind;
    j["item"] = c.item;
    j["detail"] = c.detail;
    out += dump(j);
  }
  return out;
}

std::string HistoryText(const std::string& workload, const std::string& state,
                        const std::vector<store::VersionInfo>& versions) {
  std::ostringstream out;
  out << "Fingerprint versions of " << workload << " (state " << state
      << "); export any with driftwatch export --version N\n";
  char line[512];
  std::snprintf(line, sizeof(line), "%7s %-24s %10s %8s %7s %9s %6s %s\n", "VERSION", "CREATED", "EVENTS",
                "DROPPED", "ITEMS", "BYTES", "FORMAT", "NODE");
  out << line;
  for (const store::VersionInfo& v : versions) {
    std::string node = NodeText(v.node);
    if (v.parts > 0) node += " (merged, " + Plural(v.parts, "part", "parts") + ")";
    std::snprintf(line, sizeof(line), "%7lld %-24s %10llu %8llu %7zu %9zu %6u %s\n",
                  static_cast<long long>(v.version), (Rfc3339(v.created_ns).substr(0, 23) + "Z").c_str(),
                  static_cast<unsigned long long>(v.events), static_cast<unsigned long long>(v.dropped),
                  v.items, v.bytes, v.format_version, node.c_str());
    out << line;
  }
  return out.str();
}

std::string HistoryJsonLines(const std::string& workload, const std::string& state,
                             const std::vector<store::VersionInfo>& versions) {
  std::string out;
  for (const store::VersionInfo& v : versions) {
    nlohmann::ordered_json j;
    j["workload"] = workload;
    j["state"] = state;
    j["version"] = v.version;
    j["created"] = Rfc3339(v.created_ns);
    j["format_version"] = v.format_version;
    j["events"] = v.events;
    j["dropped"] = v.dropped;
    j["items"] = v.items;
    j["bytes"] = v.bytes;
    j["node"] = v.node;
    j["parts"] = v.parts;
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

}  // namespace dw::store
