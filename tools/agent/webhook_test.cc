// tools/agent/webhook_test.cc: the webhook sender against a real loopback
// receiver (POSIX sockets on a thread), an in-memory outbox, and FalcoPayload.
#include "tools/agent/webhook.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include <gtest/gtest.h>

namespace dw::tools::agent {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Received {
  std::string request_line;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// A one-request-per-connection HTTP receiver on 127.0.0.1. `respond` gives the
// status for the n-th request (0-based); 0 means never answer (hold the
// connection until the receiver stops).
class Receiver {
 public:
  using Respond = std::function<std::pair<int, std::string>(const Received&, int n)>;
  explicit Receiver(uint16_t port, Respond respond) : respond_(std::move(respond)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 && listen(fd_, 16) == 0;
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Receiver() {
    stop_ = true;
    thread_.join();
    for (int fd : held_) close(fd);
    close(fd_);
  }
  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  // The Idempotency-Key of every request, in arrival order.
  std::vector<std::string> keys() {
    std::vector<std::string> out;
    for (const auto& r : received()) out.push_back(r.headers.at("idempotency-key"));
    return out;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      Received r;
      if (!ReadRequest(c, &r)) {
        close(c);
        continue;
      }
      int n;
      {
        std::lock_guard<std::mutex> lock(mu_);
        n = static_cast<int>(received_.size());
        received_.push_back(r);
      }
      auto [status, extra] = respond_(r, n);
      if (status == 0) {
        held_.push_back(c);
        continue;
      }
      std::string res = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\n" + extra +
                        "Connection: close\r\n\r\nok";
      send(c, res.data(), res.size(), MSG_NOSIGNAL);
      close(c);
    }
  }

  static bool ReadRequest(int c, Received* r) {
    std::string buf;
    auto deadline = Clock::now() + 2s;
    auto fill = [&] {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) return Clock::now() < deadline;
      char tmp[4096];
      ssize_t n = recv(c, tmp, sizeof(tmp), 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
      return true;
    };
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return false;
    }
    std::string head = buf.substr(0, end);
    size_t pos = head.find("\r\n");
    r->request_line = head.substr(0, pos);
    while (pos != std::string::npos && pos + 2 < head.size()) {
      size_t e = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, e == std::string::npos ? std::string::npos : e - pos - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r->headers[name] = value;
      pos = e;
    }
    size_t length = std::stoul(r->headers["content-length"]);
    while (buf.size() < end + 4 + length) {
      if (!fill()) return false;
    }
    r->body = buf.substr(end + 4, length);
    return true;
  }

  Respond respond_;
  int fd_ = -1;
  bool ok_ = false;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int> held_;
  std::mutex mu_;
  std::vector<Received> received_;
};

// An in-memory Outbox that records every call; locked, since the test thread
// reads it while the io_context thread drains it.
class FakeOutbox : public Outbox {
 public:
  struct Failure {
    int64_t id;
    int attempts;
    int64_t delay_ms;  // next_attempt_ns - the sender's clock at the call
    std::string error;
    bool operator==(const Failure&) const = default;
  };

  int64_t Add(std::string payload, int64_t next_attempt_ns = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t id = next_id_++;
    pending_[id] = OutboxItem{id, std::move(payload), 0, next_attempt_ns};
    return id;
  }
  std::vector<OutboxItem> Pending(size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<OutboxItem> out;
    for (const auto& [id, item] : pending_) {
      if (out.size() == limit) break;
      out.push_back(item);
    }
    return out;
  }
  void MarkDelivered(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
    delivered_.push_back(id);
  }
  void MarkFailed(int64_t id, int attempts, int64_t next_attempt_ns, std::string error) override {
    std::lock_guard<std::mutex> lock(mu_);
    pending_[id].attempts = attempts;
    pending_[id].next_attempt_ns = next_attempt_ns;
    failures_.push_back({id, attempts, (next_attempt_ns - clock_ns_) / 1'000'000, std::move(error)});
  }
  void MarkAbandoned(int64_t id, int attempts, std::string error) override {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
    abandoned_.push_back({id, attempts, 0, std::move(error)});
  }

