// tools/agent/agent.cc: the agent's event loop, workload lifecycle, API and delivery.
#include "tools/agent/agent.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <string_view>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>
#include <sstream>

#include "collector/bpf_source.h"
#include "collector/identity.h"
#include "collector/pipeline.h"
#include "model/convergence.h"
#include "model/detector.h"
#include "model/items.h"
#include "model/scorer.h"
#include "profiler/profiler.h"
#include "store/store.h"
#include "tools/agent/http_server.h"
#include "tools/agent/metrics.h"
#include "tools/agent/webhook.h"
#include "tools/format.h"

namespace dw::tools::agent {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr char kWebhookSink[] = "webhook";
// How many of the newest stored findings a restart takes back (Start).
constexpr size_t kRestoredFindings = 10000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Findings as JSON lines in a file, rotated by size: FILE, FILE.1 ... FILE.keep.
class JsonlFile {
 public:
  JsonlFile(std::string path, uint64_t max_bytes, int keep)
      : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {}

  ~JsonlFile() { CloseFd(); }
  JsonlFile(const JsonlFile&) = delete;
  JsonlFile& operator=(const JsonlFile&) = delete;

  Status Write(const std::string& line) {
    if (fd_ < 0) RETURN_IF_ERROR(Open());
    if (size_ > 0 && size_ + line.size() + 1 > max_bytes_) RETURN_IF_ERROR(Rotate());
    std::string data = line + '\n';
    std::string_view rest = data;
    while (!rest.empty()) {
      ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::Errno("write findings file " + path_, n < 0 ? errno : EIO);
      rest.remove_prefix(static_cast<size_t>(n));
    }
    size_ += data.size();
    return Status::Ok();
  }

 private:
  // Findings are private: the file and its rotations are 0600 whatever the
  // umask (a file that exists keeps its mode: the operator chose it).
  Status Open() {
    bool created = true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0 && errno == EEXIST) {
      created = false;
      fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    }
    if (fd_ < 0) return Status::Errno("open findings file " + path_, errno);
    struct stat st;
    if ((created && fchmod(fd_, 0600) != 0) || fstat(fd_, &st) != 0) {
      int e = errno;
      CloseFd();
      return Status::Errno("open findings file " + path_, e);
    }
    size_ = static_cast<uint64_t>(st.st_size);
    return Status::Ok();
  }

  void CloseFd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  Status Rotate() {
    CloseFd();
    for (int i = keep_; i >= 1; --i) {
      std::string from = i == 1 ? path_ : path_ + "." + std::to_string(i - 1);
      std::string to = path_ + "." + std::to_string(i);
      std::rename(from.c_str(), to.c_str());
    }
    if (keep_ == 0) std::remove(path_.c_str());
    return Open();
  }

  std::string path_;
  uint64_t max_bytes_;
  int keep_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The webhook's outbox over the store's outbox table.
class StoreOutbox : public Outbox {
 public:
  explicit StoreOutbox(store::Store* store) : store_(store) {}
  std::vector<OutboxItem> Pending(size_t limit) override {
    auto rows = store_->PendingOutbox(kWebhookSink, limit);
    std::vector<OutboxItem> out;
    if (!rows) {
      spdlog::warn("{}", rows.error().message());
      return out;
    }
    for (auto& r : *rows) out.push_back({r.id, std::move(r.payload), r.attempts, r.next_attempt_ns, r.finding_id});
    return out;
  }
  void MarkDelivered(int64_t id) override { Log(store_->MarkDelivered(id, NowNs())); }
  void MarkFailed(int64_t id, int attempts, int64_t next_attempt_ns, std::string error) override {
    Log(store_->MarkFailed(id, attempts, next_attempt_ns, error));
  }
  void MarkAbandoned(int64_t id, int attempts, std::string error) override {
    Log(store_->MarkFailed(id, attempts, 0, "abandoned: " + error));
    Log(store_->MarkDelivered(id, 0));
  }

 private:
  static void Log(const Status& s) {
    if (!s.ok()) spdlog::warn("{}", s.message());
  }
  store::Store* store_;
};

class Agent {
 public:
  Agent(asio::io_context& io, std::string config_path, AgentConfig config)
      : io_(io),
        config_path_(std::move(config_path)),
        config_(std::move(config)),
        signals_(io, SIGINT, SIGTERM, SIGHUP),
        drain_timer_(io),
        checkpoint_timer_(io) {}

