// tools/agent/lifecycle.cc: a workload's life in the agent: first seen, learning,
// stable (checkpoints), monitoring; relearn starts over, accept extends a baseline.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "model/items.h"
#include "model/scorer.h"
#include "profiler/profiler.h"
#include "tools/agent/agent.h"
#include "tools/flags.h"

namespace dw::tools::agent {

void Agent::Handle(const Event& e) {
  metrics_.counter("driftwatch_events_total", "Events by type", {{"type", EventKindName(e.kind)}}).Inc();
  if (e.workload.empty()) return;
  ClaimVerdicts(e);
  auto it = states_.find(e.workload);
  if (it == states_.end()) {
    // A workload seen for the first time.
    store::WorkloadState state = store::WorkloadState::kLearning;
    if (config_.mode == Mode::kDetect) {
      // Owned here: unprofiled findings are outside the detector.
      unprofiled_.push_back(
          std::make_unique<model::Finding>(model::UnprofiledFinding(e, config_.learn_unprofiled)));
      Deliver({unprofiled_.back().get()});
      if (!config_.learn_unprofiled) state = store::WorkloadState::kIgnored;
    }
    it = states_.emplace(e.workload, state).first;
    if (state != store::WorkloadState::kIgnored) {
      if (Status s = store_->SetWorkloadState(e.workload, state); !s.ok()) return Fail(s);
    }
    spdlog::info("new workload {}: {}", e.workload, store::WorkloadStateName(state));
  }
  using State = store::WorkloadState;
  const State state = it->second;
  if (state == State::kLearning || (config_.mode == Mode::kLearn && state == State::kMonitoring)) {
    // A monitored baseline that learns again (learn mode, from the start or
    // after a reload) is extended, never replaced by what this run sees.
    if (state == State::kMonitoring) {
      if (const model::Fingerprint* fp = detector_->fingerprint(e.workload)) profiler_->Adopt(*fp);
    }
    profiler_->Observe(e);
    return;
  }
  if (state == State::kIgnored || config_.mode == Mode::kLearn) return;
  // monitoring, locked: scored.
  const bool timed = (++scored_ & 15) == 0;
  auto start = std::chrono::steady_clock::now();
  std::vector<model::Finding*> found = detector_->Observe(e);
  RememberVerdict(e);
  if (timed) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.histogram("driftwatch_scoring_latency_seconds", "Time to score one event (sampled 1/16)",
                       ExponentialBuckets(0.25e-6, 2, 14))
        .Observe(seconds);
  }
  if (!found.empty()) Deliver(found);
}

void Agent::Transition(const std::string& workload, store::WorkloadState state) {
  if (Status s = store_->SetWorkloadState(workload, state); !s.ok()) return Fail(s);
  states_[workload] = state;
  spdlog::info("workload {}: {}", workload, store::WorkloadStateName(state));
}

// Saves what was learned (one transaction), stores repeat counts, and turns
// stable workloads to monitoring.
void Agent::Checkpoint() {
  if (uint64_t d = source_->dropped(); d > dropped_seen_) {
    profiler_->AddDropped(d - dropped_seen_);  // marks what learned meanwhile incomplete
    dropped_seen_ = d;
  }
  std::vector<model::Fingerprint> dirty = profiler_->TakeDirty();
  if (!dirty.empty()) {
    if (Status s = store_->SaveFingerprints(dirty, NowNs()); !s.ok()) return Fail(s);
  }
  // A monitored baseline extended in learn mode is scored as extended once
  // the mode allows scoring again.
  for (model::Fingerprint& fp : dirty) {
    if (detector_->HasFingerprint(fp.workload)) detector_->SetFingerprint(std::move(fp));
  }
  auto updated = detector_->Updated();
  if (!updated.empty()) {
    if (Status s = store_->UpsertFindings(updated); !s.ok()) return Fail(s);
  }
  if (config_.mode == Mode::kLearn) return;
  const int64_t now = NowNs();
  const int64_t max_ns = config_.learning.max_duration.count() * 1'000'000LL;
  std::vector<std::string> done;
  for (const auto& [name, fp] : profiler_->fingerprints()) {
    auto st = states_.find(name);
    if (st == states_.end() || st->second != store::WorkloadState::kLearning || fp.training.events == 0) continue;
    model::LearningStatus ls = model::Assess(fp, Convergence());
    bool too_long = now - fp.training.first_event_ns >= max_ns;
    if (ls.stable || too_long) {
      spdlog::info("workload {} {}", name,
                   ls.stable ? ls.Describe(Convergence()) : "reached learning.max_duration");
      done.push_back(name);
    }
  }
  if (done.empty()) return;
  for (const std::string& name : done) {
    detector_->SetFingerprint(profiler_->fingerprints().at(name));
    Transition(name, store::WorkloadState::kMonitoring);
  }
}

