// tools/agent/http_server_test.cc: the HTTP server over real sockets (loopback
// TCP and a temporary Unix socket), with a plain POSIX client.
#include "tools/agent/http_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace dw::tools::agent {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// A blocking client on a raw socket, every wait bounded by a timeout.
class Client {
 public:
  static Client Tcp(uint16_t port) {
    Client c(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c.connected_ = connect(c.fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    return c;
  }
  static Client Unix(const std::string& path) {
    Client c(socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    c.connected_ = connect(c.fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    return c;
  }
  Client(Client&& o) noexcept : fd_(o.fd_), connected_(o.connected_), buf_(std::move(o.buf_)) { o.fd_ = -1; }
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }

  // Reads one response (Content-Length framed); nullopt on timeout or close.
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = Clock::now() + timeout;
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse r;
    std::string head = buf_.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
      pos = e + 2;
    }
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buf_.size() < header_end + 4 + length) {
      if (!Fill(deadline)) return std::nullopt;
    }
    r.body = buf_.substr(header_end + 4, length);
    buf_.erase(0, header_end + 4 + length);
    return r;
  }

  // True when the server closes the connection (EOF or reset) within `timeout`;
  // bytes that arrive first are discarded.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (ms <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, ms) <= 0) return false;
      char tmp[4096];
      ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return true;
    }
  }

 private:
  explicit Client(int fd) : fd_(fd) {}
  bool Fill(Clock::time_point deadline) {
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (ms <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return false;
    char tmp[4096];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}
std::string Post(const std::string& target, const std::string& body = "", const std::string& extra = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra + "\r\n" + body;
}

// Echoes what the handler saw, so tests compare whole values.
Response Echo(const std::string& route, const Request& req) {
  nlohmann::ordered_json j;
  j["route"] = route;
  j["method"] = req.method;
  j["params"] = req.params;
  j["query"] = req.query;
  j["body"] = req.body;
  return Response::Json(200, j.dump());
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpOptions options) {
    server_ = std::make_unique<HttpServer>(io_, std::move(options));
    server_->Route("GET", "/healthz", [](const Request&) { return Response::Text(200, "ok\n"); });
    server_->Route("GET", "/metrics", [](const Request&) { return Response::Text(200, "m 1\n"); });
    server_->Route("GET", "/v1/workloads", [](const Request& r) { return Echo("list", r); });
    server_->Route("GET", "/v1/workloads/{name...}", [](const Request& r) { return Echo("get", r); });
    server_->Route("POST", "/v1/workloads/{name...}/relearn",
                   [](const Request& r) { return Echo("relearn", r); });
    server_->Route("GET", "/v1/findings", [](const Request& r) { return Echo("findings", r); });
    server_->Route("POST", "/v1/findings/{id}/accept", [](const Request& r) { return Echo("accept", r); });
    server_->Route("GET", "/v1/one/{name}", [](const Request& r) { return Echo("one", r); });
    server_->Route("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("kaboom"); });
    server_->Route("GET", "/badstatus", [](const Request&) { return Response::Json(1000, "{}"); });
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { io_.run_for(20s); });
  }

  // Stops the server on its thread and waits for the io_context to drain.
  void StopServer() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { server_->Stop(); });
    thread_.join();
  }

  void TearDown() override { StopServer(); }

  Client Connect() { return Client::Tcp(server_->tcp_port()); }

  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// TCP on a free port, writes allowed without a token (the routing tests POST;
// WritesNeedTokenOrUnixSocket tests the default).
HttpOptions Loopback() {
  HttpOptions o;
  o.listen = "127.0.0.1:0";
  o.allow_unauthenticated_writes = true;
  return o;
}

nlohmann::json EchoJson(std::string route, std::string method, nlohmann::json params,
                        nlohmann::json query = nlohmann::json::object(), std::string body = "") {
  return {{"route", route}, {"method", method}, {"params", params}, {"query", query}, {"body", body}};
}