  Status Start();
  // The error that ended the run, if any.
  Status result() const { return result_; }

 private:
  model::ConvergenceOptions Convergence() const {
    return {config_.learning.min_duration.count() * 1'000'000LL,
            config_.learning.quiet_period.count() * 1'000'000LL};
  }
  void OnRecord(std::span<const uint8_t> record);
  void Handle(const Event& e);
  void Deliver(const std::vector<model::Finding*>& findings);
  void Checkpoint();
  void Transition(const std::string& workload, const std::string& state);
  void ArmRing();
  void ArmDrain();
  void ArmCheckpoint();
  void OnSignal(int sig);
  void Shutdown();
  void Reload();
  void Fail(const Status& s);
  void RebuildProfiler(const std::function<void(std::map<std::string, model::Fingerprint>*)>& edit);
  // The baseline `workload` is judged by now: the scored one, else the one
  // being learned; nullptr when it has none.
  const model::Fingerprint* Baseline(const std::string& workload) const;
  void InstallRoutes();
  Response ListWorkloads();
  Response GetWorkload(const std::string& name);
  Response ListFindings(const Request& r);
  Response Relearn(const std::string& name);
  Response Accept(const std::string& id);
  std::string RenderMetrics();
  void RenderKernelCounters();
  // The kernel verdict cache (collector/verdict_cache.h): inserts events the
  // detector scored known, forgets a workload when its baseline changes.
  void StartVerdictCache();
  void RememberVerdict(const Event& e);
  void ClaimVerdicts(const Event& e);
  void FeedUndelivered();
  void ForgetVerdicts();