void Agent::RebuildProfiler(const std::function<void(std::map<std::string, model::Fingerprint>*)>& edit) {
  std::map<std::string, model::Fingerprint> fps = profiler_->fingerprints();
  edit(&fps);
  profiler_ = std::make_unique<profiler::Profiler>(std::move(fps));
  profiler_->SetNode(hostname_);
  profiler_->SetSyscallWatch(source_->syscall_watch());
  profiler_->BeginSession();
}

const model::Fingerprint* Agent::Baseline(const std::string& workload) const {
  if (const model::Fingerprint* fp = detector_->fingerprint(workload)) return fp;
  auto learning = profiler_->fingerprints().find(workload);
  return learning == profiler_->fingerprints().end() ? nullptr : &learning->second;
}

Response Agent::Relearn(const std::string& name) {
  auto st = states_.find(name);
  if (st == states_.end()) return Response::Error(404, "unknown workload " + name);
  model::Fingerprint fresh;
  fresh.workload = name;
  if (Status s = store_->SaveFingerprints({fresh}, NowNs()); !s.ok()) return Response::Error(500, s.message());
  detector_->RemoveFingerprint(name);
  RebuildProfiler([&](auto* fps) { (*fps)[name] = fresh; });
  // The kernel reported each syscall the workload used, and each UDP flow
  // of a process, once: again, so the new baseline learns them too.
  for (CgroupId id : pipeline_->CgroupsOf(name)) {
    if (Status s = source_->ForgetReported(id); !s.ok()) spdlog::warn("relearn {}: {}", name, s.message());
  }
  Transition(name, store::WorkloadState::kLearning);
  return Response::Json(
      200, nlohmann::json({{"workload", name}, {"state", store::WorkloadStateName(store::WorkloadState::kLearning)}})
               .dump());
}

// Adds the item a finding is about (Finding::item) to its workload's
// baseline, so it stops firing.
Response Agent::Accept(const std::string& id_text) {
  std::optional<int64_t> parsed = ParseInt64(id_text);
  if (!parsed || *parsed <= 0) return Response::Error(400, "finding id must be a positive number");
  const int64_t id = *parsed;
  auto found = store_->GetFinding(id);
  if (!found) return Response::Error(500, found.error().message());
  if (!*found) return Response::Error(404, "no finding with id " + id_text);
  const model::Finding* f = &**found;
  const model::Fingerprint* current = Baseline(f->workload);
  if (current == nullptr) return Response::Error(409, "workload " + f->workload + " has no baseline");
  if (f->kind == model::FindingKind::kRate || f->kind == model::FindingKind::kUnprofiled) {
    return Response::Error(409, std::string(model::FindingKindName(f->kind)) +
                                    " findings cannot be accepted item by item; relearn the workload");
  }
  if (f->item.key.empty() && f->item.table != model::ItemRef::Table::kNetwork) {
    return Response::Error(409, "finding " + id_text +
                                    " was stored before findings carried their item (schema 4); "
                                    "accept a newer finding or relearn the workload");
  }
  // The finding carries its item: learn it as training would have.
  model::Fingerprint fp = *current;
  model::ItemStats& st = model::FindOrAddItem(&fp, f->item);
  st.count += 1;
  st.access |= f->item.access;
  if (st.first_seen_ns == 0) st.first_seen_ns = f->time_ns;
  st.last_seen_ns = std::max(st.last_seen_ns, f->time_ns);
  st.processes = std::max<uint32_t>(st.processes, 1);
  if (Status sv = store_->SaveFingerprints({fp}, NowNs()); !sv.ok()) return Response::Error(500, sv.message());
  // Both copies: a monitored baseline may also be learning (learn mode).
  if (profiler_->fingerprints().count(f->workload)) {
    RebuildProfiler([&](auto* fps) { (*fps)[fp.workload] = fp; });
  }
  if (detector_->fingerprint(f->workload) != nullptr) detector_->SetFingerprint(fp);
  return Response::Json(200, nlohmann::json({{"accepted", id}, {"workload", f->workload}, {"subject", f->subject}}).dump());
}

}  // namespace dw::tools::agent
