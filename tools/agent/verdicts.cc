// tools/agent/verdicts.cc: the agent's half of the kernel verdict cache
// (collector/verdict_cache.h): events the detector scored known go to the
// kernel, a workload's entries are forgotten when its baseline changes, and
// the calls the kernel answered count in the workload's rates.
#include <spdlog/spdlog.h>

#include "tools/agent/agent.h"

namespace dw::tools::agent {

void Agent::StartVerdictCache() {
  if (!config_.verdict_cache) return;
  collector::VerdictMaps* maps = source_->verdict_maps();
  if (maps == nullptr) return;  // a replay, or the source's cache is off
  verdicts_ = std::make_unique<collector::VerdictCache>(maps);
  // Relearn, accept, a checkpoint's extended baseline, monitoring's start:
  // every change goes through the detector.
  detector_->OnFingerprintChange([this](const std::string& workload) {
    if (Status s = verdicts_->Forget(workload); !s.ok()) Fail(s);
  });
}

// Called after the detector scored `e` (the workload is monitored or locked).
void Agent::RememberVerdict(const Event& e) {
  if (!verdicts_ || !detector_->LastEventKnown()) return;
  if (Status s = verdicts_->Remember(e); !s.ok()) {
    spdlog::warn("verdict cache off: {}", s.message());
    ForgetVerdicts();
    verdicts_.reset();
  }
}

// Calls the kernel answered count in the scored workloads' rates (model/rates.h
// AddUndelivered), read once a second.
void Agent::FeedUndelivered() {
  if (!verdicts_) return;
  auto counters = source_->CgroupCounters();
  if (!counters) return spdlog::warn("{}", counters.error().message());
  std::map<CgroupId, collector::FilteredCalls> now;
  for (const auto& [id, k] : *counters) now[id] = k.filtered;
  for (const auto& [id, calls] : filtered_.Take(now)) {
    const std::string* w = pipeline_->WorkloadOf(id);
    if (w == nullptr || !detector_->HasFingerprint(*w)) continue;
    for (size_t kind = 0; kind < calls.size(); ++kind) {
      detector_->AddUndelivered(*w, static_cast<EventKind>(kind), calls[kind]);
    }
  }
}

// Any event: its cgroup's epoch goes if it was given for another workload.
void Agent::ClaimVerdicts(const Event& e) {
  if (!verdicts_) return;
  if (Status s = verdicts_->Claim(e); !s.ok()) Fail(s);
}

void Agent::ForgetVerdicts() {
  if (!verdicts_) return;
  if (Status s = verdicts_->ForgetAll(); !s.ok()) Fail(s);
}

}  // namespace dw::tools::agent
