// tools/agent/webhook.h: delivers findings from a durable outbox to an HTTP
// webhook, in order, with retries and back-off; and Falco's alert JSON shape.
#ifndef DRIFTWATCH_TOOLS_AGENT_WEBHOOK_H_
#define DRIFTWATCH_TOOLS_AGENT_WEBHOOK_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/status.h"
#include "model/fingerprint.h"

namespace boost::asio {
class io_context;
}

namespace dw::tools::agent {

struct OutboxItem {
  int64_t id = 0;               // the outbox's key; delivery follows ascending id
  std::string payload;          // the request body (JSON)
  int attempts = 0;             // failed attempts so far
  int64_t next_attempt_ns = 0;  // wall clock, ns since the Unix epoch: not before this
  int64_t finding_id = 0;       // the finding it delivers (for logs); 0 if unknown
  bool operator==(const OutboxItem&) const = default;
};

// The durable queue the sender drains; the agent implements it over SQLite so
// that findings survive restarts and receiver outages. Called only from the
// io_context's thread. Errors stay inside the implementation (an outbox that
// cannot read returns nothing and is asked again at the next poll).
class Outbox {
 public:
  virtual ~Outbox() = default;
  // Up to `limit` items neither delivered nor abandoned, in ascending id order,
  // including those whose next_attempt_ns is still in the future.
  virtual std::vector<OutboxItem> Pending(size_t limit) = 0;
  // The receiver answered 2xx: never return `id` again.
  virtual void MarkDelivered(int64_t id) = 0;
  // The attempt failed; record it and try again at `next_attempt_ns`.
  virtual void MarkFailed(int64_t id, int attempts, int64_t next_attempt_ns, std::string error) = 0;
  // Permanent failure (see WebhookOptions::max_client_error_attempts): never
  // return `id` again; keep it for inspection.
  virtual void MarkAbandoned(int64_t id, int attempts, std::string error) = 0;
};

struct WebhookOptions {
  // "http[s]://host[:port][/path][?query]". https verifies the receiver's
  // certificate chain against the system's CAs (OpenSSL's default paths) and
  // `ca_file`, and its name (or IP address) against the URL's host; TLS 1.2
  // or later, SNI sent for names.
  std::string url;
  std::string ca_file;  // a PEM file of CAs trusted besides the system's; "" = none
  std::chrono::milliseconds attempt_timeout{10'000};  // resolve + connect + send + response header
  // Retry delay after the n-th failed attempt: initial_backoff * factor^(n-1),
  // scaled by a random factor in [1-jitter, 1+jitter], capped at max_backoff.
  // A 429 or 503 with "Retry-After: <seconds>" waits at least that long (still capped).
  std::chrono::milliseconds initial_backoff{1'000};
  double backoff_factor = 2;
  std::chrono::milliseconds max_backoff{60'000};
  double jitter = 0.2;
  // With nothing due, the outbox is polled this often (Notify() polls at once).
  std::chrono::milliseconds poll_interval{5'000};
  // The 4xx policy. Answers other than 2xx, 408, 429 and 5xx (4xx, 3xx:
  // redirects are not followed) are the receiver refusing the payload; after
  // this many such answers in a row for one item (counted in memory, so a
  // restart allows this many more) it is dropped (Outbox::MarkAbandoned,
  // WebhookStats::abandoned, and a warning naming the finding and the status
  // in the log) so it no longer blocks the queue. Connection and TLS errors,
  // timeouts, 408 (Request Timeout), 429 (Too Many Requests) and 5xx are
  // retried without limit.
  int max_client_error_attempts = 3;
  size_t batch = 64;  // the Pending() limit; also caps WebhookStats::pending
  // Idempotency-Key is this prefix followed by the item's id, so receivers can
  // drop a duplicate (sent again because a response was lost to a timeout).
  std::string idempotency_prefix;
  // Extra request headers, e.g. {"Authorization", AuthorizationHeader(...)}.
  std::vector<std::pair<std::string, std::string>> headers;
  // Wall clock in ns since the Unix epoch, for next_attempt_ns; tests may fake it.
  std::function<int64_t()> now_ns;
};

struct WebhookStats {
  uint64_t delivered = 0;        // items the receiver accepted (2xx)
  uint64_t failed_attempts = 0;  // attempts that did not end in 2xx
  uint64_t abandoned = 0;        // items dropped by the 4xx policy
  size_t pending = 0;            // items pending at the last poll (at most options.batch)
  bool in_flight = false;        // an attempt is under way
  std::string last_error;        // of the last failed attempt, "" if none yet
};

// The parts of a webhook URL.
struct WebhookUrl {
  std::string host;         // name or IP; IPv6 without brackets
  uint16_t port = 80;       // 443 for https unless given
  std::string target = "/";  // path and query
  std::string host_header;   // "host[:port]", brackets kept for IPv6
  bool tls = false;          // https
  bool operator==(const WebhookUrl&) const = default;
};
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// The value of an Authorization header (e.g. "Bearer abc...") from the file
// `file` (its content, surrounding whitespace trimmed) or the environment
// variable `env`; nullopt when both are "". Errors (kInvalidArgument) name the
// file or variable: both given, unreadable, empty, or holding a line break.
Result<std::optional<std::string>> AuthorizationHeader(const std::string& file, const std::string& env);

// POSTs each outbox item, one at a time in outbox order, with headers
// Content-Type: application/json and Idempotency-Key; the head of the queue
// blocks the rest until it is delivered or abandoned. One connection per
// attempt (Connection: close). An item is marked delivered only after a 2xx
// response header arrives; a receiver that processed a request whose response
// was lost sees it again, with the same Idempotency-Key.
//
// Runs on `io`; the Outbox must outlive the sender (or Stop()). All methods
// except Notify() are to be called from the io_context's thread (or before it
// runs); Notify() may be called from any thread.
class WebhookSender {
 public:
  WebhookSender(boost::asio::io_context& io, Outbox& outbox, WebhookOptions options);
  ~WebhookSender();  // Stop()s
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Checks the URL and starts polling. Fails on a bad URL or a second call.
  Status Start();
  // Something was added to the outbox: poll now rather than at the next tick.
  void Notify();
  // Abandons the attempt under way (it stays pending in the outbox) and stops.
  void Stop();
  WebhookStats stats() const;

  struct State;  // shared with pending asynchronous operations

 private:
  std::shared_ptr<State> state_;
};

// The retry delay after `attempts` failed attempts, before jitter.
std::chrono::milliseconds BackoffDelay(const WebhookOptions& options, int attempts);

// A finding as Falco's JSON alert (Falco's json_output shape, which
// Falcosidekick accepts on POST /):
//   {"hostname", "output": "<time>: <Priority> <text>", "output_fields": {...},
//    "priority", "rule": "driftwatch: <kind> drift", "source": "driftwatch",
//    "tags": ["drift", "driftwatch", <kind>], "time": RFC 3339 with ns}
// Keys sorted, as Falco prints them. Priority from severity: critical ->
// Critical, high -> Error, medium -> Warning, low -> Notice. output_fields:
// evt.time (ns), proc.pid, proc.ppid, proc.exepath, proc.pexepath,
// proc.cmdline (argv joined by spaces), container.id (the 12-hex short id
// found in the cgroup path, "host" when the path has none, absent when the
// cgroup is unknown), driftwatch.{workload, kind, subject, reason, severity,
// score, count, incident, cgroup, id}. Unknown strings are null, as Falco
// renders a missing field. From the process's runtime context
// (collector/runtime_context.h): evt.hostname (and "hostname": the context's
// node when `hostname` is ""); for a container container.{id, full_id, name,
// image, image.repository, image.tag} and driftwatch.runtime; for a pod
// k8s.ns.name, k8s.pod.name, k8s.pod.uid, k8s.pod.labels (["key:value", ...])
// and driftwatch.pod_owner.
std::string FalcoPayload(const model::Finding& f, const std::string& hostname);

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_WEBHOOK_H_
