// tools/agent/webhook_test.cc: the webhook sender against a real loopback
// receiver (POSIX sockets on a thread), an in-memory outbox, and FalcoPayload.
#include "tools/agent/webhook.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/time.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sstream>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include <gtest/gtest.h>

#include "tools/agent/testing/http_receiver.h"

namespace dw::tools::agent {
namespace {

using testing::Received;
using testing::Receiver;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

  int64_t Add(std::string payload, int64_t next_attempt_ns = 0, int64_t finding_id = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t id = next_id_++;
    pending_[id] = OutboxItem{id, std::move(payload), 0, next_attempt_ns, finding_id};
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

// The 4xx policy: a 400 is not retried forever; the finding is dropped after
// max_client_error_attempts, counted, and a warning names it and the status.
TEST_F(WebhookTest, DroppedFindingIsCountedAndLogged) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  logger->set_pattern("%l: %v");
  spdlog::set_default_logger(logger);
  Receiver rx(0, Always(400));
  outbox_.Add("{}", 0, 42);
  StartSender(Options(rx.port()));  // max_client_error_attempts: the default, 3
  ASSERT_TRUE(WaitFor([&] { return outbox_.abandoned().size() == 1; }, 3000ms));
  StopSender();
  spdlog::set_default_logger(previous);
  EXPECT_EQ(rx.received().size(), 3u);
  EXPECT_EQ(sender_->stats().abandoned, 1u);
  EXPECT_EQ(sender_->stats().delivered, 0u);
  const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/hook?x=1";
  EXPECT_EQ(log.str(), "warning: webhook: dropped finding 42 after 3 refusals in a row (last answer HTTP 400; POST " +
                           url + ": HTTP 400)\n");
}

// ---- HTTPS ----

// A CA, a server certificate it signs for 127.0.0.1, and a second CA that
// signed nothing, made with the openssl CLI in a temporary directory.
class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/dw-webhook-tls-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    const std::string d = dir_;
    std::ofstream(d + "/san.ext") << "subjectAltName=IP:127.0.0.1\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string cmd =
        "cd " + d + " && openssl req -x509" + ec + " -keyout ca.key -out ca.pem -days 1 -subj /CN=dw-test-ca" +
        " && openssl req -x509" + ec + " -keyout other.key -out other.pem -days 1 -subj /CN=dw-other-ca" +
        " && openssl req" + ec + " -keyout server.key -out server.csr -subj /CN=127.0.0.1" +
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem" +
        " -days 1 -extfile san.ext";
    ok_ = std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
  }
  ~TestPki() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  bool ok() const { return ok_; }
  std::string File(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  bool ok_ = false;
};

// A one-request-per-connection HTTPS receiver on 127.0.0.1 (Asio SSL,
// blocking, on a thread). Answers `status` to each request.
class TlsReceiver {
 public:
  TlsReceiver(const TestPki& pki, int status) : ctx_(ssl::context::tls_server), acceptor_(io_), status_(status) {
    boost::system::error_code ec;
    ctx_.use_certificate_chain_file(pki.File("server.pem"), ec);
    if (!ec) ctx_.use_private_key_file(pki.File("server.key"), ssl::context::pem, ec);
    if (!ec) acceptor_.open(tcp::v4(), ec);
    if (!ec) acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0}, ec);
    if (!ec) acceptor_.listen(16, ec);
    ok_ = !ec;
    if (ok_) port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Loop(); });
  }
  ~TlsReceiver() {
    stop_ = true;
    thread_.join();
  }
  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }
  int handshake_failures() const { return handshake_failures_; }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void Loop() {
    while (ok_ && !stop_) {
      pollfd p{acceptor_.native_handle(), POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) continue;
      timeval two_seconds{2, 0};  // a client that stalls does not hang the test
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof(two_seconds));
      ssl::stream<tcp::socket> tls(std::move(socket), ctx_);
      tls.handshake(ssl::stream_base::server, ec);
      if (ec) {
        ++handshake_failures_;
        continue;
      }
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(tls, buffer, req, ec);
      if (ec) continue;
      Received r;
      r.request_line = std::string(req.method_string()) + " " + std::string(req.target()) + " HTTP/1.1";
      for (const auto& h : req) {
        std::string name(h.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(h.value());
      }
      r.body = req.body();
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.push_back(std::move(r));
      }
      http::response<http::string_body> res{static_cast<http::status>(status_), 11};
      res.body() = "ok";
      res.keep_alive(false);
      res.prepare_payload();
      http::write(tls, res, ec);
      tls.shutdown(ec);
    }
  }

  asio::io_context io_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  int status_;
  bool ok_ = false;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshake_failures_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> received_;
};