  // The sender's clock: real time, remembered so that failures record delays.
  int64_t Now() {
    std::lock_guard<std::mutex> lock(mu_);
    clock_ns_ = NowNs();
    return clock_ns_;
  }

  std::vector<int64_t> delivered() {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_;
  }
  std::vector<Failure> failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  std::vector<Failure> abandoned() {
    std::lock_guard<std::mutex> lock(mu_);
    return abandoned_;
  }
  size_t pending_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }

 private:
  std::mutex mu_;
  int64_t next_id_ = 1;
  int64_t clock_ns_ = 0;
  std::map<int64_t, OutboxItem> pending_;
  std::vector<int64_t> delivered_;
  std::vector<Failure> failures_;
  std::vector<Failure> abandoned_;
};

// Waits for `done` for at most `timeout`.
template <class F>
bool WaitFor(F done, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

class WebhookTest : public ::testing::Test {
 protected:
  WebhookOptions Options(uint16_t port) {
    WebhookOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(port) + "/hook?x=1";
    o.initial_backoff = 50ms;
    o.max_backoff = 200ms;
    o.jitter = 0;
    o.attempt_timeout = 2000ms;
    o.poll_interval = 10s;  // longer than any test: progress must come from Notify and back-off
    o.now_ns = [this] { return outbox_.Now(); };
    return o;
  }
  void StartSender(WebhookOptions o) {
    sender_ = std::make_unique<WebhookSender>(io_, outbox_, std::move(o));
    ASSERT_TRUE(sender_->Start().ok());
    thread_ = std::thread([this] { io_.run_for(15s); });
  }
  void StopSender() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { sender_->Stop(); });
    thread_.join();
  }
  void TearDown() override { StopSender(); }

  asio::io_context io_;
  FakeOutbox outbox_;
  std::unique_ptr<WebhookSender> sender_;
  std::thread thread_;
};

Receiver::Respond Always(int status) {
  return [status](const Received&, int) { return std::pair<int, std::string>(status, ""); };
}

TEST_F(WebhookTest, DeliversInOrderWithIdempotencyKey) {
  Receiver rx(0, Always(200));
  ASSERT_TRUE(rx.ok());
  for (int i = 1; i <= 5; ++i) outbox_.Add("{\"n\":" + std::to_string(i) + "}");
  WebhookOptions o = Options(rx.port());
  o.idempotency_prefix = "host1-";
  o.headers = {{"X-Source", "driftwatch-test"}};
  StartSender(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 5; }));
  // Added later: Notify() delivers it without waiting for the 10 s poll.
  outbox_.Add("{\"n\":6}");
  sender_->Notify();
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 6; }, 3000ms));
  StopSender();

  EXPECT_EQ(outbox_.delivered(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  std::vector<Received> got = rx.received();
  ASSERT_EQ(got.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    const Received& r = got[static_cast<size_t>(i)];
    EXPECT_EQ(r.request_line, "POST /hook?x=1 HTTP/1.1");
    EXPECT_EQ(r.headers.at("idempotency-key"), "host1-" + std::to_string(i + 1));
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_EQ(r.headers.at("host"), "127.0.0.1:" + std::to_string(rx.port()));
    EXPECT_EQ(r.headers.at("x-source"), "driftwatch-test");
    EXPECT_EQ(r.body, "{\"n\":" + std::to_string(i + 1) + "}");
  }
  WebhookStats s = sender_->stats();
  EXPECT_EQ(s.delivered, 6u);
  EXPECT_EQ(s.failed_attempts, 0u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_TRUE(outbox_.failures().empty());
}

TEST_F(WebhookTest, ReceiverDownThenUpDeliversEachExactlyOnce) {
  uint16_t port;
  {  // Find a free port, then leave it closed: the receiver is down.
    Receiver probe(0, Always(200));
    port = probe.port();
  }
  for (int i = 1; i <= 4; ++i) outbox_.Add("{\"n\":" + std::to_string(i) + "}");
  StartSender(Options(port));
  // Attempts at about 0, 50, 150, 350, 550 ms: back-off 50, 100, 200, capped at 200.
  ASSERT_TRUE(WaitFor([&] { return outbox_.failures().size() >= 4; }, 3000ms));
  EXPECT_TRUE(outbox_.delivered().empty());
  std::vector<FakeOutbox::Failure> failures = outbox_.failures();
  const std::string refused = "connect http://127.0.0.1:" + std::to_string(port) + "/hook?x=1: Connection refused";
  std::vector<FakeOutbox::Failure> want = {
      {1, 1, 50, refused}, {1, 2, 100, refused}, {1, 3, 200, refused}, {1, 4, 200, refused}};
  failures.resize(4);
  EXPECT_EQ(failures, want);

  Receiver rx(port, Always(200));
  ASSERT_TRUE(rx.ok());
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 4; }, 3000ms));
  std::this_thread::sleep_for(100ms);  // nothing more arrives
  StopSender();
  EXPECT_EQ(outbox_.delivered(), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(rx.keys(), (std::vector<std::string>{"1", "2", "3", "4"}));
  WebhookStats s = sender_->stats();
  EXPECT_EQ(s.delivered, 4u);
  EXPECT_GE(s.failed_attempts, 4u);
  EXPECT_EQ(s.last_error, refused);
  EXPECT_EQ(outbox_.pending_count(), 0u);
}

