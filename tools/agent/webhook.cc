// tools/agent/webhook.cc: the outbox-draining HTTP(S) POST loop, URL parsing and
// the Falco payload. Asio errors are taken as error_codes, never thrown.
// OpenSSL (through Asio SSL) stays in this file.
#include "tools/agent/webhook.h"

#include <algorithm>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <cstdlib>
#include <fstream>
#include <random>
#include <spdlog/spdlog.h>
#include <sstream>

#include "collector/clock.h"
#include "tools/cli/format.h"

namespace dw::tools::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// The outcome of one attempt.
struct Outcome {
  enum Kind { kDelivered, kRetry, kClientError } kind = kRetry;
  std::string error;
  std::chrono::milliseconds retry_after{0};
  unsigned status = 0;  // the HTTP status, 0 if none arrived
};

// One POST: its socket, resolver and buffers live until the attempt ends.
// Over https, `tls` runs on top of `socket` (closing the socket ends both).
struct Attempt {
  explicit Attempt(asio::io_context& io) : resolver(io), socket(io), timer(io) {}
  tcp::resolver resolver;
  tcp::socket socket;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;
  asio::steady_timer timer;
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  OutboxItem item;
  bool done = false;
  bool timed_out = false;
  void Cancel() {
    error_code ignored;
    resolver.cancel();
    socket.close(ignored);
  }
};

}  // namespace

struct WebhookSender::State : std::enable_shared_from_this<WebhookSender::State> {
  State(asio::io_context& io_, Outbox& outbox_, WebhookOptions options_)
      : io(io_), outbox(&outbox_), options(std::move(options_)), timer(io_), rng(std::random_device{}()) {
    if (!options.now_ns) options.now_ns = collector::NowNs;
  }

  asio::io_context& io;
  Outbox* outbox;
  WebhookOptions options;
  WebhookUrl url;
  std::unique_ptr<ssl::context> tls;  // https only
  asio::steady_timer timer;  // the wait until the next poll
  std::mt19937_64 rng;
  std::shared_ptr<Attempt> attempt;  // the attempt under way, or null
  // Client errors in a row for the head item (in memory: a restart starts over).
  int64_t client_error_id = 0;
  int client_errors = 0;
  bool started = false;
  bool stopped = false;
  WebhookStats stats;

  void Poll();
  void Wait(std::chrono::nanoseconds d);
  void StartAttempt(OutboxItem item);
  template <class Stream, class Fail>
  void Exchange(const std::shared_ptr<Attempt>& a, Stream& stream, Fail fail);
  void Finish(const std::shared_ptr<Attempt>& a, Outcome outcome);
  std::chrono::milliseconds Jittered(std::chrono::milliseconds d);
};

void WebhookSender::State::Wait(std::chrono::nanoseconds d) {
  timer.expires_after(d);
  timer.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && !self->stopped) self->Poll();
  });
}

void WebhookSender::State::Poll() {
  if (stopped || attempt) return;
  std::vector<OutboxItem> items = outbox->Pending(std::max<size_t>(options.batch, 1));
  stats.pending = items.size();
  if (items.empty()) return Wait(options.poll_interval);
  const int64_t now = options.now_ns();
  OutboxItem& head = items.front();
  if (head.next_attempt_ns > now) {
    return Wait(std::min<std::chrono::nanoseconds>(std::chrono::nanoseconds(head.next_attempt_ns - now),
                                                   options.poll_interval));
  }
  StartAttempt(std::move(head));
}