  asio::io_context& io_;
  std::string config_path_;
  AgentConfig config_;
  std::string hostname_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<collector::BpfEventSource> source_;
  std::unique_ptr<collector::HostWorkloadNamer> namer_;
  std::unique_ptr<collector::RuntimeContextReader> context_;  // node, container, pod of each cgroup
  std::unique_ptr<collector::Pipeline> pipeline_;
  std::unique_ptr<profiler::Profiler> profiler_;
  std::unique_ptr<model::Detector> detector_;
  std::unique_ptr<collector::VerdictCache> verdicts_;  // null when off
  collector::FilteredDeltas filtered_;                // kernel-answered calls fed to the rates
  uint64_t drains_ = 0;
  std::map<std::string, std::string> states_;  // workload -> learning|monitoring|locked|ignored
  std::unique_ptr<StoreOutbox> outbox_;
  std::unique_ptr<WebhookSender> webhook_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<JsonlFile> jsonl_;
  Registry metrics_;
  asio::signal_set signals_;
  std::unique_ptr<asio::posix::stream_descriptor> ring_;
  asio::steady_timer drain_timer_;
  asio::steady_timer checkpoint_timer_;
  collector::RecordHandler on_record_;
  uint64_t scored_ = 0;
  uint64_t dropped_seen_ = 0;  // ring-buffer drops already charged to training
  std::vector<std::unique_ptr<model::Finding>> unprofiled_;
  bool stopping_ = false;
  Status result_;
};

Status Agent::Start() {
  hostname_ = config_.hostname;
  if (hostname_.empty()) {
    struct utsname uts;
    if (uname(&uts) == 0) hostname_ = uts.nodename;
  }
  ASSIGN_OR_RETURN(store_, store::Store::Open(config_.database, store::OpenMode::kReadWrite));
  ASSIGN_OR_RETURN(auto fingerprints, store_->LoadFingerprints());
  ASSIGN_OR_RETURN(auto workloads, store_->ListWorkloads());

  // Resume: every workload in the state it was left in.
  std::map<std::string, model::Fingerprint> learning, scored;
  for (const auto& w : workloads) {
    states_[w.name] = w.state;
    auto fp = fingerprints.find(w.name);
    if (fp == fingerprints.end()) continue;
    // detect mode only alerts: a baseline brought from staging is scored
    // whatever state staging left it in (learn mode never promotes).
    if (config_.mode == Mode::kDetect && w.state == "learning" && fp->second.training.events > 0) {
      states_[w.name] = "monitoring";
      RETURN_IF_ERROR(store_->SetWorkloadState(w.name, "monitoring"));
    }
    if (states_[w.name] == "monitoring" || states_[w.name] == "locked") {
      scored[w.name] = fp->second;
    } else {
      learning[w.name] = fp->second;
    }
  }
  profiler_ = std::make_unique<profiler::Profiler>(std::move(learning));
  profiler_->SetNode(hostname_);  // as the CLI records it, so fleet merges keep nodes apart
  profiler_->BeginSession();
  detector_ = std::make_unique<model::Detector>(std::move(scored));
  // The findings of earlier runs: the same drift after a restart is the same
  // finding with a larger count, not a new alert (model/detector.h Restore).
  ASSIGN_OR_RETURN(std::vector<model::Finding> earlier,
                   store_->ListFindings(std::nullopt, 0, kRestoredFindings));
  detector_->Restore(std::move(earlier));

  collector::IdentityOptions identity;
  for (const auto& r : config_.identity_rules) identity.rules.push_back({r.pattern, r.name});
  namer_ = std::make_unique<collector::HostWorkloadNamer>(identity);
  context_ = std::make_unique<collector::RuntimeContextReader>();

  if (!config_.outputs.jsonl_file.empty()) {
    jsonl_ = std::make_unique<JsonlFile>(config_.outputs.jsonl_file, config_.outputs.jsonl_max_bytes,
                                         config_.outputs.jsonl_keep);
  }
  outbox_ = std::make_unique<StoreOutbox>(store_.get());
  if (!config_.outputs.webhook_url.empty()) {
    WebhookOptions w;
    w.url = config_.outputs.webhook_url;
    w.ca_file = config_.outputs.webhook_ca_file;
    w.idempotency_prefix = hostname_ + "-";
    ASSIGN_OR_RETURN(std::optional<std::string> auth,
                     AuthorizationHeader(config_.outputs.webhook_auth_header_file,
                                         config_.outputs.webhook_auth_header_env));
    if (auth) w.headers.emplace_back("Authorization", *auth);
    webhook_ = std::make_unique<WebhookSender>(io_, *outbox_, w);
    RETURN_IF_ERROR(webhook_->Start().WithContext("outputs.webhook_url"));
  }
  if (!config_.api.listen.empty() || !config_.api.unix_socket.empty()) {
    HttpOptions h;
    h.listen = config_.api.listen;
    h.unix_socket = config_.api.unix_socket;
    h.allow_unauthenticated_writes = config_.api.allow_unauthenticated_writes;
    if (!config_.api.token_file.empty()) {
      std::ifstream in(config_.api.token_file);
      if (!in) return Status::Errno("read api.token_file " + config_.api.token_file, errno);
      std::getline(in, h.bearer_token);
      while (!h.bearer_token.empty() && std::isspace(static_cast<unsigned char>(h.bearer_token.back()))) {
        h.bearer_token.pop_back();
      }
      if (h.bearer_token.empty()) return Status(ErrorCode::kInvalidArgument, "api.token_file " + config_.api.token_file + " is empty");
    }
    if (h.bearer_token.empty() && h.allow_unauthenticated_writes && h.unix_socket.empty()) {
      spdlog::warn("api.allow_unauthenticated_writes: any local process can relearn baselines and accept "
                   "findings through {} without a token", h.listen);
    } else if (h.bearer_token.empty() && h.unix_socket.empty()) {
      spdlog::info("api on {} without a token: read-only; relearn and accept need api.token_file or "
                   "api.unix_socket", h.listen);
    }
    http_ = std::make_unique<HttpServer>(io_, h);
    InstallRoutes();
    RETURN_IF_ERROR(http_->Start());
  }

  collector::BpfOptions options;
  options.cgroups = config_.cgroups;
  options.syscalls = config_.syscalls;
  options.verdict_cache = config_.verdict_cache;
  ASSIGN_OR_RETURN(source_, collector::BpfEventSource::Open(options));
  StartVerdictCache();
  size_t attached = 0;
  for (const auto& h : source_->hooks()) {
    if (h.attached) {
      ++attached;
    } else {
      spdlog::warn("hook {} unavailable on this kernel ({}): the events it feeds are not collected",
                   h.hook, h.error);
    }
  }
  pipeline_ = std::make_unique<collector::Pipeline>(
      &source_->cgroups(), source_->boot_to_unix_ns(), source_->initial_processes(),
      [this](uint32_t pid) { return source_->LookupProcess(pid); }, namer_.get(), context_.get());
  on_record_ = [this](std::span<const uint8_t> r) { OnRecord(r); };

  ring_ = std::make_unique<asio::posix::stream_descriptor>(io_, ::dup(source_->epoll_fd()));
  ArmRing();
  ArmDrain();
  ArmCheckpoint();
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) OnSignal(sig);
  });
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

