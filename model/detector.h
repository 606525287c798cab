// model/detector.h: scores a stream of events against the workloads'
// fingerprints and folds repeated findings into one.
#ifndef DRIFTWATCH_MODEL_DETECTOR_H_
#define DRIFTWATCH_MODEL_DETECTOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"
#include "model/rates.h"
#include "model/scorer.h"

namespace dw::model {

// A finding is identified in a run by (workload, kind, subject): the first
// event that raises it creates it; later ones only increment its count (the
// first event's time, reason, score and process are kept).
//
// Incidents: a new finding joins an open incident of its workload when it
// comes within `incident_window` of that incident's latest finding and its
// process belongs to the same process tree: its pid or parent pid is already
// one of the incident's pids or parents (a shell and the commands it runs, a
// server's workers). Otherwise it opens a new incident. The id is a stable
// 62-bit hash of the incident's first finding (workload, time, pid), so ids
// from different runs do not collide.
//
// The Detector owns its findings; the pointers it hands out stay valid for its
// lifetime. Not thread-safe.
struct DetectorOptions {
  int64_t incident_window_ns = 60'000'000'000;  // 60 s
};

class Detector {
 public:
  struct Stats {
    uint64_t events = 0;             // all events observed
    uint64_t events_scored = 0;      // events of a workload with a fingerprint
    uint64_t events_unprofiled = 0;  // events of a named workload without one
    uint64_t findings = 0;           // distinct findings created
    uint64_t repeats = 0;            // drift events folded into an existing finding
    bool operator==(const Stats&) const = default;
  };

  // `fingerprints` maps workload name to its fingerprint.
  explicit Detector(std::map<std::string, Fingerprint> fingerprints, Scorer scorer = Scorer(),
                    DetectorOptions options = DetectorOptions());

  // Scores `e` against its workload's fingerprint. Returns the findings that
  // are new in this run (in ItemsOf order, then rate findings of buckets that
  // `e` completed); repeats are counted, not returned. Events with an empty
  // workload, or one without a fingerprint, raise nothing. Rate findings are
  // keyed by their dimension ("writes"), so repeated bursts fold into one.
  std::vector<Finding*> Observe(const Event& e);
  // Ends the stream: scores the last, partial, rate buckets (a partial bucket
  // can only under-count, so it cannot raise a false burst).
  std::vector<Finding*> Flush();

  // The findings whose count changed since the previous call (each once, in
  // the order of their first change). A finding returned by Observe() as new
  // is listed here only if it repeated afterwards.
  std::vector<Finding*> Updated();

  // Every finding of the run, in creation order.
  const std::vector<std::unique_ptr<Finding>>& findings() const { return findings_; }
  // Named workloads seen without a fingerprint.
  const std::set<std::string>& unprofiled_workloads() const { return unprofiled_; }
  const Stats& stats() const { return stats_; }
  bool HasFingerprint(const std::string& workload) const { return fingerprints_.count(workload) > 0; }
  // The fingerprint `workload` is scored against, or nullptr.
  const Fingerprint* fingerprint(const std::string& workload) const {
    auto it = fingerprints_.find(workload);
    return it == fingerprints_.end() ? nullptr : &it->second;
  }
  // Starts scoring `fp.workload` against `fp` (replacing any earlier one), or
  // stops scoring `workload`. Findings already raised stay.
  void SetFingerprint(Fingerprint fp) { fingerprints_[fp.workload] = std::move(fp); }
  void RemoveFingerprint(const std::string& workload) { fingerprints_.erase(workload); }

 private:
  std::map<std::string, Fingerprint> fingerprints_;
  struct Incident {
    int64_t id = 0;
    std::string workload;
    std::set<uint32_t> pids;  // pids and parent pids of its findings
    int64_t last_ns = 0;
  };
  // Sets f->incident, joining or opening an incident.
  void AssignIncident(Finding* f);
  // Folds `f` into the finding with the same key or keeps it as a new one
  // (appended to `fresh`).
  void Record(Finding f, std::string key, std::vector<Finding*>* fresh);
  void ScoreRates(const std::vector<RateSample>& samples, std::vector<Finding*>* fresh);

  RateBucketer rates_;

  Scorer scorer_;
  DetectorOptions options_;
  std::vector<Incident> incidents_;  // open ones, pruned by the window
  std::vector<std::unique_ptr<Finding>> findings_;
  std::unordered_map<std::string, Finding*> by_key_;  // "workload\0kind\0subject"
  std::vector<Finding*> updated_;
  std::set<const Finding*> updated_set_;
  std::set<std::string> unprofiled_;
  Stats stats_;
};

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_DETECTOR_H_