void WebhookSender::State::StartAttempt(OutboxItem item) {
  timer.cancel();
  auto a = std::make_shared<Attempt>(io);
  attempt = a;
  stats.in_flight = true;
  a->item = std::move(item);
  auto& req = a->request;
  req.method(http::verb::post);
  req.target(url.target);
  req.version(11);
  req.set(http::field::host, url.host_header);
  req.set(http::field::user_agent, "driftwatch");
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", options.idempotency_prefix + std::to_string(a->item.id));
  for (const auto& [k, v] : options.headers) req.set(k, v);
  req.keep_alive(false);
  req.body() = a->item.payload;
  req.prepare_payload();
  a->parser.header_limit(16 * 1024);

  auto self = shared_from_this();
  a->timer.expires_after(options.attempt_timeout);
  a->timer.async_wait([self, a](error_code ec) {
    if (ec || a->done) return;
    a->timed_out = true;
    a->Cancel();
  });
  auto fail = [self, a](const std::string& step, error_code ec) {
    std::string why = a->timed_out ? "timed out after " + std::to_string(self->options.attempt_timeout.count()) + " ms"
                                   : ec.message();
    self->Finish(a, Outcome{Outcome::kRetry, step + " " + self->options.url + ": " + why, {}});
  };
  a->resolver.async_resolve(
      url.host, std::to_string(url.port), [self, a, fail](error_code ec, tcp::resolver::results_type results) {
        if (self->stopped || a->done) return;
        if (ec) return fail("resolve", ec);
        asio::async_connect(a->socket, results, [self, a, fail](error_code ec, const tcp::endpoint&) {
          if (self->stopped || a->done) return;
          if (ec) return fail("connect", ec);
          if (!self->tls) return self->Exchange(a, a->socket, fail);
          a->tls = std::make_unique<ssl::stream<tcp::socket&>>(a->socket, *self->tls);
          error_code ip_ec;
          asio::ip::make_address(self->url.host, ip_ec);
          // SNI for names (RFC 6066 forbids it for addresses).
          if (ip_ec && !SSL_set_tlsext_host_name(a->tls->native_handle(), self->url.host.c_str())) {
            return fail("TLS handshake with", error_code(static_cast<int>(::ERR_get_error()),
                                                         asio::error::get_ssl_category()));
          }
          a->tls->set_verify_mode(ssl::verify_peer);
          a->tls->set_verify_callback(ssl::host_name_verification(self->url.host));
          a->tls->async_handshake(ssl::stream_base::client, [self, a, fail](error_code ec) {
            if (self->stopped || a->done) return;
            if (ec) return fail("TLS handshake with", ec);
            self->Exchange(a, *a->tls, fail);
          });
        });
      });
}

// Sends the request on `stream` (the socket, or TLS over it) and reads the
// response header.
template <class Stream, class Fail>
void WebhookSender::State::Exchange(const std::shared_ptr<Attempt>& a, Stream& stream, Fail fail) {
  auto self = shared_from_this();
  http::async_write(stream, a->request, [self, a, &stream, fail](error_code ec, size_t) {
    if (self->stopped || a->done) return;
    if (ec) return fail("send", ec);
    http::async_read_header(stream, a->buffer, a->parser, [self, a, fail](error_code ec, size_t) {
      if (self->stopped || a->done) return;
      if (ec) return fail("read response from", ec);
      const auto& res = a->parser.get();
      const unsigned status = res.result_int();
      Outcome out;
      out.status = status;
      if (status >= 200 && status < 300) {
        out.kind = Outcome::kDelivered;
      } else {
        out.kind = (status == 408 || status == 429 || status >= 500) ? Outcome::kRetry : Outcome::kClientError;
        out.error = "POST " + self->options.url + ": HTTP " + std::to_string(status);
        auto it = res.find(http::field::retry_after);
        if (it != res.end()) {
          std::string v(it->value());
          if (!v.empty() && v.size() <= 6 &&
              std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            out.retry_after = std::chrono::seconds(std::stoi(v));
          }
        }
      }
      self->Finish(a, std::move(out));
    });
  });
}

std::chrono::milliseconds WebhookSender::State::Jittered(std::chrono::milliseconds d) {
  if (options.jitter <= 0) return d;
  std::uniform_real_distribution<double> dist(1 - options.jitter, 1 + options.jitter);
  return std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(d.count()) * dist(rng)));
}