void Agent::Fail(const Status& s) {
  if (result_.ok()) result_ = s;
  spdlog::error("{}", s.message());
  Shutdown();
}

void Agent::ArmRing() {
  ring_->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    auto n = source_->Consume(on_record_);
    if (!n) return Fail(n.error());
    ArmRing();
  });
}

// The kernel wakes the reader only past a backlog; a quiet host's events are
// drained on this short timer instead.
void Agent::ArmDrain() {
  drain_timer_.expires_after(100ms);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    auto n = source_->Consume(on_record_);
    if (!n) return Fail(n.error());
    if (++drains_ % 10 == 0) FeedUndelivered();  // every second
    ArmDrain();
  });
}

void Agent::ArmCheckpoint() {
  checkpoint_timer_.expires_after(config_.learning.checkpoint);
  checkpoint_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    Checkpoint();
    ArmCheckpoint();
  });
}

void Agent::OnRecord(std::span<const uint8_t> record) {
  Result<Event> e = pipeline_->Process(record);
  if (!e) {
    metrics_.counter("driftwatch_records_corrupt_total", "Ring-buffer records that did not decode").Inc();
    return;
  }
  Handle(*e);
}

void Agent::Handle(const Event& e) {
  metrics_.counter("driftwatch_events_total", "Events by type", {{"type", EventKindName(e.kind)}}).Inc();
  if (e.workload.empty()) return;
  ClaimVerdicts(e);
  auto it = states_.find(e.workload);
  if (it == states_.end()) {
    // A workload seen for the first time.
    std::string state = "learning";
    if (config_.mode == Mode::kDetect) {
      // Owned here: unprofiled findings are outside the detector.
      unprofiled_.push_back(
          std::make_unique<model::Finding>(model::UnprofiledFinding(e, config_.learn_unprofiled)));
      Deliver({unprofiled_.back().get()});
      if (!config_.learn_unprofiled) state = "ignored";
    }
    it = states_.emplace(e.workload, state).first;
    if (state != "ignored") {
      if (Status s = store_->SetWorkloadState(e.workload, state); !s.ok()) return Fail(s);
    }
    spdlog::info("new workload {}: {}", e.workload, state);
  }
  const std::string& state = it->second;
  if (state == "learning" || (config_.mode == Mode::kLearn && state == "monitoring")) {
    // A monitored baseline that learns again (learn mode, from the start or
    // after a reload) is extended, never replaced by what this run sees.
    if (state == "monitoring") {
      if (const model::Fingerprint* fp = detector_->fingerprint(e.workload)) profiler_->Adopt(*fp);
    }
    profiler_->Observe(e);
    return;
  }
  if (state == "ignored" || config_.mode == Mode::kLearn) return;
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

void Agent::Deliver(const std::vector<model::Finding*>& findings) {
  store::Store::OutboxSpec webhook_spec{
      kWebhookSink, [this](const model::Finding& f) {
        return config_.outputs.webhook_format == "falco" ? FalcoPayload(f, hostname_) : FindingJson(f);
      }};
  // Exceptions are applied here, between detection and every sink: a
  // suppressed finding is stored (not queued) and counted, nothing more.
  const std::vector<model::Finding*> deliver = config_.exceptions.Apply(findings);
  Status s = store_->UpsertFindings(findings, webhook_ ? &webhook_spec : nullptr);
  if (!s.ok()) return Fail(s);
  for (const model::Finding* f : findings) {
    if (f->exception.empty()) continue;
    metrics_
        .counter("driftwatch_findings_suppressed_total", "Findings an exception matched (stored, not delivered)",
                 {{"exception", f->exception}})
        .Inc();
  }
  for (const model::Finding* f : deliver) {
    metrics_
        .counter("driftwatch_findings_total", "Findings by workload, kind and severity",
                 {{"workload", f->workload}, {"kind", model::FindingKindName(f->kind)},
                  {"severity", model::SeverityName(f->severity)}})
        .Inc();
    std::string line = FindingJson(*f);
    if (config_.outputs.stdout_jsonl) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
    if (jsonl_) {
      if (Status w = jsonl_->Write(line); !w.ok()) spdlog::warn("{}", w.message());
    }
  }
  if (webhook_) webhook_->Notify();
}

void Agent::Transition(const std::string& workload, const std::string& state) {
  if (Status s = store_->SetWorkloadState(workload, state); !s.ok()) return Fail(s);
  states_[workload] = state;
  spdlog::info("workload {}: {}", workload, state);
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
    if (st == states_.end() || st->second != "learning" || fp.training.events == 0) continue;
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
    Transition(name, "monitoring");
  }
}