TEST_F(HttpServerTest, RoutesWithEncodedAndGreedyParamsOnOneConnection) {
  StartServer(Loopback());
  ASSERT_NE(server_->tcp_port(), 0);
  Client c = Connect();
  ASSERT_TRUE(c.connected());
  struct Case {
    std::string request;
    nlohmann::json want;
  };
  const std::vector<Case> cases = {
      {Get("/v1/workloads"), EchoJson("list", "GET", nlohmann::json::object())},
      {Get("/v1/workloads/shop%2Fweb%2Fnginx"), EchoJson("get", "GET", {{"name", "shop/web/nginx"}})},
      {Get("/v1/workloads/shop/web/nginx"), EchoJson("get", "GET", {{"name", "shop/web/nginx"}})},
      {Get("/v1/workloads/pod:uid-1/container:abc"),
       EchoJson("get", "GET", {{"name", "pod:uid-1/container:abc"}})},
      {Post("/v1/workloads/shop/web/nginx/relearn"),
       EchoJson("relearn", "POST", {{"name", "shop/web/nginx"}})},
      {Post("/v1/workloads/shop%2Fweb%2Fnginx/relearn", "{}"),
       EchoJson("relearn", "POST", {{"name", "shop/web/nginx"}}, nlohmann::json::object(), "{}")},
      {Post("/v1/findings/42/accept"), EchoJson("accept", "POST", {{"id", "42"}})},
      {Get("/v1/findings?since=10&workload=shop%2Fweb&since=20&x+y=a+b&flag"),
       EchoJson("findings", "GET", nlohmann::json::object(),
                {{"since", "20"}, {"workload", "shop/web"}, {"x y", "a b"}, {"flag", ""}})},
      {Get("/v1/one/a%2Fb"), EchoJson("one", "GET", {{"name", "a/b"}})},
  };
  for (const auto& tc : cases) {
    ASSERT_TRUE(c.Send(tc.request));
    auto r = c.Read();
    ASSERT_TRUE(r) << tc.request;
    EXPECT_EQ(r->status, 200) << tc.request << r->body;
    EXPECT_EQ(r->headers["content-type"], "application/json");
    EXPECT_EQ(nlohmann::json::parse(r->body), tc.want) << tc.request;
  }
  ASSERT_TRUE(c.Send(Get("/healthz")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
}

TEST_F(HttpServerTest, ErrorsAreJson) {
  StartServer(Loopback());
  struct Case {
    std::string request;
    int status;
    std::string body;
    std::string allow;
  };
  const std::vector<Case> cases = {
      {Get("/nope"), 404, R"({"error":"no such path: /nope"})", ""},
      {Get("/v1/one/a/b"), 404, R"({"error":"no such path: /v1/one/a/b"})", ""},
      {Get("/v1/workloads/"), 404, R"({"error":"no such path: /v1/workloads/"})", ""},
      {Post("/healthz"), 405, R"({"error":"method POST not allowed on /healthz"})", "GET"},
      {Post("/v1/workloads/x"), 405, R"({"error":"method POST not allowed on /v1/workloads/x"})", "GET"},
      {Get("/v1/findings/1/accept"), 405, R"({"error":"method GET not allowed on /v1/findings/1/accept"})",
       "POST"},
      {Get("/v1/workloads/%zz"), 400, R"({"error":"bad percent-encoding in path"})", ""},
      {Get("/v1/workloads/a%00b"), 400, R"({"error":"bad percent-encoding in path"})", ""},
      {Get("/v1/findings?since=%g1"), 400, R"({"error":"bad percent-encoding in query"})", ""},
  };
  Client c = Connect();
  for (const auto& tc : cases) {
    ASSERT_TRUE(c.Send(tc.request));
    auto r = c.Read();
    ASSERT_TRUE(r) << tc.request;
    EXPECT_EQ(r->status, tc.status) << tc.request;
    EXPECT_EQ(r->body, tc.body) << tc.request;
    EXPECT_EQ(r->headers["content-type"], "application/json");
    EXPECT_EQ(r->headers["allow"], tc.allow);
  }
}

TEST_F(HttpServerTest, ParseErrorsAnswerAndClose) {
  HttpOptions o = Loopback();
  o.max_body_bytes = 1000;
  o.max_header_bytes = 2000;
  StartServer(o);
  struct Case {
    std::string request;
    int status;
    std::string body;
  };
  const std::vector<Case> cases = {
      {Post("/v1/findings/1/accept", std::string(1001, 'x')), 413, R"({"error":"request body too large"})"},
      {"POST /v1/findings/1/accept HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413,
       R"({"error":"request body too large"})"},
      {Get("/healthz", "X-Big: " + std::string(3000, 'a') + "\r\n"), 431,
       R"({"error":"request header too large"})"},
      {"GET /" + std::string(2500, 'a') + " HTTP/1.1\r\n\r\n", 431, R"({"error":"request header too large"})"},
      {"HELLO\r\n\r\n", 400, R"({"error":"malformed request: bad method"})"},
      {"GET /healthz HTTP/9.9\r\n\r\n", 400, R"({"error":"malformed request: bad version"})"},
      {"GET /healthz HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400,
       R"({"error":"malformed request: bad Content-Length"})"},
      {"GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400,
       R"({"error":"request target must be an absolute path"})"},
  };
  for (const auto& tc : cases) {
    Client c = Connect();
    ASSERT_TRUE(c.Send(tc.request));
    auto r = c.Read();
    ASSERT_TRUE(r) << tc.request.substr(0, 60);
    EXPECT_EQ(r->status, tc.status) << tc.request.substr(0, 60);
    EXPECT_EQ(r->body, tc.body) << tc.request.substr(0, 60);
    EXPECT_EQ(r->headers["connection"], "close");
    EXPECT_TRUE(c.ClosedWithin(2000ms));
  }
  // A body right at the limit is fine.
  Client c = Connect();
  ASSERT_TRUE(c.Send(Post("/v1/findings/1/accept", std::string(1000, 'y'))));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body)["body"], std::string(1000, 'y'));
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndConnectionGoesOn) {
  StartServer(Loopback());
  Client c = Connect();
  ASSERT_TRUE(c.Send(Get("/boom")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":"internal error: kaboom"})");
  ASSERT_TRUE(c.Send(Get("/badstatus")));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":"internal error: handler returned status 1000"})");
  ASSERT_TRUE(c.Send(Get("/healthz")));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  StopServer();
  HttpStats s = server_->stats();
  EXPECT_EQ(s.requests, 3u);
  EXPECT_EQ(s.server_errors, 2u);
  EXPECT_EQ(s.client_errors, 0u);
  EXPECT_EQ(s.connections, 1u);
}

