// tools/eval.cc: train on recorded traces, score normal and drift traces, match findings
// with the labels, and render the report.
#include "tools/eval/eval.h"

#include "tools/drive.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "collector/pipeline.h"
#include "collector/trace_source.h"
#include "model/detector.h"
#include "profiler/profiler.h"
#include "tools/drive.h"
#include "tools/packages.h"

namespace dw::tools {
namespace {

namespace fs = std::filesystem;

struct Replayed {
  uint64_t events = 0;
  uint64_t dropped = 0;  // records the kernel could not deliver while recording
};

// One trace through the data flow every command uses (tools/drive.h); with
// `packages`, the packages recorded with it answer as it plays.
Result<Replayed> Replay(const std::string& path, const std::function<void(const Event&)>& sink,
                        RecordedPackageOracle* packages = nullptr) {
  ASSIGN_OR_RETURN(auto source, collector::TraceEventSource::Open(path));
  struct Watch {
    RecordedPackageOracle* packages;
    const collector::EventSource* source;
    ~Watch() {
      if (packages != nullptr) packages->Release(source);
    }
  } watch{packages, source.get()};
  if (packages != nullptr) packages->Watch(source.get());
  std::atomic<bool> stop{false};
  collector::PipelineStats stats;
  Status s = Drive(
      *source,
      [&](const Event& e, std::span<const uint8_t>) {
        sink(e);
        return Status::Ok();
      },
      stop, &stats);
  RETURN_IF_ERROR(s.WithContext("replay " + path));
  return Replayed{stats.events, source->dropped()};
}

// Scores `traces` in order with one Detector, as `driftwatch detect --trace A --trace B`.
Result<std::vector<model::Finding>> Detect(const std::map<std::string, model::Fingerprint>& fps,
                                           const std::vector<std::string>& traces,
                                           uint64_t* events, std::set<std::string>* unprofiled) {
  model::Detector detector(fps);
  RecordedPackageOracle packages;  // as detect --trace
  detector.SetPackageOracle(&packages);
  for (const std::string& t : traces) {
    ASSIGN_OR_RETURN(Replayed r, Replay(t, [&](const Event& e) { detector.Observe(e); }, &packages));
    *events += r.events;
  }
  detector.Flush();  // the last rate buckets, as detect does after its traces
  unprofiled->insert(detector.unprofiled_workloads().begin(), detector.unprofiled_workloads().end());
  std::vector<model::Finding> out;
  for (const auto& f : detector.findings()) out.push_back(*f);
  return out;
}

Result<model::FindingKind> ParseKind(const std::string& s) {
  for (auto k : {model::FindingKind::kExec, model::FindingKind::kFile, model::FindingKind::kNetwork,
                 model::FindingKind::kRate, model::FindingKind::kSyscall}) {
    if (s == model::FindingKindName(k)) return k;
  }
  return Status(ErrorCode::kInvalidArgument,
                "unknown kind '" + s + "' (exec, file, network, rate or syscall)");
}

// "file /etc/shadow: file never seen in training (credential file) [/bin/sh, 3 times]".
std::string Describe(const model::Finding& f) {
  std::string s = std::string(model::FindingKindName(f.kind)) + " " + f.subject + ": " + f.reason;
  s += " [" + (f.process.exe.empty() ? std::string("?") : f.process.exe);
  if (f.count > 1) s += ", " + std::to_string(f.count) + " times";
  return s + "]";
}

nlohmann::ordered_json FindingBrief(const model::Finding& f) {
  return {{"kind", model::FindingKindName(f.kind)},
          {"subject", f.subject},
          {"reason", f.reason},
          {"severity", model::SeverityName(f.severity)},
          {"score", f.score},
          {"count", f.count},
          {"exe", f.process.exe}};
}

nlohmann::ordered_json LabelJson(const EvalLabel& l) {
  return {{"kind", model::FindingKindName(l.kind)},
          {"subject", l.subject},
          {"what", l.what},
          {"required", l.required}};
}

// Held-out traces in the order they were recorded: "heldout.dwt" (the first
// set), "heldout2.dwt", ..., "heldout10.dwt", not the byte order that puts
// heldout10 before heldout2.
struct RecordedOrder {
  static std::pair<std::string_view, unsigned long> Key(std::string_view name) {
    std::string_view stem = name.substr(0, name.find('.'));
    size_t digits = stem.size();
    while (digits > 0 && stem[digits - 1] >= '0' && stem[digits - 1] <= '9') --digits;
    unsigned long n = digits == stem.size() ? 1 : std::stoul(std::string(stem.substr(digits)));
    return {stem.substr(0, digits), n};
  }
  bool operator()(const std::string& a, const std::string& b) const {
    auto ka = Key(a), kb = Key(b);
    return ka != kb ? ka < kb : a < b;
  }
};

}  // namespace

size_t EvalResult::required_labels() const {
  return static_cast<size_t>(
      std::count_if(labels.begin(), labels.end(), [](const LabelOutcome& o) { return o.label.required; }));
}

size_t EvalResult::detected_labels() const {
  return static_cast<size_t>(std::count_if(labels.begin(), labels.end(), [](const LabelOutcome& o) {
    return o.label.required && o.findings > 0;
  }));
}

size_t EvalResult::detected_labels_at(model::Severity s) const {
  return static_cast<size_t>(std::count_if(labels.begin(), labels.end(), [&](const LabelOutcome& o) {
    return o.label.required && o.findings > 0 && model::SeverityOf(o.best_score) >= s;
  }));
}

double EvalResult::margin() const {
  double lowest_label = 1.0;
  for (const auto& o : labels) {
    if (o.label.required) lowest_label = std::min(lowest_label, o.best_score);
  }
  double highest_fp = 0;
  for (const auto* list : {&normal_findings, &heldout_findings, &unlabelled}) {
    for (const auto& f : *list) highest_fp = std::max(highest_fp, f.score);
  }
  return lowest_label - highest_fp;
}

size_t CountAtLeast(const std::vector<model::Finding>& findings, model::Severity s) {
  return static_cast<size_t>(std::count_if(findings.begin(), findings.end(),
                                            [&](const model::Finding& f) { return f.severity >= s; }));
}

std::vector<EvalLabel> EvalResult::misses() const {
  std::vector<EvalLabel> out;
  for (const auto& o : labels) {
    if (o.label.required && o.findings == 0) out.push_back(o.label);
  }
  return out;
}

Result<std::vector<EvalCase>> DiscoverCases(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status(ErrorCode::kNotFound, "eval data " + dir + ": not a directory");
  }
  std::vector<EvalCase> cases;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    EvalCase c;
    c.name = it->path().filename().string();
    std::error_code ec2;
    for (fs::directory_iterator f(it->path(), ec2), fend; !ec2 && f != fend; f.increment(ec2)) {
      const std::string name = f->path().filename().string();
      if (name == "drift.labels.json") c.labels = f->path().string();
      if (name.size() < 4 || name.compare(name.size() - 4, 4, ".dwt") != 0) continue;
      if (name.rfind("train", 0) == 0) c.train.push_back(f->path().string());
      if (name.rfind("normal", 0) == 0) c.normal.push_back(f->path().string());
      if (name.rfind("drift", 0) == 0) c.drift.push_back(f->path().string());
      if (name.rfind("heldout", 0) == 0) c.heldout.push_back(f->path().string());
    }
    if (ec2) return Status::Errno("list " + it->path().string(), ec2.value());
    if (c.train.empty()) continue;
    if (!c.drift.empty() && c.labels.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "eval case " + it->path().string() + ": drift traces without drift.labels.json");
    }
    std::sort(c.train.begin(), c.train.end());
    std::sort(c.normal.begin(), c.normal.end());
    std::sort(c.drift.begin(), c.drift.end());
    // Replayed one after another in the order they were recorded, so that
    // time moves forward across them (a later trace's events must not count
    // as late arrivals in an earlier one's open rate bucket).
    std::sort(c.heldout.begin(), c.heldout.end(), [](const std::string& a, const std::string& b) {
      return RecordedOrder()(fs::path(a).filename().string(), fs::path(b).filename().string());
    });
    cases.push_back(std::move(c));
  }
  if (ec) return Status::Errno("list " + dir, ec.value());
  std::sort(cases.begin(), cases.end(),
            [](const EvalCase& a, const EvalCase& b) { return a.name < b.name; });
  return cases;
}

