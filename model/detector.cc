// model/detector.cc: per-run deduplication of findings.
#include "model/detector.h"

#include <utility>

namespace dw::model {

Detector::Detector(std::map<std::string, Fingerprint> fingerprints, Scorer scorer)
    : fingerprints_(std::move(fingerprints)), scorer_(scorer) {}

std::vector<Finding*> Detector::Observe(const Event& e) {
  std::vector<Finding*> fresh;
  ++stats_.events;
  if (e.workload.empty()) return fresh;
  auto fp = fingerprints_.find(e.workload);
  if (fp == fingerprints_.end()) {
    ++stats_.events_unprofiled;
    unprofiled_.insert(e.workload);
    return fresh;
  }
  ++stats_.events_scored;
  for (Finding& f : scorer_.Score(&fp->second, e)) {
    std::string key = f.workload;
    key += '\0';
    key += FindingKindName(f.kind);
    key += '\0';
    key += f.subject;
    auto [it, inserted] = by_key_.try_emplace(std::move(key), nullptr);
    if (!inserted) {
      ++it->second->count;
      ++stats_.repeats;
      if (updated_set_.insert(it->second).second) updated_.push_back(it->second);
      continue;
    }
    findings_.push_back(std::make_unique<Finding>(std::move(f)));
    it->second = findings_.back().get();
    ++stats_.findings;
    fresh.push_back(it->second);
  }
  return fresh;
}

std::vector<Finding*> Detector::Updated() {
  std::vector<Finding*> out = std::move(updated_);
  updated_.clear();
  updated_set_.clear();
  return out;
}

}  // namespace dw::model