TEST_F(HttpServerTest, BearerToken) {
  HttpOptions o = Loopback();
  o.bearer_token = "s3cret-token";
  StartServer(o);
  Client c = Connect();
  const std::vector<std::pair<std::string, int>> cases = {
      {Get("/v1/workloads"), 401},
      {Get("/v1/workloads", "Authorization: Bearer wrong\r\n"), 401},
      {Get("/v1/workloads", "Authorization: Bearer s3cret-token-and-more\r\n"), 401},
      {Get("/v1/workloads", "Authorization: Basic s3cret-token\r\n"), 401},
      {Get("/nope"), 401},  // no probing for paths without the token
      {Get("/v1/workloads", "Authorization: Bearer s3cret-token\r\n"), 200},
      {Get("/v1/workloads", "authorization: bearer  s3cret-token\r\n"), 200},
      {Get("/healthz"), 200},  // open, for liveness probes
      {Post("/healthz"), 401},
  };
  for (const auto& [request, status] : cases) {
    ASSERT_TRUE(c.Send(request));
    auto r = c.Read();
    ASSERT_TRUE(r) << request;
    EXPECT_EQ(r->status, status) << request;
    if (status == 401) {
      EXPECT_EQ(r->body, R"({"error":"missing or invalid bearer token"})");
      EXPECT_EQ(r->headers["www-authenticate"], "Bearer");
    }
  }
}

