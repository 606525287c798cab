// tools/agent/agent.h: `driftwatch agent`, the unattended daemon.
//
// One process on one Boost.Asio io_context (single thread): the ring buffer's
// epoll fd as an async descriptor plus a short drain timer (wake-ups are
// batched in the kernel), timers for checkpoints and stability checks, a
// signal set (SIGTERM/SIGINT: drain, flush findings and fingerprints, exit 0;
// SIGHUP: reload the config, keep the state), the HTTP API and the webhook.
//
// Workload lifecycle, persisted in the store (workloads.state):
//   learning    the profiler extends its fingerprint; becomes `monitoring`
//               when the baseline is stable (model/convergence.h) or after
//               learning.max_duration;
//   monitoring  events are scored; findings are stored and delivered;
//   locked      a baseline from elsewhere: scored, never learns.
// Agent modes: learn (everything learns, nothing alerts), detect (only
// alert: every workload with a baseline is scored, whatever state it was left
// in; a workload without one gets one `unprofiled` finding and then learns or
// is ignored, by config), auto (learn new workloads, monitor stable ones). A
// restart resumes every workload where it was, partial learning included (the
// last checkpoint).
//
// The agent takes its event source and clock from outside (AgentOptions): the
// daemon gives it the BPF source and the system clock, tests a replayed trace
// and a FakeClock. Its parts live in files of their own: agent.cc (start-up
// and resume), event_loop.cc (the loop, signals, reload, shutdown),
// lifecycle.cc (learning -> monitoring, relearn, accept), routes.cc (the HTTP
// API and metrics), delivery.cc (stored findings to stdout, a file and the
// webhook).
#ifndef DRIFTWATCH_TOOLS_AGENT_AGENT_H_
#define DRIFTWATCH_TOOLS_AGENT_AGENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>

#include "collector/event.h"
#include "collector/event_source.h"
#include "collector/verdict_cache.h"
#include "collector/status.h"
#include "model/convergence.h"
#include "model/detector.h"
#include "model/fingerprint.h"
#include "store/store.h"
#include "collector/clock.h"
#include "tools/agent/config.h"
#include "tools/agent/http_server.h"
#include "tools/agent/metrics.h"
#include "tools/drive.h"
#include "tools/packages.h"

namespace dw::profiler {
class Profiler;
}

namespace dw::tools::agent {

class JsonlFile;
class StoreOutbox;
class WebhookSender;

struct AgentOptions {
  AgentConfig config;
  // The config file SIGHUP reloads ("" = nothing to reload).
  std::string config_path;
  // Opens where events come from (required): Start() calls it once, after
  // the database opened. The agent owns what it returns.
  std::function<Result<std::unique_ptr<collector::EventSource>>()> open_source;
  // Wall clock; nullptr = the system clock. Must outlive the agent.
  const collector::Clock* clock = nullptr;
  // The workload namer's options (tools/drive.h); the config's identity
  // rules are added to them.
  PipelineOptions pipeline;
  // SIGTERM/SIGINT stop the agent, SIGHUP reloads; off in tests.
  bool handle_signals = true;
};

// The agent on an io_context of the caller's, which runs it (single thread).
// Not thread-safe: every call from the io_context's thread, or before it runs.
class Agent {
 public:
  Agent(boost::asio::io_context& io, AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Opens the store, resumes the workloads, starts the API and the webhook
  // and arms the event loop. Errors name what could not start.
  Status Start();
  // What SIGTERM does: drains the source, flushes findings and fingerprints,
  // stops the API and the webhook, and stops the io_context.
  void Stop();
  // The error that ended the run, if any.
  Status result() const { return result_; }
  // The API's TCP port (after Start; 0 without a TCP API).
  uint16_t api_port() const;

 private:
  // agent.cc
  void Fail(const Status& s);
  model::ConvergenceOptions Convergence() const {
    return {config_.learning.min_duration.count() * 1'000'000LL,
            config_.learning.quiet_period.count() * 1'000'000LL};
  }
  int64_t NowNs() const { return clock_->NowNs(); }
  // event_loop.cc
  void OnRecord(std::span<const uint8_t> record);
  void Drain();
  void ArmRing();
  void ArmDrain();
  void ArmCheckpoint();
  void ArmSignals();
  void OnSignal(int sig);
  void Reload();
  void Shutdown();
  // lifecycle.cc
  void Handle(const Event& e);
  void Checkpoint();
  void Transition(const std::string& workload, store::WorkloadState state);
  void RebuildProfiler(const std::function<void(std::map<std::string, model::Fingerprint>*)>& edit);
  // The baseline `workload` is judged by now: the scored one, else the one
  // being learned; nullptr when it has none.
  const model::Fingerprint* Baseline(const std::string& workload) const;
  Response Relearn(const std::string& name);
  Response Accept(const std::string& id);
  // delivery.cc
  void Deliver(const std::vector<model::Finding*>& findings);
  Status StartOutputs();
  // routes.cc
  Status StartApi();
  void InstallRoutes();
  Response ListWorkloads();
  Response GetWorkload(const std::string& name);
  Response ListFindings(const Request& r);
  std::string RenderMetrics();
  void RenderKernelCounters();
  // verdicts.cc: the kernel verdict cache (collector/verdict_cache.h):
  // inserts events the detector scored known, forgets a workload when its
  // baseline changes.
  void StartVerdictCache();
  void RememberVerdict(const Event& e);
  void ClaimVerdicts(const Event& e);
  void FeedUndelivered();
  void ForgetVerdicts();

  boost::asio::io_context& io_;
  std::string config_path_;
  AgentConfig config_;
  const collector::Clock* clock_;
  PipelineOptions pipeline_options_;
  bool handle_signals_;
  std::string hostname_;
  std::unique_ptr<store::Store> store_;
  std::function<Result<std::unique_ptr<collector::EventSource>>()> open_source_;
  std::unique_ptr<collector::EventSource> source_;
  std::unique_ptr<SourcePipeline> pipeline_;
  std::unique_ptr<profiler::Profiler> profiler_;
  std::unique_ptr<PackageOracle> packages_;  // the detector's (config packages)
  std::unique_ptr<model::Detector> detector_;
  std::unique_ptr<collector::VerdictCache> verdicts_;  // null when off
  collector::FilteredDeltas filtered_;                // kernel-answered calls fed to the rates
  uint64_t drains_ = 0;
  std::map<std::string, store::WorkloadState> states_;  // workload -> its lifecycle state
  std::unique_ptr<StoreOutbox> outbox_;
  std::unique_ptr<WebhookSender> webhook_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<JsonlFile> jsonl_;
  Registry metrics_;
  boost::asio::signal_set signals_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> ring_;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer checkpoint_timer_;
  collector::RecordHandler on_record_;
  uint64_t scored_ = 0;
  uint64_t dropped_seen_ = 0;  // records the source dropped, already charged to training
  std::vector<std::unique_ptr<model::Finding>> unprofiled_;
  bool stopping_ = false;
  Status result_;
};

// Runs the agent with the config at `config_path` on the BPF source until
// SIGTERM or SIGINT. Returns the error that stopped it from starting or running.
// `verdict_cache` false turns the kernel verdict cache off whatever the
// config says (driftwatch agent --no-verdict-cache).
Status RunAgent(const std::string& config_path, bool verdict_cache = true);

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_AGENT_H_