void WebhookSender::State::Finish(const std::shared_ptr<Attempt>& a, Outcome outcome) {
  a->done = true;
  error_code ignored;
  a->timer.cancel();
  a->socket.shutdown(tcp::socket::shutdown_both, ignored);
  a->socket.close(ignored);
  attempt.reset();
  stats.in_flight = false;
  const OutboxItem& item = a->item;
  if (outcome.kind == Outcome::kDelivered) {
    ++stats.delivered;
    outbox->MarkDelivered(item.id);
  } else {
    ++stats.failed_attempts;
    stats.last_error = outcome.error;
    const int attempts = item.attempts + 1;
    if (outcome.kind == Outcome::kClientError) {
      if (client_error_id != item.id) client_errors = 0;
      client_error_id = item.id;
      ++client_errors;
    } else {
      client_errors = 0;
    }
    if (outcome.kind == Outcome::kClientError && client_errors >= options.max_client_error_attempts) {
      ++stats.abandoned;
      spdlog::warn("webhook: dropped finding {} after {} refusals in a row (last answer HTTP {}; {})",
                   item.finding_id, client_errors, outcome.status, outcome.error);
      outbox->MarkAbandoned(item.id, attempts, outcome.error);
    } else {
      auto delay = std::max(Jittered(BackoffDelay(options, attempts)), outcome.retry_after);
      delay = std::min(delay, options.max_backoff);
      const int64_t next = options.now_ns() + std::chrono::nanoseconds(delay).count();
      outbox->MarkFailed(item.id, attempts, next, outcome.error);
    }
  }
  // Not inline: Finish may run inside the completion of the previous attempt.
  asio::post(io, [self = shared_from_this()] { self->Poll(); });
}

WebhookSender::WebhookSender(asio::io_context& io, Outbox& outbox, WebhookOptions options)
    : state_(std::make_shared<State>(io, outbox, std::move(options))) {}

WebhookSender::~WebhookSender() { Stop(); }

Status WebhookSender::Start() {
  State& s = *state_;
  if (s.started) return Status(ErrorCode::kInvalidArgument, "webhook: already started");
  ASSIGN_OR_RETURN(s.url, ParseWebhookUrl(s.options.url));
  if (s.url.tls) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) return Status(ErrorCode::kInternal, "webhook: load the system CAs: " + ec.message());
    if (!s.options.ca_file.empty()) {
      ctx->load_verify_file(s.options.ca_file, ec);
      if (ec) {
        return Status(ErrorCode::kInvalidArgument,
                      "webhook: load CA file " + s.options.ca_file + ": " + ec.message());
      }
    }
    s.tls = std::move(ctx);
  } else if (!s.options.ca_file.empty()) {
    return Status(ErrorCode::kInvalidArgument, "webhook: a CA file needs an https url");
  }
  s.started = true;
  asio::post(s.io, [self = state_] { self->Poll(); });
  return Status::Ok();
}

void WebhookSender::Notify() {
  asio::post(state_->io, [self = state_] {
    if (!self->started || self->stopped || self->attempt) return;
    self->Poll();  // re-arms or cancels the wait
  });
}

void WebhookSender::Stop() {
  State& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  s.timer.cancel();
  if (s.attempt) {
    s.attempt->done = true;
    s.attempt->timer.cancel();
    s.attempt->Cancel();
    s.attempt.reset();
    s.stats.in_flight = false;
  }
}

WebhookStats WebhookSender::stats() const { return state_->stats; }