void Agent::RebuildProfiler(const std::function<void(std::map<std::string, model::Fingerprint>*)>& edit) {
  std::map<std::string, model::Fingerprint> fps = profiler_->fingerprints();
  edit(&fps);
  profiler_ = std::make_unique<profiler::Profiler>(std::move(fps));
  profiler_->SetNode(hostname_);
  profiler_->BeginSession();
}

void Agent::OnSignal(int sig) {
  if (sig == SIGHUP) {
    Reload();
    signals_.async_wait([this](const boost::system::error_code& ec, int s) {
      if (!ec) OnSignal(s);
    });
    return;
  }
  spdlog::info("signal {}: draining and stopping", sig);
  Shutdown();
}

void Agent::Reload() {
  auto c = LoadConfig(config_path_);
  if (!c) {
    spdlog::error("reload: {}; keeping the running config", c.error().message());
    return;
  }
  if (c->database != config_.database || c->cgroups != config_.cgroups || c->api != config_.api ||
      c->outputs.webhook_url != config_.outputs.webhook_url ||
      c->outputs.webhook_ca_file != config_.outputs.webhook_ca_file ||
      c->outputs.webhook_auth_header_file != config_.outputs.webhook_auth_header_file ||
      c->outputs.webhook_auth_header_env != config_.outputs.webhook_auth_header_env) {
    spdlog::warn("reload: database, cgroups, api and webhook_* connection changes take effect on restart");
  }
  if (c->mode != config_.mode) ForgetVerdicts();  // workloads may learn again
  config_.mode = c->mode;
  config_.learning = c->learning;
  config_.learn_unprofiled = c->learn_unprofiled;
  config_.exceptions = c->exceptions;
  config_.outputs.stdout_jsonl = c->outputs.stdout_jsonl;
  config_.outputs.webhook_format = c->outputs.webhook_format;
  if (c->outputs.jsonl_file != config_.outputs.jsonl_file) {
    config_.outputs.jsonl_file = c->outputs.jsonl_file;
    jsonl_.reset();
    if (!config_.outputs.jsonl_file.empty()) {
      jsonl_ = std::make_unique<JsonlFile>(config_.outputs.jsonl_file, c->outputs.jsonl_max_bytes,
                                           c->outputs.jsonl_keep);
    }
  }
  spdlog::info("reloaded {}: mode {}, {} exceptions", config_path_, ModeName(config_.mode),
               config_.exceptions.entries().size());
}

void Agent::Shutdown() {
  if (stopping_) return;
  stopping_ = true;
  if (source_) {
    auto n = source_->Consume(on_record_);  // what the kernel still holds
    if (!n) spdlog::warn("{}", n.error().message());
  }
  for (model::Finding* f : detector_ ? detector_->Flush() : std::vector<model::Finding*>{}) Deliver({f});
  if (store_ && profiler_ && detector_) Checkpoint();
  boost::system::error_code ec;
  drain_timer_.cancel();
  checkpoint_timer_.cancel();
  signals_.cancel(ec);
  if (ring_) ring_->cancel(ec);
  if (http_) http_->Stop();
  if (webhook_) webhook_->Stop();
  io_.stop();
}

// ---- HTTP API ----