TEST_F(WebhookTest, ClientErrorsAreAbandonedAfterNAttemptsServerErrorsRetry) {
  // Item 1 is refused with 400, 503 (resets the count), 400, 400: abandoned
  // after two in a row. Item 2 sees a 503 with Retry-After and a 429, then it
  // and item 3 go through.
  Receiver rx(0, [](const Received& r, int) -> std::pair<int, std::string> {
    static std::map<std::string, int> seen;
    const std::string& key = r.headers.at("idempotency-key");
    int n = seen[key]++;
    if (key == "1") return {n == 1 ? 503 : 400, ""};
    if (key == "2" && n == 0) return {503, "Retry-After: 0\r\n"};
    if (key == "2" && n == 1) return {429, ""};
    return {204, ""};
  });
  for (int i = 1; i <= 3; ++i) outbox_.Add("{}");
  WebhookOptions o = Options(rx.port());
  o.max_client_error_attempts = 2;
  StartSender(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 2; }, 3000ms));
  StopSender();
  const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/hook?x=1";
  EXPECT_EQ(rx.keys(), (std::vector<std::string>{"1", "1", "1", "1", "2", "2", "2", "3"}));
  EXPECT_EQ(outbox_.delivered(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(outbox_.abandoned(), (std::vector<FakeOutbox::Failure>{{1, 4, 0, "POST " + url + ": HTTP 400"}}));
  EXPECT_EQ(outbox_.failures(), (std::vector<FakeOutbox::Failure>{{1, 1, 50, "POST " + url + ": HTTP 400"},
                                                                 {1, 2, 100, "POST " + url + ": HTTP 503"},
                                                                 {1, 3, 200, "POST " + url + ": HTTP 400"},
                                                                 {2, 1, 50, "POST " + url + ": HTTP 503"},
                                                                 {2, 2, 100, "POST " + url + ": HTTP 429"}}));
  WebhookStats s = sender_->stats();
  EXPECT_EQ(s.delivered, 2u);
  EXPECT_EQ(s.failed_attempts, 6u);
  EXPECT_EQ(s.abandoned, 1u);
}

TEST_F(WebhookTest, RetryAfterIsHonouredUpToMaxBackoff) {
  Receiver rx(0, [](const Received&, int n) -> std::pair<int, std::string> {
    return n == 0 ? std::pair<int, std::string>(503, "Retry-After: 1\r\n") : std::pair<int, std::string>(200, "");
  });
  outbox_.Add("{}");
  WebhookOptions o = Options(rx.port());
  o.max_backoff = 300ms;
  StartSender(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 1; }, 3000ms));
  StopSender();
  ASSERT_EQ(outbox_.failures().size(), 1u);
  EXPECT_EQ(outbox_.failures()[0].delay_ms, 300);  // 1 s asked, capped at 300 ms
}

