// model/convergence.h: is a workload's baseline done learning?
//
// Derived from the fingerprint alone (nothing extra to store or lose on a
// restart), in the time of the events it learned from, so replayed traces and
// live training agree. Per item type (executables, lineage, files, network,
// DNS names, syscalls):
//   last_new   the latest first_seen of its items: when it last learned something;
//   new_recent items first seen within `quiet` of the training's last event;
//   coverage   Good-Turing estimate of the share of future events whose item is
//              already known: 1 - N1/N, N1 = items seen exactly once, N = events
//              observed for that type (generalized patterns count as items).
// Syscalls are reported once per cgroup (bpf/syscall.bpf.c), so their counts
// say how many cgroups or sessions used them, not how often: their coverage
// is shown but left out of the overall one, which it would drag towards 0.
// They count for stability like any other type.
// A workload is `stable` when it trained at least `min_duration` and no type
// learned a new item during the last `quiet` of training; `learning`
// otherwise. A baseline trained while the kernel dropped events is
// `incomplete` too (it may have missed items), whatever its state.
#ifndef DRIFTWATCH_MODEL_CONVERGENCE_H_
#define DRIFTWATCH_MODEL_CONVERGENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model/fingerprint.h"

namespace dw::model {

struct ConvergenceOptions {
  // A service's full cycle (start-up, traffic, a cron-like task) rarely fits
  // in less: shorter training would call a baseline done before it saw one.
  int64_t min_duration_ns = 600'000'000'000;  // 10 min
  // No new item for this long: the new-item rate has fallen to about zero.
  int64_t quiet_ns = 300'000'000'000;  // 5 min
};

struct TypeStatus {
  std::string type;         // "executables", "lineage", "files", "network", "dns", "syscalls"
  size_t items = 0;
  uint64_t observations = 0;
  uint64_t singletons = 0;  // items seen exactly once
  int64_t last_new_ns = 0;  // 0 when no items
  size_t new_recent = 0;
  double coverage = 1.0;
  bool operator==(const TypeStatus&) const = default;
};

struct LearningStatus {
  bool stable = false;
  bool incomplete = false;   // trained while events were dropped
  uint64_t dropped = 0;
  int64_t duration_ns = 0;   // training.last_event_ns - training.first_event_ns
  int64_t quiet_for_ns = 0;  // since the last new item, at the end of training
  double coverage = 1.0;     // over all types
  std::vector<TypeStatus> types;
  bool operator==(const LearningStatus&) const = default;

  // "stable", "learning", "stable, incomplete" ...
  std::string State() const;
  // One line for a person: "learning: 3 new items in the last 5m; 2m of 10m minimum; coverage 97.1%".
  std::string Describe(const ConvergenceOptions& options) const;
};

LearningStatus Assess(const Fingerprint& fp, const ConvergenceOptions& options = {});

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_CONVERGENCE_H_