void Agent::InstallRoutes() {
  http_->Route("GET", "/healthz", [](const Request&) { return Response::Json(200, R"({"status":"ok"})"); });
  http_->Route("GET", "/metrics", [this](const Request&) {
    return Response::Text(200, RenderMetrics(), std::string(kPrometheusContentType));
  });
  http_->Route("GET", "/v1/workloads", [this](const Request&) { return ListWorkloads(); });
  http_->Route("GET", "/v1/workloads/{name...}", [this](const Request& r) {
    return GetWorkload(*r.Param("name"));
  });
  http_->Route("POST", "/v1/workloads/{name...}/relearn", [this](const Request& r) {
    return Relearn(*r.Param("name"));
  });
  http_->Route("GET", "/v1/findings", [this](const Request& r) { return ListFindings(r); });
  http_->Route("POST", "/v1/findings/{id}/accept", [this](const Request& r) { return Accept(*r.Param("id")); });
}

// The kernel's per-cgroup counters, summed per workload: every hooked call
// by type, and what became of its record (delivered to user space or
// dropped), so the share of calls that reach user space can be read off.
void Agent::RenderKernelCounters() {
  auto counters = source_->CgroupCounters();
  if (!counters) {
    spdlog::warn("{}", counters.error().message());
    return;
  }
  std::map<std::string, collector::KernelCounters> per_workload;
  for (const auto& [id, k] : *counters) {
    const std::string* w = pipeline_->WorkloadOf(id);
    collector::KernelCounters& sum = per_workload[w ? *w : "cgroup-id:" + std::to_string(id.value)];
    for (size_t i = 0; i < k.calls.size(); ++i) sum.calls[i] += k.calls[i];
    sum.writes += k.writes;
    sum.emitted += k.emitted;
    sum.dropped += k.dropped;
    for (size_t i = 0; i < k.filtered.size(); ++i) sum.filtered[i] += k.filtered[i];
  }
  for (const auto& [workload, k] : per_workload) {
    for (size_t i = 1; i < k.calls.size(); ++i) {
      const char* type = EventKindName(static_cast<EventKind>(i));
      if (k.calls[i] == 0 && std::string_view(type) == "unknown") continue;
      metrics_
          .counter("driftwatch_kernel_calls_total", "Hooked calls of the workload's tasks, counted in the kernel, by type",
                   {{"workload", workload}, {"type", type}})
          .Advance(static_cast<double>(k.calls[i]));
    }
    metrics_
        .counter("driftwatch_kernel_open_writes_total", "Opens for writing, counted in the kernel",
                 {{"workload", workload}})
        .Advance(static_cast<double>(k.writes));
    metrics_
        .counter("driftwatch_kernel_records_total", "Records of the workload's hooked calls, by outcome",
                 {{"workload", workload}, {"outcome", "delivered"}})
        .Advance(static_cast<double>(k.emitted));
    metrics_
        .counter("driftwatch_kernel_records_total", "Records of the workload's hooked calls, by outcome",
                 {{"workload", workload}, {"outcome", "dropped"}})
        .Advance(static_cast<double>(k.dropped));
    uint64_t filtered = 0;
    for (uint64_t n : k.filtered) filtered += n;
    metrics_
        .counter("driftwatch_kernel_records_total", "Records of the workload's hooked calls, by outcome",
                 {{"workload", workload}, {"outcome", "filtered"}})
        .Advance(static_cast<double>(filtered));
  }
  if (verdicts_) {
    metrics_.counter("driftwatch_verdict_cache_inserts_total", "Keys inserted into the kernel verdict cache")
        .Advance(static_cast<double>(verdicts_->stats().inserted));
    metrics_
        .counter("driftwatch_verdict_cache_invalidations_total",
                 "Cgroup epochs of the kernel verdict cache taken away (a baseline changed)")
        .Advance(static_cast<double>(verdicts_->stats().forgotten));
  }
}