TEST_F(WebhookTest, TimeoutRetriesWithTheSameKey) {
  Receiver rx(0, [](const Received&, int n) {
    return std::pair<int, std::string>(n == 0 ? 0 : 200, "");  // never answers the first
  });
  outbox_.Add("{\"a\":1}");
  outbox_.Add("{\"a\":2}");
  WebhookOptions o = Options(rx.port());
  o.attempt_timeout = 300ms;
  StartSender(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 2; }, 3000ms));
  StopSender();
  EXPECT_EQ(rx.keys(), (std::vector<std::string>{"1", "1", "2"}));
  const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/hook?x=1";
  EXPECT_EQ(outbox_.failures(), (std::vector<FakeOutbox::Failure>{
                                    {1, 1, 50, "read response from " + url + ": timed out after 300 ms"}}));
}

TEST_F(WebhookTest, WaitsForNextAttemptTime) {
  Receiver rx(0, Always(200));
  auto start = Clock::now();
  outbox_.Add("{}", NowNs() + 400'000'000);  // a retry scheduled by an earlier run
  outbox_.Add("{}");                          // queued behind it: order is kept
  StartSender(Options(rx.port()));
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 2; }, 3000ms));
  EXPECT_GE(Clock::now() - start, 380ms);
  StopSender();
  EXPECT_EQ(outbox_.delivered(), (std::vector<int64_t>{1, 2}));
}

TEST(WebhookStartTest, RejectsBadUrl) {
  asio::io_context io;
  FakeOutbox outbox;
  WebhookOptions o;
  o.url = "https://example.com/hook";
  WebhookSender s(io, outbox, o);
  Status st = s.Start();
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "webhook url \"https://example.com/hook\": https is not supported; use plain http (e.g. to a local TLS proxy)");
}

TEST(WebhookUrlTest, ParsesStrictly) {
  struct Case {
    std::string url;
    WebhookUrl want;
  };
  const std::vector<Case> good = {
      {"http://localhost:2801", {"localhost", 2801, "/", "localhost:2801"}},
      {"HTTP://falcosidekick.falco.svc/", {"falcosidekick.falco.svc", 80, "/", "falcosidekick.falco.svc"}},
      {"http://10.0.0.1:8080/a/b?c=d%20e", {"10.0.0.1", 8080, "/a/b?c=d%20e", "10.0.0.1:8080"}},
      {"http://h?x=1", {"h", 80, "/?x=1", "h"}},
      {"http://[::1]:9000/hook", {"::1", 9000, "/hook", "[::1]:9000"}},
      {"http://[fe80::1]", {"fe80::1", 80, "/", "[fe80::1]"}},
  };
  for (const auto& tc : good) {
    auto r = ParseWebhookUrl(tc.url);
    ASSERT_TRUE(r) << tc.url << ": " << r.error().message();
    EXPECT_EQ(*r, tc.want) << tc.url;
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "want http://host[:port][/path]"},
      {"localhost:80", "want http://host[:port][/path]"},
      {"ftp://h/", "unsupported scheme \"ftp\""},
      {"https://h/", "https is not supported; use plain http (e.g. to a local TLS proxy)"},
      {"http:///x", "missing host"},
      {"http://h:/x", "bad port"},
      {"http://h:0/x", "port out of range"},
      {"http://h:65536/x", "port out of range"},
      {"http://h:12ab/x", "bad port"},
      {"http://h:1:2/x", "bad port"},
      {"http://user:pw@h/x", "user info is not supported"},
      {"http://h/x#frag", "fragments are not allowed"},
      {"http://h/a b", "spaces, control and non-ASCII characters must be percent-encoded"},
      {"http://h_%/x", "bad host"},
      {"http://[::1/x", "unterminated [IPv6] host"},
      {"http://[zz]/x", "bad IPv6 address"},
      {"http://[::1]x/", "junk after ]"},
  };
  for (const auto& [url, why] : bad) {
    auto r = ParseWebhookUrl(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().message(), "webhook url \"" + url + "\": " + why);
  }
}