Result<std::vector<EvalLabel>> ParseLabels(std::string_view json) {
  auto j = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) {
    return Status(ErrorCode::kInvalidArgument, "labels: not a JSON list");
  }
  std::vector<EvalLabel> labels;
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const std::string where = "labels: entry " + std::to_string(i);
    if (!e.is_object()) return Status(ErrorCode::kInvalidArgument, where + ": not an object");
    for (const auto& [key, value] : e.items()) {
      if (key != "kind" && key != "subject" && key != "what" && key != "required") {
        return Status(ErrorCode::kInvalidArgument, where + ": unknown field '" + key + "'");
      }
    }
    for (const char* key : {"kind", "subject", "what"}) {
      if (!e.contains(key) || !e[key].is_string() || e[key].get<std::string>().empty()) {
        return Status(ErrorCode::kInvalidArgument,
                      where + ": '" + key + "' must be a non-empty string");
      }
    }
    if (e.contains("required") && !e["required"].is_boolean()) {
      return Status(ErrorCode::kInvalidArgument, where + ": 'required' must be true or false");
    }
    EvalLabel l;
    Result<model::FindingKind> kind = ParseKind(e["kind"].get<std::string>());
    if (!kind) return kind.error().WithContext(where);
    l.kind = *kind;
    l.subject = e["subject"].get<std::string>();
    l.what = e["what"].get<std::string>();
    l.required = e.value("required", true);
    labels.push_back(std::move(l));
  }
  return labels;
}

