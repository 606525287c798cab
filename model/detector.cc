// model/detector.cc: per-run deduplication of findings.
#include "model/detector.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace dw::model {

Detector::Detector(std::map<std::string, Fingerprint> fingerprints, Scorer scorer, DetectorOptions options)
    : fingerprints_(std::move(fingerprints)), scorer_(scorer), options_(options) {}

void Detector::AssignIncident(Finding* f) {
  const int64_t t = f->time_ns;
  std::erase_if(incidents_, [&](const Incident& i) { return t - i.last_ns > options_.incident_window_ns; });
  const uint32_t pid = f->process.pid;
  const uint32_t ppid = f->process.ppid;
  for (Incident& i : incidents_) {
    if (i.workload != f->workload) continue;
    if (i.pids.count(pid) || (ppid > 1 && i.pids.count(ppid))) {
      i.pids.insert(pid);
      if (ppid > 1) i.pids.insert(ppid);
      i.last_ns = std::max(i.last_ns, t);
      f->incident = i.id;
      return;
    }
  }
  Incident i;
  const size_t h = std::hash<std::string>{}(f->workload + '\0' + std::to_string(t) + '\0' +
                                            std::to_string(pid));
  i.id = static_cast<int64_t>(h & ((uint64_t{1} << 62) - 1));
  if (i.id == 0) i.id = 1;
  i.workload = f->workload;
  i.pids.insert(pid);
  if (ppid > 1) i.pids.insert(ppid);
  i.last_ns = t;
  f->incident = i.id;
  incidents_.push_back(std::move(i));
}

void Detector::Record(Finding f, std::string key, std::vector<Finding*>* fresh) {
  auto [it, inserted] = by_key_.try_emplace(std::move(key), nullptr);
  if (!inserted) {
    ++it->second->count;
    ++stats_.repeats;
    if (updated_set_.insert(it->second).second) updated_.push_back(it->second);
    return;
  }
  findings_.push_back(std::make_unique<Finding>(std::move(f)));
  it->second = findings_.back().get();
  AssignIncident(it->second);
  ++stats_.findings;
  fresh->push_back(it->second);
}

void Detector::ScoreRates(const std::vector<RateSample>& samples, std::vector<Finding*>* fresh) {
  for (const RateSample& sample : samples) {
    auto fp = fingerprints_.find(sample.workload);
    if (fp == fingerprints_.end()) continue;
    std::optional<RateScore> score = Score(fp->second.rates, sample);
    if (!score || !score->drift) continue;
    Finding f = RateFinding(sample, *score, fp->second.rates);
    std::string key = f.workload;
    key += '\0';
    key += FindingKindName(f.kind);
    key += '\0';
    key += RateDimName(score->top_dim);
    Record(std::move(f), std::move(key), fresh);
  }
}

std::vector<Finding*> Detector::Observe(const Event& e) {
  std::vector<Finding*> fresh;
  ++stats_.events;
  if (e.workload.empty()) {
    ScoreRates(rates_.Observe(e), &fresh);
    return fresh;
  }
  auto fp = fingerprints_.find(e.workload);
  if (fp == fingerprints_.end()) {
    ++stats_.events_unprofiled;
    unprofiled_.insert(e.workload);
    ScoreRates(rates_.Observe(e), &fresh);
    return fresh;
  }
  ++stats_.events_scored;
  for (Finding& f : scorer_.Score(&fp->second, e)) {
    std::string key = f.workload;
    key += '\0';
    key += FindingKindName(f.kind);
    key += '\0';
    key += f.subject;
    Record(std::move(f), std::move(key), &fresh);
  }
  ScoreRates(rates_.Observe(e), &fresh);
  return fresh;
}

std::vector<Finding*> Detector::Flush() {
  std::vector<Finding*> fresh;
  ScoreRates(rates_.Flush(), &fresh);
  return fresh;
}

std::vector<Finding*> Detector::Updated() {
  std::vector<Finding*> out = std::move(updated_);
  updated_.clear();
  updated_set_.clear();
  return out;
}

}  // namespace dw::model