TEST(WebhookBackoffTest, ExponentialAndCapped) {
  WebhookOptions o;  // 1 s, factor 2, max 60 s
  std::vector<int64_t> got;
  for (int n : {0, 1, 2, 3, 6, 7, 8, 100, 100000}) got.push_back(BackoffDelay(o, n).count());
  EXPECT_EQ(got, (std::vector<int64_t>{1000, 1000, 2000, 4000, 32000, 60000, 60000, 60000, 60000}));
}

TEST(FalcoPayloadTest, FalcoShape) {
  model::Finding f;
  f.id = 17;
  f.time_ns = 1795435200123456789;  // 2026-11-23T12:00:00.123456789Z
  f.workload = "shop/web/nginx";
  f.cgroup_path =
      "/kubepods.slice/kubepods-pod1.slice/cri-containerd-"
      "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope";
  f.kind = model::FindingKind::kExec;
  f.subject = "/usr/bin/nc";
  f.reason = "executable never seen in training";
  f.severity = model::Severity::kHigh;
  f.score = 0.875;
  f.process.pid = 4242;
  f.process.exe = "/usr/bin/nc";
  f.process.argv = {"nc", "-l", "4444"};
  f.process.ppid = 4000;
  f.process.parent_exe = "/bin/sh";
  f.process.ancestry = {"/bin/sh", "/usr/sbin/nginx"};
  f.count = 2;
  f.incident = 3;
  EXPECT_EQ(FalcoPayload(f, "node-1"),
            R"({"hostname":"node-1",)"
            R"("output":"2026-11-23T12:00:00.123456789Z: Error Drift from baseline in shop/web/nginx: )"
            R"(executable never seen in training (kind=exec subject=/usr/bin/nc proc_exepath=/usr/bin/nc )"
            R"x(command=nc -l 4444 pid=4242 parent_exepath=/bin/sh score=0.88)",)x"
            R"("output_fields":{"container.id":"0123456789ab",)"
            R"("driftwatch.cgroup":"/kubepods.slice/kubepods-pod1.slice/cri-containerd-)"
            R"(0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope",)"
            R"("driftwatch.count":2,"driftwatch.id":17,"driftwatch.incident":3,"driftwatch.kind":"exec",)"
            R"("driftwatch.reason":"executable never seen in training","driftwatch.score":0.875,)"
            R"("driftwatch.severity":"high","driftwatch.subject":"/usr/bin/nc",)"
            R"("driftwatch.workload":"shop/web/nginx","evt.hostname":"node-1","evt.time":1795435200123456789,)"
            R"("proc.cmdline":"nc -l 4444","proc.exepath":"/usr/bin/nc","proc.pexepath":"/bin/sh",)"
            R"("proc.pid":4242,"proc.ppid":4000},)"
            R"("priority":"Error","rule":"driftwatch: exec drift","source":"driftwatch",)"
            R"("tags":["drift","driftwatch","exec"],"time":"2026-11-23T12:00:00.123456789Z"})");

  // A host process with unknown exe: "host" container, nulls like Falco's.
  model::Finding g;
  g.time_ns = 1'000'000'001;
  g.workload = "systemd/cron.service";
  g.cgroup_path = "/system.slice/cron.service";
  g.kind = model::FindingKind::kNetwork;
  g.subject = "10.0.0.7:5432";
  g.reason = "new peer";
  g.severity = model::Severity::kCritical;
  auto j = nlohmann::json::parse(FalcoPayload(g, "h"));
  EXPECT_EQ(j["priority"], "Critical");
  EXPECT_EQ(j["rule"], "driftwatch: network drift");
  EXPECT_EQ(j["tags"], (nlohmann::json{"drift", "driftwatch", "network"}));
  EXPECT_EQ(j["time"], "1970-01-01T00:00:01.000000001Z");
  EXPECT_EQ(j["output_fields"]["container.id"], "host");
  EXPECT_EQ(j["output_fields"]["proc.exepath"], nullptr);
  EXPECT_EQ(j["output_fields"]["proc.cmdline"], nullptr);
  EXPECT_EQ(j["output"],
            "1970-01-01T00:00:01.000000001Z: Critical Drift from baseline in systemd/cron.service: new peer "
            "(kind=network subject=10.0.0.7:5432 proc_exepath=<NA> command=<NA> pid=0 parent_exepath=<NA> "
            "score=0.00)");
  g.cgroup_path.clear();
  g.severity = model::Severity::kMedium;
  j = nlohmann::json::parse(FalcoPayload(g, "h"));
  EXPECT_FALSE(j["output_fields"].contains("container.id"));
  EXPECT_EQ(j["priority"], "Warning");
  g.severity = model::Severity::kLow;
  EXPECT_EQ(nlohmann::json::parse(FalcoPayload(g, "h"))["priority"], "Notice");
}