Result<std::vector<EvalLabel>> LoadLabels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errno("open labels " + path, errno);
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::Errno("read labels " + path, errno);
  Result<std::vector<EvalLabel>> labels = ParseLabels(buf.str());
  if (!labels) return labels.error().WithContext(path);
  return labels;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, resume = 0;  // the last '*' and where its run ends
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      // Let the last '*' swallow one more character and retry from there.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool Matches(const EvalLabel& label, const model::Finding& f) {
  if (label.kind == f.kind && GlobMatch(label.subject, f.subject)) return true;
  for (std::string_view item : f.folded_examples) {
    model::FindingKind kind = model::FindingKind::kFile;  // a folded read: its path
    if (size_t space = item.find(' '); !item.starts_with('/') && space != std::string_view::npos) {
      if (Result<model::FindingKind> k = ParseKind(std::string(item.substr(0, space)))) {
        kind = *k;
        item.remove_prefix(space + 1);
      }
    }
    if (label.kind == kind && GlobMatch(label.subject, item)) return true;
  }
  return false;
}

Result<std::map<std::string, model::Fingerprint>> TrainCase(const EvalCase& c, uint64_t* events,
                                                             const std::function<void(const Event&)>& also) {
  if (c.train.empty()) {
    return Status(ErrorCode::kInvalidArgument, "eval case " + c.name + ": no train traces");
  }
  // Train as `driftwatch train --trace ...` does, one session per trace.
  profiler::Profiler profiler;
  for (size_t i = 0; i < c.train.size(); ++i) {
    if (i > 0) profiler.BeginSession();
    ASSIGN_OR_RETURN(Replayed t, Replay(c.train[i], [&](const Event& e) {
                       profiler.Observe(e);
                       if (also) also(e);
                     }));
    profiler.AddDropped(t.dropped);
    *events += t.events;
  }
  // What train would save, and detect load.
  std::map<std::string, model::Fingerprint> fingerprints;
  for (model::Fingerprint& fp : profiler.TakeDirty()) {
    std::string workload = fp.workload;
    fingerprints.emplace(std::move(workload), std::move(fp));
  }
  return fingerprints;
}