std::chrono::milliseconds BackoffDelay(const WebhookOptions& options, int attempts) {
  const double max = static_cast<double>(options.max_backoff.count());
  double d = static_cast<double>(options.initial_backoff.count()) *
             std::pow(std::max(options.backoff_factor, 1.0), std::max(attempts - 1, 0));
  if (!(d < max)) d = max;  // also catches inf and NaN
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(d, 0.0)));
}

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Status(ErrorCode::kInvalidArgument, "webhook url \"" + std::string(url) + "\": " + why);
  };
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return bad("spaces, control and non-ASCII characters must be percent-encoded");
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("want http[s]://host[:port][/path]");
  std::string scheme(url.substr(0, sep));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return bad("unsupported scheme \"" + scheme + "\"");
  if (url.find('#') != std::string_view::npos) return bad("fragments are not allowed");
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");

  WebhookUrl out;
  out.tls = scheme == "https";
  out.port = out.tls ? 443 : 80;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6] host");
    out.host = std::string(authority.substr(1, close - 1));
    error_code ec;
    asio::ip::make_address_v6(out.host, ec);
    if (ec) return bad("bad IPv6 address");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after ]");
      port = after.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (out.host.empty()) return bad("missing host");
    if (!std::all_of(out.host.begin(), out.host.end(), IsHostChar) || out.host.front() == '-' ||
        out.host.front() == '.') {
      return bad("bad host");
    }
  }
  if (out.host.empty()) return bad("missing host");
  if (has_port) {
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("bad port");
    }
    int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) return bad("port out of range");
    out.port = static_cast<uint16_t>(p);
  }
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  const bool v6 = out.host.find(':') != std::string::npos;
  out.host_header = v6 ? "[" + out.host + "]" : out.host;
  if (out.port != (out.tls ? 443 : 80)) out.host_header += ":" + std::to_string(out.port);
  return out;
}

Result<std::optional<std::string>> AuthorizationHeader(const std::string& file, const std::string& env) {
  if (!file.empty() && !env.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "webhook authorization: give outputs.webhook_auth_header_file or _env, not both");
  }
  std::string value, what;
  if (!file.empty()) {
    what = "file " + file;
    std::ifstream in(file);
    if (!in) return Status::Errno("webhook authorization: read " + file, errno);
    std::ostringstream ss;
    ss << in.rdbuf();
    value = ss.str();
  } else if (!env.empty()) {
    what = "environment variable " + env;
    const char* v = std::getenv(env.c_str());
    if (v == nullptr) return Status(ErrorCode::kInvalidArgument, "webhook authorization: " + what + " is not set");
    value = v;
  } else {
    return std::optional<std::string>();
  }
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!value.empty() && space(value.back())) value.pop_back();
  while (!value.empty() && space(value.front())) value.erase(0, 1);
  if (value.empty()) return Status(ErrorCode::kInvalidArgument, "webhook authorization: " + what + " is empty");
  if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
    return Status(ErrorCode::kInvalidArgument, "webhook authorization: " + what + " holds more than one line");
  }
  return std::optional<std::string>(value);
}