void Agent::StartVerdictCache() {
  if (!config_.verdict_cache) return;
  verdicts_ = std::make_unique<collector::VerdictCache>(source_.get());
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

std::string Agent::RenderMetrics() {
  metrics_.counter("driftwatch_ringbuf_dropped_events_total", "Records the kernel could not deliver (ring buffer full)")
      .Advance(static_cast<double>(source_->dropped()));
  RenderKernelCounters();
  std::map<std::string, int> per_state = {{"learning", 0}, {"monitoring", 0}, {"locked", 0}, {"ignored", 0}};
  for (const auto& [name, state] : states_) ++per_state[state];
  for (const auto& [state, n] : per_state) {
    metrics_.gauge("driftwatch_workloads", "Workloads by lifecycle state", {{"state", state}}).Set(n);
  }
  if (webhook_) {
    WebhookStats w = webhook_->stats();
    metrics_.counter("driftwatch_webhook_delivered_total", "Findings the webhook receiver accepted")
        .Advance(static_cast<double>(w.delivered));
    metrics_.counter("driftwatch_webhook_failed_attempts_total", "Webhook attempts that failed")
        .Advance(static_cast<double>(w.failed_attempts));
    metrics_
        .counter("driftwatch_webhook_dropped_total",
                 "Findings dropped after the webhook receiver refused them 3 times in a row "
                 "(a 4xx other than 408 and 429)")
        .Advance(static_cast<double>(w.abandoned));
    auto backlog = store_->OutboxBacklog(kWebhookSink);
    if (backlog) metrics_.gauge("driftwatch_webhook_backlog", "Findings waiting for the webhook").Set(static_cast<double>(*backlog));
  }
  return metrics_.Render();
}

const model::Fingerprint* Agent::Baseline(const std::string& workload) const {
  if (const model::Fingerprint* fp = detector_->fingerprint(workload)) return fp;
  auto learning = profiler_->fingerprints().find(workload);
  return learning == profiler_->fingerprints().end() ? nullptr : &learning->second;
}

Response Agent::ListWorkloads() {
  auto workloads = store_->ListWorkloads();
  if (!workloads) return Response::Error(500, workloads.error().message());
  std::string out = "[";
  for (auto& w : *workloads) {
    WorkloadView v{w, {}};
    if (auto it = states_.find(w.name); it != states_.end()) v.info.state = it->second;
    if (const model::Fingerprint* fp = Baseline(w.name)) v.learning = model::Assess(*fp, Convergence());
    if (out.size() > 1) out += ",";
    out += WorkloadJson(v);
  }
  return Response::Json(200, out + "]");
}

Response Agent::GetWorkload(const std::string& name) {
  const model::Fingerprint* fp = Baseline(name);
  if (fp == nullptr) return Response::Error(404, "unknown workload " + name);
  return Response::Json(200, FingerprintJson(*fp));
}

Response Agent::ListFindings(const Request& r) {
  int64_t since = 0;
  if (auto s = r.Query("since")) {
    char* end = nullptr;
    long long v = std::strtoll(s->c_str(), &end, 10);
    if (s->empty() || *end != '\0' || v < 0) {
      return Response::Error(400, "since must be nanoseconds since the Unix epoch, not '" + *s + "'");
    }
    since = v;
  }
  auto findings = store_->ListFindings(r.Query("workload"), since);
  if (!findings) {
    int status = findings.error().code() == ErrorCode::kNotFound ? 404 : 500;
    return Response::Error(status, findings.error().message());
  }
  std::string out = "[";
  for (const auto& f : *findings) {
    if (out.size() > 1) out += ",";
    out += FindingJson(f);
  }
  return Response::Json(200, out + "]");
}

Response Agent::Relearn(const std::string& name) {
  auto st = states_.find(name);
  if (st == states_.end()) return Response::Error(404, "unknown workload " + name);
  model::Fingerprint fresh;
  fresh.workload = name;
  if (Status s = store_->SaveFingerprints({fresh}, NowNs()); !s.ok()) return Response::Error(500, s.message());
  detector_->RemoveFingerprint(name);
  RebuildProfiler([&](auto* fps) { (*fps)[name] = fresh; });
  Transition(name, "learning");
  return Response::Json(200, nlohmann::json({{"workload", name}, {"state", "learning"}}).dump());
}

// Adds the item a finding is about (Finding::item) to its workload's
// baseline, so it stops firing.
Response Agent::Accept(const std::string& id_text) {
  char* end = nullptr;
  long long id = std::strtoll(id_text.c_str(), &end, 10);
  if (id_text.empty() || *end != '\0' || id <= 0) return Response::Error(400, "finding id must be a positive number");
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

}  // namespace

Status RunAgent(const std::string& config_path, bool verdict_cache) {
  ASSIGN_OR_RETURN(AgentConfig config, LoadConfig(config_path));
  config.verdict_cache = config.verdict_cache && verdict_cache;
  asio::io_context io;
  Agent agent(io, config_path, std::move(config));
  RETURN_IF_ERROR(agent.Start());
  io.run();
  return agent.result();
}

}  // namespace dw::tools::agent