Result<EvalResult> RunEval(const EvalCase& c) {
  EvalResult r;
  r.name = c.name;
  ASSIGN_OR_RETURN(auto fingerprints, TrainCase(c, &r.train_events));
  std::vector<EvalLabel> labels;
  if (!c.labels.empty()) {
    ASSIGN_OR_RETURN(labels, LoadLabels(c.labels));
  }

  ASSIGN_OR_RETURN(r.normal_findings, Detect(fingerprints, c.normal, &r.normal_events, &r.unprofiled));
  ASSIGN_OR_RETURN(r.heldout_findings, Detect(fingerprints, c.heldout, &r.heldout_events, &r.unprofiled));
  for (const std::string& path : c.heldout) {
    HeldOutTrace t;
    t.trace = std::filesystem::path(path).filename().string();
    ASSIGN_OR_RETURN(std::vector<model::Finding> found, Detect(fingerprints, {path}, &t.events, &r.unprofiled));
    t.any = found.size();
    t.medium = CountAtLeast(found, model::Severity::kMedium);
    t.high = CountAtLeast(found, model::Severity::kHigh);
    r.heldout_traces.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(std::vector<model::Finding> drift,
                   Detect(fingerprints, c.drift, &r.drift_events, &r.unprofiled));
  for (const EvalLabel& l : labels) r.labels.push_back({l, 0});
  for (model::Finding& f : drift) {
    bool matched = false;
    for (LabelOutcome& o : r.labels) {
      if (!Matches(o.label, f)) continue;
      ++o.findings;
      o.best_score = std::max(o.best_score, f.score);
      matched = true;
    }
    if (!matched) r.unlabelled.push_back(std::move(f));
  }
  return r;
}

std::string EvalText(const std::vector<EvalResult>& results) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof(line), "%-16s %9s %9s %9s %11s %14s %9s\n", "WORKLOAD", "TRAIN-EV",
                "NORMAL-EV", "DRIFT-EV", "FP(normal)", "FP(drift,unl.)", "DETECTED");
  out << line;
  for (const auto& r : results) {
    std::string detected = std::to_string(r.detected_labels()) + "/" + std::to_string(r.required_labels());
    std::snprintf(line, sizeof(line), "%-16s %9llu %9llu %9llu %11zu %14zu %9s\n", r.name.c_str(),
                  static_cast<unsigned long long>(r.train_events),
                  static_cast<unsigned long long>(r.normal_events),
                  static_cast<unsigned long long>(r.drift_events), r.normal_findings.size(),
                  r.unlabelled.size(), detected.c_str());
    out << line;
  }
  out << "\n";
  std::snprintf(line, sizeof(line), "%-16s %-9s %10s %11s %8s %9s %7s\n", "WORKLOAD", "THRESHOLD",
                "FP(normal)", "FP(heldout)", "FP(unl.)", "DETECTED", "MARGIN");
  out << line;
  const std::pair<model::Severity, const char*> thresholds[] = {
      {model::Severity::kLow, "any"}, {model::Severity::kMedium, "medium+"}, {model::Severity::kHigh, "high+"}};
  for (const auto& r : results) {
    for (const auto& [severity, name] : thresholds) {
      std::string detected =
          std::to_string(r.detected_labels_at(severity)) + "/" + std::to_string(r.required_labels());
      std::snprintf(line, sizeof(line), "%-16s %-9s %10zu %11zu %8zu %9s %+7.2f\n", r.name.c_str(), name,
                    CountAtLeast(r.normal_findings, severity), CountAtLeast(r.heldout_findings, severity),
                    CountAtLeast(r.unlabelled, severity), detected.c_str(), r.margin());
      out << line;
    }
  }
  bool any_heldout = false;
  for (const auto& r : results) any_heldout |= !r.heldout_traces.empty();
  if (any_heldout) {
    out << "\n";
    std::snprintf(line, sizeof(line), "%-16s %-16s %9s %6s %8s %6s\n", "WORKLOAD", "HELD-OUT TRACE", "EVENTS",
                  "FP", "medium+", "high+");
    out << line;
    for (const auto& r : results) {
      std::vector<HeldOutTrace> traces = r.heldout_traces;
      std::sort(traces.begin(), traces.end(),
                [](const HeldOutTrace& a, const HeldOutTrace& b) { return RecordedOrder()(a.trace, b.trace); });
      for (const HeldOutTrace& t : traces) {
        std::snprintf(line, sizeof(line), "%-16s %-16s %9llu %6zu %8zu %6zu\n", r.name.c_str(), t.trace.c_str(),
                      static_cast<unsigned long long>(t.events), t.any, t.medium, t.high);
        out << line;
      }
    }
    // Per set (the traces of one name, recorded together across workloads):
    // how many workloads have nothing at medium or above, and how many meet
    // the held-out target (that, and at most two low findings).
    struct SetTally {
      size_t workloads = 0, no_medium = 0, target = 0;
    };
    std::map<std::string, SetTally, RecordedOrder> sets;
    for (const auto& r : results) {
      for (const HeldOutTrace& t : r.heldout_traces) {
        SetTally& s = sets[t.trace];
        ++s.workloads;
        s.no_medium += t.medium == 0;
        s.target += t.medium == 0 && t.any <= 2;
      }
    }
    out << "\n";
    std::snprintf(line, sizeof(line), "%-16s %9s %14s %22s\n", "HELD-OUT SET", "WORKLOADS", "NO MEDIUM+",
                  "NO MEDIUM+, <= 2 LOW");
    out << line;
    for (const auto& [trace, s] : sets) {
      const std::string no_medium = std::to_string(s.no_medium) + "/" + std::to_string(s.workloads);
      const std::string target = std::to_string(s.target) + "/" + std::to_string(s.workloads);
      std::snprintf(line, sizeof(line), "%-16s %9zu %14s %22s\n", trace.c_str(), s.workloads, no_medium.c_str(),
                    target.c_str());
      out << line;
    }
  }
  for (const auto& r : results) {
    for (const std::string& w : r.unprofiled) {
      out << r.name << ": not scored (no baseline from the train traces): workload " << w << "\n";
    }
    for (const EvalLabel& l : r.misses()) {
      out << r.name << ": missed: " << model::FindingKindName(l.kind) << " " << l.subject << " ("
          << l.what << ")\n";
    }
    for (const auto& f : r.normal_findings) {
      out << r.name << ": false positive on normal: " << Describe(f) << "\n";
    }
    for (const auto& f : r.unlabelled) {
      out << r.name << ": unlabelled on drift: " << Describe(f) << "\n";
    }
    for (const auto& f : r.heldout_findings) {
      out << r.name << ": false positive on held-out: " << Describe(f) << "\n";
    }
  }
  return out.str();
}