TEST_F(HttpServerTest, ConnectionLimitShedsTheLongestIdle) {
  HttpOptions o = Loopback();
  o.max_connections = 2;
  StartServer(o);
  Client a = Connect();
  ASSERT_TRUE(a.Send(Get("/healthz")));
  ASSERT_TRUE(a.Read());
  std::this_thread::sleep_for(50ms);
  Client b = Connect();
  ASSERT_TRUE(b.Send(Get("/healthz")));
  ASSERT_TRUE(b.Read());
  // At the limit: the new client is served at once, and `a`, idle longest, is closed for it.
  Client c = Connect();
  ASSERT_TRUE(c.Send(Get("/healthz")));
  auto r = c.Read(1000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(a.ClosedWithin(1000ms));
  ASSERT_TRUE(b.Send(Get("/healthz")));  // b keeps its connection
  ASSERT_TRUE(b.Read(1000ms));
  StopServer();
  EXPECT_EQ(server_->stats().connections, 3u);
  EXPECT_EQ(server_->stats().shed, 1u);
}

// Issue 11 defect 2: 64 idle connections used to block /healthz for the idle
// timeout (30 s). Here 500 clients hold connections open, half of them never
// sending a byte and half trickling the start of a request; /healthz and
// /metrics must still answer within a second, again and again.
TEST_F(HttpServerTest, FiveHundredIdleAndSlowClientsDoNotStarveHealthz) {
  HttpOptions o = Loopback();  // the default limits and deadlines
  StartServer(o);
  std::vector<Client> hogs;
  for (int i = 0; i < 500; ++i) {
    hogs.push_back(Connect());
    ASSERT_TRUE(hogs.back().connected()) << i;
    if (i % 2 == 1) hogs.back().Send("GET /v1/workloads HTTP/1.1\r\nHo");
  }
  Clock::duration worst{};
  for (int round = 0; round < 10; ++round) {
    for (const char* path : {"/healthz", "/metrics"}) {
      auto start = Clock::now();
      Client c = Connect();
      ASSERT_TRUE(c.connected());
      ASSERT_TRUE(c.Send(Get(path)));
      auto r = c.Read(1000ms);
      ASSERT_TRUE(r) << path << " did not answer within 1 s (round " << round << ")";
      EXPECT_EQ(r->status, 200);
      worst = std::max(worst, Clock::now() - start);
    }
    // The hogs come back: as many new idle connections as there are probes.
    for (int k = 0; k < 50; ++k) hogs.push_back(Connect());
  }
  std::printf("500 idle/slow clients: worst /healthz or /metrics latency %.1f ms\n",
              std::chrono::duration<double, std::milli>(worst).count());
  StopServer();
  EXPECT_GE(server_->stats().shed, 500u - o.max_connections);
}

// Issue 11 defect 3: without a token, only the Unix socket may change state.
TEST_F(HttpServerTest, WritesNeedTokenOrUnixSocket) {
  HttpOptions o;
  o.listen = "127.0.0.1:0";
  StartServer(o);
  Client c = Connect();
  ASSERT_TRUE(c.Send(Get("/v1/workloads")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (const std::string& req : {Post("/v1/findings/1/accept"), Post("/v1/workloads/a/relearn")}) {
    ASSERT_TRUE(c.Send(req));
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << req;
    EXPECT_EQ(r->body, R"j({"error":"requests that change state need a bearer token (api.token_file) or the Unix socket (api.unix_socket)"})j");
  }
  StopServer();

  // The Unix socket (0600 under any umask) needs no token.
  auto dir = std::filesystem::temp_directory_path() / ("dw_http_w_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  asio::io_context io;
  HttpOptions u;
  u.unix_socket = (dir / "api.sock").string();
  const mode_t old_umask = umask(0);
  HttpServer server(io, u);
  server.Route("POST", "/v1/findings/{id}/accept", [](const Request& r) { return Echo("accept", r); });
  ASSERT_TRUE(server.Start().ok());
  umask(old_umask);
  struct stat st;
  ASSERT_EQ(stat(u.unix_socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::thread t([&] { io.run_for(10s); });
  Client uc = Client::Unix(u.unix_socket);
  ASSERT_TRUE(uc.Send(Post("/v1/findings/1/accept")));
  r = uc.Read();
  asio::post(io, [&] { server.Stop(); });
  t.join();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, IdleAndSlowClientsAreClosed) {
  HttpOptions o = Loopback();
  o.idle_timeout = 1s;
  o.request_timeout = 1s;
  StartServer(o);
  Client idle = Connect();
  Client slow = Connect();
  ASSERT_TRUE(slow.Send("GET /healthz HT"));
  Client kept = Connect();  // idle after one keep-alive request
  ASSERT_TRUE(kept.Send(Get("/healthz")));
  ASSERT_TRUE(kept.Read());
  auto start = Clock::now();
  // The slow client trickles a byte now and then; the deadline covers the whole request.
  ASSERT_TRUE(slow.Send("T"));
  std::this_thread::sleep_for(400ms);
  slow.Send("P");
  EXPECT_TRUE(idle.ClosedWithin(3000ms));
  EXPECT_TRUE(slow.ClosedWithin(3000ms));
  EXPECT_TRUE(kept.ClosedWithin(3000ms));
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 700ms);
  EXPECT_LT(elapsed, 3000ms);
  // And the server still serves.
  Client c = Connect();
  ASSERT_TRUE(c.Send(Get("/healthz")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  StopServer();
  EXPECT_EQ(server_->stats().timeouts, 3u);
}

TEST_F(HttpServerTest, SurvivesGarbage) {
  HttpOptions o = Loopback();
  o.idle_timeout = 2s;
  StartServer(o);
  std::mt19937 rng(1234);
  const std::string valid = Post("/v1/findings/7/accept", "{\"a\":1}", "X-Thing: yes\r\n");
  for (int i = 0; i < 300; ++i) {
    std::string data;
    switch (i % 4) {
      case 0:  // random bytes
        data.resize(rng() % 3000);
        for (char& ch : data) ch = static_cast<char>(rng());
        break;
      case 1:  // half a valid request
        data = valid.substr(0, rng() % valid.size());
        break;
      case 2:  // a valid request with a few bytes flipped
        data = valid;
        for (int k = 0; k < 3; ++k) data[rng() % data.size()] = static_cast<char>(rng());
        break;
      case 3:  // a header line that never ends
        data = "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a');
        break;
    }
    Client c = Connect();
    ASSERT_TRUE(c.connected());
    c.Send(data);
    c.ShutdownWrite();
    ASSERT_TRUE(c.ClosedWithin(3000ms)) << "case " << i;
  }
  Client c = Connect();
  ASSERT_TRUE(c.Send(valid));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body), EchoJson("accept", "POST", {{"id", "7"}}, nlohmann::json::object(), "{\"a\":1}"));
  StopServer();
  EXPECT_EQ(server_->stats().active_connections, 0u);
}

TEST_F(HttpServerTest, UnixSocketWithToken) {
  auto dir = std::filesystem::temp_directory_path() / ("dw_http_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "api.sock").string();
  {  // A stale socket file left by a dead server.
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    close(fd);
  }
  HttpOptions o;
  o.unix_socket = path;
  o.bearer_token = "tok";
  StartServer(o);
  EXPECT_EQ(server_->tcp_port(), 0);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  {  // A second server on the same live socket refuses to start.
    asio::io_context io2;
    HttpOptions o2;
    o2.unix_socket = path;
    HttpServer second(io2, o2);
    Status s = second.Start();
    EXPECT_EQ(s.code(), ErrorCode::kUnavailable) << s.message();
  }

  Client c = Client::Unix(path);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(Get("/v1/workloads/a%2Fb")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  ASSERT_TRUE(c.Send(Get("/v1/workloads/a%2Fb", "Authorization: Bearer tok\r\n")));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body), EchoJson("get", "GET", {{"name", "a/b"}}));
  StopServer();
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

// ServeBytes (the fuzz target's entry) goes through the same parser and routes.
TEST(HttpServeBytesTest, SameAnswersAsASocket) {
  asio::io_context io;
  HttpOptions o;
  o.max_body_bytes = 10;
  HttpServer server(io, o);
  server.Route("GET", "/healthz", [](const Request&) { return Response::Text(200, "ok\n"); });
  server.Route("POST", "/v1/findings/{id}/accept", [](const Request& r) { return Echo("accept", r); });
  auto r = server.ServeBytes(Get("/healthz") + Get("/nope") + Post("/v1/findings/3/accept"));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, "ok\n");
  EXPECT_EQ(r[0].wire.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r[0].wire;
  EXPECT_EQ(r[1].status, 404);
  EXPECT_EQ(r[2].status, 403);  // TCP without a token
  r = server.ServeBytes(Post("/v1/findings/3/accept", "{}"), /*unix_client=*/true);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(r[0].body), EchoJson("accept", "POST", {{"id", "3"}}, nlohmann::json::object(), "{}"));
  r = server.ServeBytes(Post("/v1/findings/3/accept", std::string(11, 'x')) + Get("/healthz"));
  ASSERT_EQ(r.size(), 1u);  // the connection closes after a parse error
  EXPECT_EQ(r[0].status, 413);
  EXPECT_TRUE(server.ServeBytes("GET /healthz HTTP/1.1\r\nHo").empty());  // half a request
  r = server.ServeBytes("\x01\x02 junk\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 400);
}

TEST(HttpServerStartTest, RejectsBadListenAndNonSocketFiles) {
  asio::io_context io;
  for (const char* listen : {"nonsense", "localhost:80", "127.0.0.1:99999", "127.0.0.1:", "::1:80",
                             "127.0.0.1:8x"}) {
    HttpOptions o;
    o.listen = listen;
    HttpServer s(io, o);
    Status st = s.Start();
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << listen << ": " << st.message();
  }
  auto file = std::filesystem::temp_directory_path() / ("dw_http_file_" + std::to_string(getpid()));
  { std::ofstream(file) << "not a socket"; }
  HttpOptions o;
  o.unix_socket = file.string();
  HttpServer s(io, o);
  Status st = s.Start();
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "listen unix:" + file.string() + ": exists and is not a socket");
  EXPECT_TRUE(std::filesystem::exists(file));
  std::filesystem::remove(file);

  // A port already in use.
  HttpOptions first;
  first.listen = "127.0.0.1:0";
  HttpServer a(io, first);
  ASSERT_TRUE(a.Start().ok());
  HttpOptions second;
  second.listen = "127.0.0.1:" + std::to_string(a.tcp_port());
  HttpServer b(io, second);
  st = b.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "listen " + second.listen + ": Address already in use");
}

TEST(HttpHelpersTest, PercentDecodeQueryAndMatch) {
  EXPECT_EQ(PercentDecode("a%2Fb%2fc+d", false), "a/b/c+d");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%4", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%4g", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%00", false), std::nullopt);
  using Map = std::map<std::string, std::string>;
  EXPECT_EQ(ParseQuery(""), Map{});
  EXPECT_EQ(ParseQuery("a=1&&b&a=2&c=x%3Dy=z"), (Map{{"a", "2"}, {"b", ""}, {"c", "x=y=z"}}));
  EXPECT_EQ(ParseQuery("a=%"), std::nullopt);

  EXPECT_EQ(MatchPath("/v1/workloads/{name...}", "/v1/workloads/a/b%2Fc"), (Map{{"name", "a/b/c"}}));
  EXPECT_EQ(MatchPath("/v1/workloads/{name...}/relearn", "/v1/workloads/relearn"), std::nullopt);
  EXPECT_EQ(MatchPath("/v1/workloads/{name...}/relearn", "/v1/workloads/x/relearn"), (Map{{"name", "x"}}));
  EXPECT_EQ(MatchPath("/v1/workloads/{name...}/relearn", "/v1/workloads//relearn"), std::nullopt);
  EXPECT_EQ(MatchPath("/{a}/x/{b...}", "/1/x/2/3"), (Map{{"a", "1"}, {"b", "2/3"}}));
  EXPECT_EQ(MatchPath("/{a}", "/"), std::nullopt);
  EXPECT_EQ(MatchPath("/", "/"), Map{});
  EXPECT_EQ(MatchPath("/{a...}/{b...}", "/1/2"), std::nullopt);  // two greedy segments
  EXPECT_EQ(MatchPath("/healthz", "/health%7A"), Map{});         // literals compare decoded
  EXPECT_EQ(JsonQuote("a\"b\n\xff"), "\"a\\\"b\\n\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace dw::tools::agent
