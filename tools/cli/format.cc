// tools/cli/format.cc: text and JSON renderings of findings and workloads.
#include "tools/cli/format.h"

#include <cmath>
#include <ctime>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "collector/runtime_context.h"

namespace dw::tools {

std::string FindingJson(const model::Finding& f) {
  nlohmann::ordered_json j;
  j["time"] = store::Rfc3339(f.time_ns);
  j["workload"] = f.workload;
  j["cgroup"] = f.cgroup_path;
  j["kind"] = model::FindingKindName(f.kind);
  j["subject"] = f.subject;
  j["reason"] = f.reason;
  j["severity"] = model::SeverityName(f.severity);
  j["score"] = f.score;
  j["count"] = f.count;
  if (f.id != 0) j["id"] = f.id;
  if (f.incident != 0) j["incident"] = f.incident;
  if (!f.incident_root.empty()) j["incident_root"] = f.incident_root;
  if (f.kind != model::FindingKind::kRate && f.kind != model::FindingKind::kUnprofiled &&
      !(f.item == model::ItemRef{})) {
    nlohmann::ordered_json item;
    if (f.item.table == model::ItemRef::Table::kNetwork) {
      item = {{"direction", model::DirectionName(f.item.net.direction)},
              {"protocol", f.item.net.protocol},
              {"address", f.item.net.address},
              {"port", f.item.net.port}};
    } else {
      item = {{"key", f.item.key}};
      if (f.item.table == model::ItemRef::Table::kLineage) item["lineage"] = true;
      if (f.item.table == model::ItemRef::Table::kDns) item["dns_name"] = true;
    }
    if (f.item.access != 0) {
      nlohmann::ordered_json access = nlohmann::ordered_json::array();
      for (std::string_view word : AccessWords(f.item.access)) access.push_back(word);
      item["access"] = std::move(access);
    }
    j["item"] = std::move(item);
  }
  if (f.folded != 0) {
    j["folded"] = {{"items", f.folded}, {"examples", f.folded_examples}};
  }
  if (!f.exception.empty()) j["exception"] = f.exception;  // suppressed (tools/exceptions.h)
  j["process"] = {{"pid", f.process.pid},
                  {"exe", f.process.exe},
                  {"argv", f.process.argv},
                  {"ppid", f.process.ppid},
                  {"parent_exe", f.process.parent_exe},
                  {"ancestry", f.process.ancestry}};
  if (!f.process.script.empty()) j["process"]["script"] = f.process.script;
  // The one encoding of the context (collector/runtime_context.h), as an object.
  if (std::string context = collector::RuntimeContextToJson(*f.process.runtime); !context.empty()) {
    j["context"] = nlohmann::ordered_json::parse(context);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FindingText(const model::Finding& f) {
  std::ostringstream out;
  std::string sev = model::SeverityName(f.severity);
  for (char& c : sev) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out << store::Rfc3339(f.time_ns).substr(0, 23) << "Z " << sev << " " << f.workload << " "
      << model::FindingKindName(f.kind) << " " << f.subject << ": " << f.reason;
  out << " [pid " << f.process.pid;
  if (!f.process.exe.empty()) out << " " << f.process.exe;
  if (!f.process.script.empty()) out << " running " << f.process.script;
  if (!f.process.parent_exe.empty()) out << ", parent " << f.process.parent_exe;
  out << "; score " << static_cast<int>(f.score * 100 + 0.5) / 100.0;
  if (f.count > 1) out << "; seen " << f.count << " times";
  if (f.folded != 0) out << "; " << f.folded << " folded in";
  if (!f.incident_root.empty()) out << "; incident of " << f.incident_root;
  if (!f.exception.empty()) out << "; suppressed by exception " << f.exception;
  out << "]";
  const RuntimeContext& c = *f.process.runtime;
  if (!c.empty()) {
    out << " [";
    const char* sep = "";
    if (!c.node.empty()) {
      out << "node " << c.node;
      sep = "; ";
    }
    if (!c.container_id.empty()) {
      out << sep << (c.runtime.empty() ? "" : c.runtime + " ") << "container "
          << (c.container_name.empty() ? c.container_id.substr(0, 12) : c.container_name);
      if (!c.image.empty()) out << " image " << c.image;
      sep = "; ";
    }
    if (!c.pod_name.empty()) {
      out << sep << "pod " << c.pod_namespace << "/" << c.pod_name;
      for (const auto& [k, v] : c.pod_labels) out << " " << k << "=" << v;
    }
    out << "]";
  }
  return out.str();
}

std::string WorkloadView::State() const {
  if (info.state == store::WorkloadState::kMonitoring || info.state == store::WorkloadState::kLocked) {
    const std::string state = store::WorkloadStateName(info.state);
    return learning.incomplete ? state + ", incomplete" : state;
  }
  return learning.State();
}

std::string WorkloadJson(const WorkloadView& v) {
  const store::WorkloadInfo& w = v.info;
  nlohmann::ordered_json j;
  j["workload"] = w.name;
  j["state"] = v.State();
  j["lifecycle"] = store::WorkloadStateName(w.state);
  j["stable"] = v.learning.stable;
  j["incomplete"] = v.learning.incomplete;
  j["coverage"] = std::round(v.learning.coverage * 10000.0) / 10000.0;
  j["version"] = w.version;
  j["first_seen"] = store::Rfc3339(w.first_seen_ns);
  j["last_seen"] = store::Rfc3339(w.last_seen_ns);
  j["updated"] = store::Rfc3339(w.updated_ns);
  j["events"] = w.events;
  j["dropped"] = w.dropped;
  j["items"] = {{"executables", w.executables}, {"files", w.files}, {"network", w.network},
                {"dns", w.dns}, {"syscalls", w.syscalls}};
  nlohmann::ordered_json types = nlohmann::ordered_json::object();
  for (const auto& t : v.learning.types) {
    types[t.type] = {{"items", t.items},
                     {"new_recent", t.new_recent},
                     {"last_new", t.last_new_ns ? store::Rfc3339(t.last_new_ns) : std::string()},
                     {"coverage", std::round(t.coverage * 10000.0) / 10000.0}};
  }
  j["learning"] = types;
  j["fingerprint_bytes"] = w.fingerprint_bytes;
  j["findings"] = w.findings;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WorkloadsText(const std::vector<WorkloadView>& ws) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof(line), "%-36s %-20s %6s %4s %9s %6s %6s %6s %5s %5s %5s %8s %8s\n",
                "WORKLOAD", "STATE", "COVER", "VER", "EVENTS", "EXES", "FILES", "NET", "DNS", "SYSC",
                "DROPS", "BYTES", "FINDINGS");
  out << line;
  for (const auto& v : ws) {
    const store::WorkloadInfo& w = v.info;
    char cover[16];
    std::snprintf(cover, sizeof(cover), "%.1f%%", v.learning.coverage * 100.0);
    std::snprintf(line, sizeof(line),
                  "%-36s %-20s %6s %4lld %9llu %6zu %6zu %6zu %5zu %5zu %5llu %8zu %8lld\n",
                  w.name.c_str(), v.State().c_str(), w.version > 0 ? cover : "-",
                  static_cast<long long>(w.version), static_cast<unsigned long long>(w.events),
                  w.executables, w.files, w.network, w.dns, w.syscalls, static_cast<unsigned long long>(w.dropped), w.fingerprint_bytes,
                  static_cast<long long>(w.findings));
    out << line;
  }
  return out.str();
}

}  // namespace dw::tools
