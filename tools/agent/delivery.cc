// tools/agent/delivery.cc: a finding's way out of the agent: stored (and queued
// for the webhook) in one transaction, then to stdout and the JSON-lines file.
#include "tools/agent/delivery.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <spdlog/spdlog.h>
#include <string_view>

#include "model/scorer.h"
#include "tools/agent/agent.h"
#include "tools/agent/webhook.h"
#include "tools/cli/format.h"

namespace dw::tools::agent {
namespace {

void Log(const Status& s) {
  if (!s.ok()) spdlog::warn("{}", s.message());
}

}  // namespace

Status JsonlFile::Write(const std::string& line) {
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

// Findings are private: the file and its rotations are 0600 whatever the
// umask (a file that exists keeps its mode: the operator chose it).
Status JsonlFile::Open() {
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

void JsonlFile::CloseFd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status JsonlFile::Rotate() {
  CloseFd();
  for (int i = keep_; i >= 1; --i) {
    std::string from = i == 1 ? path_ : path_ + "." + std::to_string(i - 1);
    std::string to = path_ + "." + std::to_string(i);
    std::rename(from.c_str(), to.c_str());
  }
  if (keep_ == 0) std::remove(path_.c_str());
  return Open();
}

std::vector<OutboxItem> StoreOutbox::Pending(size_t limit) {
  auto rows = store_->PendingOutbox(kWebhookSink, limit);
  std::vector<OutboxItem> out;
  if (!rows) {
    spdlog::warn("{}", rows.error().message());
    return out;
  }
  for (auto& r : *rows) out.push_back({r.id, std::move(r.payload), r.attempts, r.next_attempt_ns, r.finding_id});
  return out;
}

void StoreOutbox::MarkDelivered(int64_t id) { Log(store_->MarkDelivered(id, clock_->NowNs())); }

void StoreOutbox::MarkFailed(int64_t id, int attempts, int64_t next_attempt_ns, std::string error) {
  Log(store_->MarkFailed(id, attempts, next_attempt_ns, error));
}

void StoreOutbox::MarkAbandoned(int64_t id, int attempts, std::string error) {
  Log(store_->MarkFailed(id, attempts, 0, "abandoned: " + error));
  Log(store_->MarkDelivered(id, 0));
}

Status Agent::StartOutputs() {
  if (!config_.outputs.jsonl_file.empty()) {
    jsonl_ = std::make_unique<JsonlFile>(config_.outputs.jsonl_file, config_.outputs.jsonl_max_bytes,
                                         config_.outputs.jsonl_keep);
  }
  outbox_ = std::make_unique<StoreOutbox>(store_.get(), clock_);
  if (config_.outputs.webhook_url.empty()) return Status::Ok();
  WebhookOptions w;
  w.url = config_.outputs.webhook_url;
  w.ca_file = config_.outputs.webhook_ca_file;
  w.idempotency_prefix = hostname_ + "-";
  ASSIGN_OR_RETURN(std::optional<std::string> auth,
                   AuthorizationHeader(config_.outputs.webhook_auth_header_file,
                                       config_.outputs.webhook_auth_header_env));
  if (auth) w.headers.emplace_back("Authorization", *auth);
  webhook_ = std::make_unique<WebhookSender>(io_, *outbox_, w);
  return webhook_->Start().WithContext("outputs.webhook_url");
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

}  // namespace dw::tools::agent