TEST_F(WebhookTest, DeliversOverHttpsTrustingTheConfiguredCaWithAnAuthorizationHeader) {
  TestPki pki;
  ASSERT_TRUE(pki.ok()) << "openssl could not make the test certificates";
  TlsReceiver rx(pki, 200);
  ASSERT_TRUE(rx.ok());
  outbox_.Add("{\"n\":1}");
  outbox_.Add("{\"n\":2}");
  WebhookOptions o = Options(rx.port());
  o.url = "https://127.0.0.1:" + std::to_string(rx.port()) + "/hook";
  o.ca_file = pki.File("ca.pem");
  o.headers = {{"Authorization", "Bearer s3cret"}};
  StartSender(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_.delivered().size() == 2; }, 5000ms)) << sender_->stats().last_error;
  StopSender();
  std::vector<Received> got = rx.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request_line, "POST /hook HTTP/1.1");
  EXPECT_EQ(got[0].headers.at("authorization"), "Bearer s3cret");
  EXPECT_EQ(got[0].headers.at("host"), "127.0.0.1:" + std::to_string(rx.port()));
  EXPECT_EQ(got[1].body, "{\"n\":2}");
  EXPECT_EQ(rx.handshake_failures(), 0);
}

// A receiver whose certificate no trusted CA signed is never sent a finding:
// neither with the system's CAs alone nor with another CA; it is retried.
TEST_F(WebhookTest, HttpsRefusesAReceiverNoTrustedCaSigned) {
  TestPki pki;
  ASSERT_TRUE(pki.ok()) << "openssl could not make the test certificates";
  TlsReceiver rx(pki, 200);
  ASSERT_TRUE(rx.ok());
  outbox_.Add("{}");
  WebhookOptions o = Options(rx.port());
  o.url = "https://127.0.0.1:" + std::to_string(rx.port()) + "/hook";
  o.ca_file = pki.File("other.pem");
  StartSender(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_.failures().size() >= 2; }, 3000ms));
  StopSender();
  EXPECT_TRUE(outbox_.delivered().empty());
  EXPECT_TRUE(rx.received().empty());
  EXPECT_GE(rx.handshake_failures(), 1);
  const FakeOutbox::Failure f = outbox_.failures()[0];
  EXPECT_EQ(f.error.rfind("TLS handshake with " + o.url + ": certificate verify failed", 0), 0u) << f.error;
  EXPECT_EQ(outbox_.abandoned().size(), 0u);  // a TLS failure is retried, never dropped
}

TEST(WebhookStartTest, RejectsBadUrlAndCaFile) {
  asio::io_context io;
  FakeOutbox outbox;
  WebhookOptions o;
  o.url = "ftp://example.com/hook";
  Status st = WebhookSender(io, outbox, o).Start();
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "webhook url \"ftp://example.com/hook\": unsupported scheme \"ftp\"");
  o.url = "https://example.com/hook";
  o.ca_file = "/nonexistent/ca.pem";
  st = WebhookSender(io, outbox, o).Start();
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.message().rfind("webhook: load CA file /nonexistent/ca.pem: ", 0), 0u) << st.message();
  o.url = "http://example.com/hook";
  st = WebhookSender(io, outbox, o).Start();
  EXPECT_EQ(st.message(), "webhook: a CA file needs an https url");
}

TEST(WebhookAuthTest, HeaderFromAFileOrTheEnvironment) {
  EXPECT_EQ(*AuthorizationHeader("", ""), std::nullopt);
  char tmpl[] = "/tmp/dw-webhook-auth-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::ofstream(dir + "/token") << "Bearer abc123\n";
  std::ofstream(dir + "/empty") << "\n";
  std::ofstream(dir + "/two") << "Bearer a\nX-Injected: 1\n";
  EXPECT_EQ(*AuthorizationHeader(dir + "/token", ""), std::optional<std::string>("Bearer abc123"));
  setenv("DW_TEST_WEBHOOK_AUTH", " Basic dXNlcjpwdw== ", 1);
  EXPECT_EQ(*AuthorizationHeader("", "DW_TEST_WEBHOOK_AUTH"), std::optional<std::string>("Basic dXNlcjpwdw=="));
  unsetenv("DW_TEST_WEBHOOK_AUTH");
  EXPECT_EQ(AuthorizationHeader("", "DW_TEST_WEBHOOK_AUTH").error().message(),
            "webhook authorization: environment variable DW_TEST_WEBHOOK_AUTH is not set");
  EXPECT_EQ(AuthorizationHeader(dir + "/empty", "").error().message(),
            "webhook authorization: file " + dir + "/empty is empty");
  EXPECT_EQ(AuthorizationHeader(dir + "/two", "").error().message(),
            "webhook authorization: file " + dir + "/two holds more than one line");
  EXPECT_EQ(AuthorizationHeader(dir + "/missing", "").error().message(),
            "webhook authorization: read " + dir + "/missing: No such file or directory");
  std::filesystem::remove_all(dir);
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
      {"https://hooks.example.com/x", {"hooks.example.com", 443, "/x", "hooks.example.com", true}},
      {"HTTPS://10.0.0.1:8443", {"10.0.0.1", 8443, "/", "10.0.0.1:8443", true}},
  };
  for (const auto& tc : good) {
    auto r = ParseWebhookUrl(tc.url);
    ASSERT_TRUE(r) << tc.url << ": " << r.error().message();
    EXPECT_EQ(*r, tc.want) << tc.url;
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "want http[s]://host[:port][/path]"},
      {"localhost:80", "want http[s]://host[:port][/path]"},
      {"ftp://h/", "unsupported scheme \"ftp\""},
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
