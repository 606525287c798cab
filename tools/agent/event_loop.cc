// tools/agent/event_loop.cc: the agent's event loop on one io_context: the
// source's fd and a drain timer, the checkpoint timer, signals, reload and shutdown.
#include <signal.h>

#include <chrono>
#include <spdlog/spdlog.h>

#include "tools/agent/agent.h"
#include "tools/agent/delivery.h"
#include "tools/agent/webhook.h"

namespace dw::tools::agent {

namespace asio = boost::asio;
using namespace std::chrono_literals;

void Agent::Drain() {
  auto n = source_->Consume(on_record_);
  if (!n) Fail(n.error());
}

void Agent::ArmRing() {
  ring_->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    Drain();
    if (!stopping_) ArmRing();
  });
}

// The kernel wakes the reader only past a backlog; a quiet host's events are
// drained on this short timer instead (and a source without an fd, a
// replayed trace, is read on it).
void Agent::ArmDrain() {
  drain_timer_.expires_after(100ms);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    Drain();
    if (++drains_ % 10 == 0) FeedUndelivered();  // every second
    if (!stopping_) ArmDrain();
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

void Agent::ArmSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) OnSignal(sig);
  });
}

void Agent::OnSignal(int sig) {
  if (sig == SIGHUP) {
    Reload();
    ArmSignals();
    return;
  }
  spdlog::info("signal {}: draining and stopping", sig);
  Shutdown();
}

void Agent::Reload() {
  if (config_path_.empty()) return;
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
  if (source_ && pipeline_) {
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

}  // namespace dw::tools::agent