namespace {

const char* FalcoPriority(model::Severity s) {
  switch (s) {
    case model::Severity::kCritical:
      return "Critical";
    case model::Severity::kHigh:
      return "Error";
    case model::Severity::kMedium:
      return "Warning";
    case model::Severity::kLow:
      return "Notice";
  }
  return "Notice";
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// The last run of exactly 64 hex digits in the path ("docker-<id>.scope",
// "cri-containerd-<id>.scope", "/kubepods/.../<id>"), shortened to 12 as
// Falco's container.id; "" if none.
std::string ContainerId(std::string_view cgroup) {
  std::string id;
  size_t i = 0;
  while (i < cgroup.size()) {
    if (!IsHex(cgroup[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cgroup.size() && IsHex(cgroup[j])) ++j;
    if (j - i == 64) id = std::string(cgroup.substr(i, 12));
    i = j;
  }
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

nlohmann::json StringOrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

std::string OrNa(const std::string& s) { return s.empty() ? "<NA>" : s; }

}  // namespace

std::string FalcoPayload(const model::Finding& f, const std::string& hostname) {
  const std::string kind = model::FindingKindName(f.kind);
  const std::string time = store::Rfc3339(f.time_ns);
  const char* priority = FalcoPriority(f.severity);
  std::string cmdline;
  for (const auto& a : f.process.argv) cmdline += (cmdline.empty() ? "" : " ") + a;
  char score[32];
  std::snprintf(score, sizeof(score), "%.2f", f.score);

  std::string text = "Drift from baseline in " + OrNa(f.workload) + ": " + f.reason + " (kind=" + kind +
                     " subject=" + OrNa(f.subject) + " proc_exepath=" + OrNa(f.process.exe) +
                     " command=" + OrNa(cmdline) + " pid=" + std::to_string(f.process.pid) +
                     " parent_exepath=" + OrNa(f.process.parent_exe) + " score=" + score;
  const RuntimeContext& rc = *f.process.runtime;
  // As Falco's container rules end their output.
  if (!rc.container_id.empty()) {
    text += " container_id=" + rc.container_id.substr(0, 12) + " container_name=" + OrNa(rc.container_name) +
            " image=" + OrNa(rc.image);
  }
  if (!rc.pod_name.empty()) text += " k8s_ns=" + rc.pod_namespace + " k8s_pod_name=" + rc.pod_name;
  text += ")";

  nlohmann::json fields;
  fields["evt.time"] = f.time_ns;
  fields["proc.pid"] = f.process.pid;
  fields["proc.ppid"] = f.process.ppid;
  fields["proc.exepath"] = StringOrNull(f.process.exe);
  fields["proc.pexepath"] = StringOrNull(f.process.parent_exe);
  fields["proc.cmdline"] = StringOrNull(cmdline);
  if (!f.cgroup_path.empty()) {
    std::string id = ContainerId(f.cgroup_path);
    fields["container.id"] = id.empty() ? "host" : id;
  }
  // The node, container and pod (collector/runtime_context.h) under Falco's
  // own field names; k8s.pod.labels is a list of "key:value" as Falco's is.
  const std::string& node = hostname.empty() ? rc.node : hostname;
  fields["evt.hostname"] = StringOrNull(node);
  if (!rc.container_id.empty()) {
    fields["container.id"] = rc.container_id.substr(0, 12);
    fields["container.full_id"] = rc.container_id;
    fields["container.name"] = StringOrNull(rc.container_name);
    fields["container.image"] = StringOrNull(rc.image);
    fields["container.image.repository"] = StringOrNull(rc.image_repository);
    fields["container.image.tag"] = StringOrNull(rc.image_tag);
    fields["driftwatch.runtime"] = StringOrNull(rc.runtime);
  }
  if (!rc.pod_name.empty()) {
    fields["k8s.ns.name"] = rc.pod_namespace;
    fields["k8s.pod.name"] = rc.pod_name;
    fields["k8s.pod.uid"] = StringOrNull(rc.pod_uid);
    nlohmann::json labels = nlohmann::json::array();
    for (const auto& [k, v] : rc.pod_labels) labels.push_back(k + ":" + v);
    fields["k8s.pod.labels"] = std::move(labels);
    fields["driftwatch.pod_owner"] = StringOrNull(rc.pod_owner);
  }
  fields["driftwatch.workload"] = f.workload;
  fields["driftwatch.kind"] = kind;
  fields["driftwatch.subject"] = f.subject;
  fields["driftwatch.reason"] = f.reason;
  fields["driftwatch.severity"] = model::SeverityName(f.severity);
  fields["driftwatch.score"] = f.score;
  fields["driftwatch.count"] = f.count;
  fields["driftwatch.incident"] = f.incident;
  fields["driftwatch.cgroup"] = StringOrNull(f.cgroup_path);
  fields["driftwatch.id"] = f.id;

  nlohmann::json j;
  j["hostname"] = node;
  j["output"] = time + ": " + priority + " " + text;
  j["output_fields"] = std::move(fields);
  j["priority"] = priority;
  j["rule"] = "driftwatch: " + kind + " drift";
  j["source"] = "driftwatch";
  std::vector<std::string> tags = {"drift", "driftwatch", kind};
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  j["tags"] = tags;
  j["time"] = time;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dw::tools::agent
