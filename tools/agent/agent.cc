// tools/agent/agent.cc: the agent's start-up: resume every workload from the
// store, wire the source through the one pipeline (tools/drive.h), start the
// outputs and the API, arm the loop. RunAgent() gives it the BPF source.
#include "tools/agent/agent.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "collector/bpf_source.h"
#include "profiler/profiler.h"
#include "tools/agent/delivery.h"
#include "tools/agent/webhook.h"

namespace dw::tools::agent {
namespace {

namespace asio = boost::asio;

// How many of the newest stored findings a restart takes back (Start).
constexpr size_t kRestoredFindings = 10000;

const collector::Clock& DefaultClock() {
  static const collector::SystemClock clock;
  return clock;
}

}  // namespace

Agent::Agent(asio::io_context& io, AgentOptions options)
    : io_(io),
      config_path_(std::move(options.config_path)),
      config_(std::move(options.config)),
      clock_(options.clock != nullptr ? options.clock : &DefaultClock()),
      pipeline_options_(std::move(options.pipeline)),
      handle_signals_(options.handle_signals),
      open_source_(std::move(options.open_source)),
      signals_(io),
      drain_timer_(io),
      checkpoint_timer_(io) {
  for (const auto& r : config_.identity_rules) pipeline_options_.identity.rules.push_back({r.pattern, r.name});
}

Agent::~Agent() = default;

Status Agent::Start() {
  // The database first: a bad one is named before the source is opened.
  ASSIGN_OR_RETURN(store_, store::Store::Open(config_.database, store::OpenMode::kReadWrite));
  if (!open_source_) return Status(ErrorCode::kInvalidArgument, "agent: no event source");
  ASSIGN_OR_RETURN(source_, open_source_());
  // The node findings and fingerprints carry: the config's, else the source's.
  hostname_ = config_.hostname.empty() ? source_->node() : config_.hostname;
  ASSIGN_OR_RETURN(auto fingerprints, store_->LoadFingerprints());
  ASSIGN_OR_RETURN(auto workloads, store_->ListWorkloads());

  // Resume: every workload in the state it was left in.
  std::map<std::string, model::Fingerprint> learning, scored;
  for (const auto& w : workloads) {
    using State = store::WorkloadState;
    states_[w.name] = w.state;
    auto fp = fingerprints.find(w.name);
    if (fp == fingerprints.end()) continue;
    // detect mode only alerts: a baseline brought from staging is scored
    // whatever state staging left it in (learn mode never promotes).
    if (config_.mode == Mode::kDetect && w.state == State::kLearning && fp->second.training.events > 0) {
      states_[w.name] = State::kMonitoring;
      RETURN_IF_ERROR(store_->SetWorkloadState(w.name, State::kMonitoring));
    }
    if (states_[w.name] == State::kMonitoring || states_[w.name] == State::kLocked) {
      scored[w.name] = fp->second;
    } else {
      learning[w.name] = fp->second;
    }
  }
  profiler_ = std::make_unique<profiler::Profiler>(std::move(learning));
  profiler_->SetNode(hostname_);  // as the CLI records it, so fleet merges keep nodes apart
  profiler_->SetSyscallWatch(source_->syscall_watch());
  profiler_->BeginSession();
  detector_ = std::make_unique<model::Detector>(std::move(scored));
  if (config_.packages) {
    packages_ = std::make_unique<PackageOracle>(std::string(PackageOracle::kLive));
    detector_->SetPackageOracle(packages_.get());
  }
  // The findings of earlier runs: the same drift after a restart is the same
  // finding with a larger count, not a new alert (model/detector.h Restore).
  ASSIGN_OR_RETURN(std::vector<model::Finding> earlier,
                   store_->ListFindings(std::nullopt, 0, kRestoredFindings));
  detector_->Restore(std::move(earlier));
  StartVerdictCache();

  RETURN_IF_ERROR(StartOutputs());
  RETURN_IF_ERROR(StartApi());

  size_t attached = 0;
  for (const auto& h : source_->hooks()) {
    if (h.attached) {
      ++attached;
    } else {
      spdlog::warn("hook {} unavailable on this kernel ({}): the events it feeds are not collected",
                   h.hook, h.error);
    }
  }
  pipeline_ = BuildPipeline(*source_, pipeline_options_);
  on_record_ = [this](std::span<const uint8_t> r) { OnRecord(r); };

  if (source_->ready_fd() >= 0) {
    ring_ = std::make_unique<asio::posix::stream_descriptor>(io_, ::dup(source_->ready_fd()));
    ArmRing();
  }
  ArmDrain();
  ArmCheckpoint();
  if (handle_signals_) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.add(SIGHUP);
    ArmSignals();
  }
  spdlog::info("ready: {}/{} hooks attached, mode {}, watching {}, {} workloads resumed{}", attached,
               source_->hooks().size(), ModeName(config_.mode),
               config_.cgroups.empty() ? std::string("the whole host")
                                       : fmt::format("{}", fmt::join(config_.cgroups, ", ")),
               states_.size(),
               http_ ? (config_.api.unix_socket.empty()
                            ? fmt::format(", api on 127.0.0.1:{}", http_->tcp_port())
                            : ", api on " + config_.api.unix_socket)
                     : std::string());
  return Status::Ok();
}

void Agent::Stop() { Shutdown(); }

void Agent::Fail(const Status& s) {
  if (result_.ok()) result_ = s;
  spdlog::error("{}", s.message());
  Shutdown();
}

Status RunAgent(const std::string& config_path, bool verdict_cache) {
  ASSIGN_OR_RETURN(AgentConfig config, LoadConfig(config_path));
  config.verdict_cache = config.verdict_cache && verdict_cache;
  collector::BpfOptions bpf;
  bpf.cgroups = config.cgroups;
  bpf.syscalls = config.syscalls;
  bpf.verdict_cache = config.verdict_cache;
  AgentOptions options;
  options.open_source = [bpf]() -> Result<std::unique_ptr<collector::EventSource>> {
    ASSIGN_OR_RETURN(auto source, collector::BpfEventSource::Open(bpf));
    return std::unique_ptr<collector::EventSource>(std::move(source));
  };
  options.config = std::move(config);
  options.config_path = config_path;
  asio::io_context io;
  Agent agent(io, std::move(options));
  RETURN_IF_ERROR(agent.Start());
  io.run();
  return agent.result();
}

}  // namespace dw::tools::agent