// The node, container and pod under Falco's field names, as Falcosidekick
// routes and labels by them.
TEST(FalcoPayloadTest, RuntimeContextUnderFalcoNames) {
  model::Finding f;
  f.time_ns = 1'000'000'001;
  f.workload = "shop/web/app";
  f.cgroup_path = "kubepods/pod1/" + std::string(64, 'c');
  f.kind = model::FindingKind::kExec;
  f.subject = "/usr/bin/nc";
  f.reason = "new";
  f.process.runtime = RuntimeContextRef(RuntimeContext{
      .node = "node-7", .runtime = "cri-o", .container_id = std::string(64, 'c'), .container_name = "app",
      .image = "quay.io/acme/web:3.1", .image_repository = "quay.io/acme/web", .image_tag = "3.1",
      .pod_namespace = "shop", .pod_name = "web-5f6d7c8b9-x2x4k", .pod_uid = "u-1", .pod_owner = "web",
      .pod_labels = {{"app", "web"}, {"tier", "front"}}});
  auto j = nlohmann::json::parse(FalcoPayload(f, ""));
  EXPECT_EQ(j["hostname"], "node-7");
  const auto& o = j["output_fields"];
  EXPECT_EQ(o["evt.hostname"], "node-7");
  EXPECT_EQ(o["container.id"], std::string(12, 'c'));
  EXPECT_EQ(o["container.full_id"], std::string(64, 'c'));
  EXPECT_EQ(o["container.name"], "app");
  EXPECT_EQ(o["container.image"], "quay.io/acme/web:3.1");
  EXPECT_EQ(o["container.image.repository"], "quay.io/acme/web");
  EXPECT_EQ(o["container.image.tag"], "3.1");
  EXPECT_EQ(o["k8s.ns.name"], "shop");
  EXPECT_EQ(o["k8s.pod.name"], "web-5f6d7c8b9-x2x4k");
  EXPECT_EQ(o["k8s.pod.uid"], "u-1");
  EXPECT_EQ(o["k8s.pod.labels"], (nlohmann::json{"app:web", "tier:front"}));
  EXPECT_EQ(o["driftwatch.runtime"], "cri-o");
  EXPECT_EQ(o["driftwatch.pod_owner"], "web");
  EXPECT_NE(j["output"].get<std::string>().find(" container_id=cccccccccccc container_name=app "
                                                "image=quay.io/acme/web:3.1 k8s_ns=shop "
                                                "k8s_pod_name=web-5f6d7c8b9-x2x4k)"),
            std::string::npos)
      << j["output"];
  // The agent's configured hostname wins over the context's node.
  EXPECT_EQ(nlohmann::json::parse(FalcoPayload(f, "agent-host"))["hostname"], "agent-host");
}

}  // namespace
}  // namespace dw::tools::agent