std::string EvalJson(const EvalResult& r) {
  nlohmann::ordered_json j;
  j["name"] = r.name;
  j["events"] = {{"train", r.train_events},
                 {"normal", r.normal_events},
                 {"drift", r.drift_events},
                 {"heldout", r.heldout_events}};
  j["false_positives_normal"] = r.normal_findings.size();
  j["unlabelled_drift"] = r.unlabelled.size();
  j["detected"] = r.detected_labels();
  j["required"] = r.required_labels();
  j["false_positives_heldout"] = r.heldout_findings.size();
  j["margin"] = r.margin();
  j["by_threshold"] = nlohmann::ordered_json::array();
  for (auto [severity, name] : {std::pair{model::Severity::kLow, "any"}, std::pair{model::Severity::kMedium, "medium"},
                                std::pair{model::Severity::kHigh, "high"}}) {
    j["by_threshold"].push_back({{"threshold", name},
                                 {"false_positives_normal", CountAtLeast(r.normal_findings, severity)},
                                 {"false_positives_heldout", CountAtLeast(r.heldout_findings, severity)},
                                 {"unlabelled_drift", CountAtLeast(r.unlabelled, severity)},
                                 {"detected", r.detected_labels_at(severity)}});
  }
  j["misses"] = nlohmann::ordered_json::array();
  for (const EvalLabel& l : r.misses()) j["misses"].push_back(LabelJson(l));
  j["false_positives"] = nlohmann::ordered_json::array();
  for (const auto& f : r.normal_findings) j["false_positives"].push_back(FindingBrief(f));
  j["unlabelled"] = nlohmann::ordered_json::array();
  for (const auto& f : r.unlabelled) j["unlabelled"].push_back(FindingBrief(f));
  j["false_positives_heldout_list"] = nlohmann::ordered_json::array();
  for (const auto& f : r.heldout_findings) j["false_positives_heldout_list"].push_back(FindingBrief(f));
  j["heldout_traces"] = nlohmann::ordered_json::array();
  for (const HeldOutTrace& t : r.heldout_traces) {
    j["heldout_traces"].push_back(
        {{"trace", t.trace}, {"events", t.events}, {"any", t.any}, {"medium", t.medium}, {"high", t.high}});
  }
  j["labels"] = nlohmann::ordered_json::array();
  for (const auto& o : r.labels) {
    nlohmann::ordered_json l = LabelJson(o.label);
    l["findings"] = o.findings;
    l["best_score"] = o.best_score;
    j["labels"].push_back(std::move(l));
  }
  j["unprofiled"] = r.unprofiled;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dw::tools
