// tools/agent/routes.cc: the agent's HTTP API (tools/agent/http_server.h) and
// its Prometheus metrics.
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <string_view>

#include "profiler/profiler.h"
#include "tools/agent/agent.h"
#include "tools/agent/delivery.h"
#include "tools/agent/webhook.h"
#include "tools/cli/format.h"
#include "tools/flags.h"

namespace dw::tools::agent {

Status Agent::StartApi() {
  if (config_.api.listen.empty() && config_.api.unix_socket.empty()) return Status::Ok();
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
  return http_->Start();
}

uint16_t Agent::api_port() const { return http_ ? http_->tcp_port() : 0; }

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

std::string Agent::RenderMetrics() {
  metrics_.counter("driftwatch_ringbuf_dropped_events_total", "Records the kernel could not deliver (ring buffer full)")
      .Advance(static_cast<double>(source_->dropped()));
  RenderKernelCounters();
  using State = store::WorkloadState;
  std::map<State, int> per_state = {{State::kLearning, 0}, {State::kMonitoring, 0}, {State::kLocked, 0}, {State::kIgnored, 0}};
  for (const auto& [name, state] : states_) ++per_state[state];
  for (const auto& [state, n] : per_state) {
    metrics_.gauge("driftwatch_workloads", "Workloads by lifecycle state", {{"state", store::WorkloadStateName(state)}})
        .Set(n);
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
  return Response::Json(200, store::FingerprintJson(*fp));
}

Response Agent::ListFindings(const Request& r) {
  int64_t since = 0;
  if (auto s = r.Query("since")) {
    std::optional<int64_t> v = ParseInt64(*s);
    if (!v || *v < 0) {
      return Response::Error(400, "since must be nanoseconds since the Unix epoch, not '" + *s + "'");
    }
    since = *v;
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

}  // namespace dw::tools::agent
