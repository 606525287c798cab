// tools/agent/http_server.cc: accept loop, per-connection read/route/write, and
// the request-path helpers. Asio errors are taken as error_codes, never thrown.
#include "tools/agent/http_server.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <type_traits>

namespace dw::tools::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;
using boost::system::error_code;

namespace {

// After an error response on a connection whose request was not read in
// full, the rest of what the client sent is drained for at most this long
// (and this much) before closing: closing with unread data makes the kernel
// send RST, which can destroy the response before the client reads it.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerBytes = 1 << 20;
// Back-off when accept() fails (EMFILE and the like) so the loop does not spin.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Segment {
  enum Kind { kLiteral, kParam, kGreedy } kind = kLiteral;
  std::string text;  // the literal, or the param's name
};

struct Pattern {
  std::vector<Segment> segments;
  int greedy = -1;     // index of the greedy segment, -1 for none
  bool valid = true;   // false with two greedy segments: never matches
  size_t literals = 0;
};

Pattern ParsePattern(std::string_view pattern) {
  Pattern p;
  if (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
  size_t start = 0;
  while (true) {
    size_t slash = pattern.find('/', start);
    std::string_view seg = pattern.substr(start, slash == std::string_view::npos ? slash : slash - start);
    Segment s;
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string_view name = seg.substr(1, seg.size() - 2);
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        s.kind = Segment::kGreedy;
        name.remove_suffix(3);
        if (p.greedy >= 0) p.valid = false;
        p.greedy = static_cast<int>(p.segments.size());
      } else {
        s.kind = Segment::kParam;
      }
      s.text = std::string(name);
    } else {
      s.text = std::string(seg);
      ++p.literals;
    }
    p.segments.push_back(std::move(s));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return p;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool MatchOne(const Segment& seg, std::string_view raw, std::map<std::string, std::string>& params) {
  auto decoded = PercentDecode(raw, false);
  if (!decoded) return false;
  if (seg.kind == Segment::kLiteral) return *decoded == seg.text;
  if (decoded->empty()) return false;
  params[seg.text] = std::move(*decoded);
  return true;
}

std::optional<std::map<std::string, std::string>> Match(const Pattern& p,
                                                        const std::vector<std::string_view>& segs) {
  if (!p.valid) return std::nullopt;
  std::map<std::string, std::string> params;
  const size_t n = segs.size();
  if (p.greedy < 0) {
    if (n != p.segments.size()) return std::nullopt;
    for (size_t i = 0; i < n; ++i) {
      if (!MatchOne(p.segments[i], segs[i], params)) return std::nullopt;
    }
    return params;
  }
  const size_t prefix = static_cast<size_t>(p.greedy);
  const size_t suffix = p.segments.size() - prefix - 1;
  if (n < prefix + 1 + suffix) return std::nullopt;
  for (size_t i = 0; i < prefix; ++i) {
    if (!MatchOne(p.segments[i], segs[i], params)) return std::nullopt;
  }
  for (size_t i = 0; i < suffix; ++i) {
    if (!MatchOne(p.segments[prefix + 1 + i], segs[n - suffix + i], params)) return std::nullopt;
  }
  std::string joined;
  for (size_t i = prefix; i < n - suffix; ++i) {
    if (i > prefix) joined += '/';
    joined += segs[i];
  }
  auto value = PercentDecode(joined, false);
  if (!value || value->empty()) return std::nullopt;
  params[p.segments[prefix].text] = std::move(*value);
  return params;
}

// Compares in time that depends only on the lengths, not on where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

bool Authorized(const std::string& token, const Request& req) {
  auto it = req.headers.find("authorization");
  if (it == req.headers.end()) return false;
  std::string_view v = it->second;
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != kScheme[i]) return false;
  }
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return ConstantTimeEquals(v, token);
}

struct ParsedListen {
  asio::ip::address address;
  uint16_t port = 0;
};

Result<ParsedListen> ParseListen(const std::string& listen) {
  auto bad = [&](const std::string& why) {
    return Status(ErrorCode::kInvalidArgument, "listen address \"" + listen + "\": " + why);
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return bad("want host:port");
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return bad("put an IPv6 address in brackets: [::1]:9870");
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("bad port");
  }
  unsigned long p = std::stoul(port);
  if (p > 65535) return bad("port out of range");
  error_code ec;
  ParsedListen out;
  out.address = asio::ip::make_address(host, ec);
  if (ec) return bad("host must be a numeric IP address");
  out.port = static_cast<uint16_t>(p);
  return out;
}

// Where a connection is in its request cycle (http_server.h: why).
enum class Phase { kIdle, kReading, kWriting };

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void Close() = 0;
  virtual Phase phase() const = 0;
  // When the connection entered phase().
  virtual std::chrono::steady_clock::time_point phase_since() const = 0;
};

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  struct RouteEntry {
    std::string method;
    Pattern pattern;
    Handler handler;
  };

  State(asio::io_context& io_, HttpOptions options_)
      : io(io_), options(std::move(options_)), retry_timer(io_) {}

  asio::io_context& io;
  HttpOptions options;
  std::vector<RouteEntry> routes;
  std::optional<tcp::acceptor> tcp_acceptor;
  std::optional<unix_stream::acceptor> unix_acceptor;
  asio::steady_timer retry_timer;
  bool started = false;
  bool stopped = false;
  bool accepting = false;  // an async_accept is outstanding
  uint64_t next_id = 1;
  std::map<uint64_t, std::weak_ptr<Connection>> connections;
  HttpStats stats;

  void DoAccept();
  template <class Acceptor>
  void AcceptOn(Acceptor& acceptor);
  void OnConnectionClosed(uint64_t id);
  // Closes the connection idle longest, else the one reading longest; false
  // when every connection is writing.
  bool ShedOne();
  Response Dispatch(Request& req, bool local, bool* close);
  void Count(int status);
};

namespace {

// The answer to a failed read, or nullopt when there is none to give (the
// client closed, reset, or stopped halfway).
std::optional<Response> ParseErrorResponse(error_code ec) {
  if (ec == http::error::header_limit) return Response::Error(431, "request header too large");
  if (ec == http::error::body_limit) return Response::Error(413, "request body too large");
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message &&
      ec != http::error::need_more) {
    return Response::Error(400, "malformed request: " + ec.message());
  }
  return std::nullopt;
}

Request ToRequest(http::request<http::string_body>& msg) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = req.headers.try_emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  req.body = std::move(msg.body());
  return req;
}

http::response<http::string_body> BuildOnce(Response r, bool close) {
  http::response<http::string_body> res;
  res.version(11);
  res.result(static_cast<unsigned>(r.status));
  res.set(http::field::server, "driftwatch");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(!close);
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

http::response<http::string_body> BuildResponse(Response r, bool close) {
  if (r.status < 100 || r.status > 599) {
    r = Response::Error(500, "internal error: handler returned status " + std::to_string(r.status));
  }
  try {  // Beast throws on a few malformed inputs (a huge header name); answer plainly then
    return BuildOnce(std::move(r), close);
  } catch (const std::exception& e) {
    return BuildOnce(Response::Error(500, std::string("internal error: ") + e.what()), close);
  }
}

// One client connection: read a request, answer, repeat while keep-alive.
template <class Socket>
class Session : public Connection, public std::enable_shared_from_this<Session<Socket>> {
 public:
  Session(std::shared_ptr<HttpServer::State> state, Socket socket, uint64_t id)
      : state_(std::move(state)),
        socket_(std::move(socket)),
        timer_(state_->io),
        id_(id),
        buffer_(state_->options.max_header_bytes + state_->options.max_body_bytes + 16 * 1024) {}

  ~Session() override { state_->OnConnectionClosed(id_); }

  void Start() { ReadRequest(); }

  Phase phase() const override { return phase_; }
  std::chrono::steady_clock::time_point phase_since() const override { return phase_since_; }

  void Close() override {
    error_code ignored;
    timer_.cancel();
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void ArmTimer(std::chrono::steady_clock::duration d) {
    timer_.expires_after(d);
    // A weak reference: a connection with no I/O pending ends at once, and
    // its timer with it.
    timer_.async_wait([weak = this->weak_from_this()](error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;  // cancelled, re-armed, or the connection is gone
      self->timed_out_ = true;
      error_code ignored;
      self->socket_.close(ignored);
    });
  }

  void SetPhase(Phase p) {
    phase_ = p;
    phase_since_ = std::chrono::steady_clock::now();
  }

  // Waits (idle_timeout) for the first byte of the next request, then reads
  // it whole (request_timeout).
  void ReadRequest() {
    SetPhase(Phase::kIdle);
    state_->DoAccept();  // this connection may now be shed: resume a paused accept loop
    if (buffer_.size() > 0) return ReadBody();  // the client sent it early
    ArmTimer(state_->options.idle_timeout);
    socket_.async_wait(asio::socket_base::wait_read, [self = this->shared_from_this()](error_code ec) {
      if (self->state_->stopped) return;
      if (self->timed_out_) {
        ++self->state_->stats.timeouts;
        return self->Close();
      }
      if (ec) return self->Close();
      self->ReadBody();
    });
  }

  void ReadBody() {
    SetPhase(Phase::kReading);
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(state_->options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(state_->options.max_body_bytes);
    ArmTimer(state_->options.request_timeout);
    http::async_read(socket_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(error_code ec) {
    if (state_->stopped) return;
    if (timed_out_) {
      ++state_->stats.timeouts;
      return Close();
    }
    if (ec) {
      if (auto r = ParseErrorResponse(ec)) return Reply(std::move(*r), true);
      return Close();  // eof, reset, half a request and then eof: nothing to answer
    }
    auto& msg = parser_->get();
    Request req = ToRequest(msg);
    bool close = !msg.keep_alive();
    Response res = state_->Dispatch(req, std::is_same_v<Socket, unix_stream::socket>, &close);
    Reply(std::move(res), close, /*linger=*/false);
  }

  void Reply(Response r, bool close, bool linger = true) {
      SetPhase(Phase::kWriting);
    state_->Count(r.status);
    res_ = BuildResponse(std::move(r), close);
    ArmTimer(state_->options.idle_timeout);
    http::async_write(socket_, res_,
                      [self = this->shared_from_this(), close, linger](error_code ec, size_t) {
                        if (self->state_->stopped) return;
                        if (ec || self->timed_out_) return self->Close();
                        if (!close) return self->ReadRequest();
                        error_code ignored;
                        self->socket_.shutdown(asio::socket_base::shutdown_send, ignored);
                        if (linger) return self->Drain(0);
                        self->Close();
                      });
  }

  // Reads and discards what the client still sends, until it closes, up to
  // kLingerBytes or kLingerTime.
  void Drain(size_t drained) {
    if (drained == 0) ArmTimer(kLingerTime);
    socket_.async_read_some(asio::buffer(scratch_),
                            [self = this->shared_from_this(), drained](error_code ec, size_t n) {
                              if (ec || self->timed_out_ || drained + n > kLingerBytes) {
                                return self->Close();
                              }
                              self->Drain(drained + n);
                            });
  }

  std::shared_ptr<HttpServer::State> state_;
  Socket socket_;
  asio::steady_timer timer_;
  uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::array<char, 4096> scratch_;
  bool timed_out_ = false;
  Phase phase_ = Phase::kIdle;
  std::chrono::steady_clock::time_point phase_since_ = std::chrono::steady_clock::now();
};

}  // namespace

void HttpServer::State::Count(int status) {
  ++stats.requests;
  if (status >= 400 && status < 500) ++stats.client_errors;
  if (status >= 500) ++stats.server_errors;
}

Response HttpServer::State::Dispatch(Request& req, bool local, bool* close) {
  if (req.target.empty() || req.target.front() != '/') {
    *close = true;
    return Response::Error(400, "request target must be an absolute path");
  }
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (!PercentDecode(req.path, false)) return Response::Error(400, "bad percent-encoding in path");
  if (q != std::string::npos) {
    auto query = ParseQuery(std::string_view(req.target).substr(q + 1));
    if (!query) return Response::Error(400, "bad percent-encoding in query");
    req.query = std::move(*query);
  }
  if (!options.bearer_token.empty() && !(req.method == "GET" && req.path == "/healthz") &&
      !Authorized(options.bearer_token, req)) {
    Response r = Response::Error(401, "missing or invalid bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  const auto segs = SplitPath(req.path);
  const RouteEntry* best = nullptr;
  std::set<std::string> allowed;
  for (const auto& route : routes) {
    auto params = Match(route.pattern, segs);
    if (!params) continue;
    allowed.insert(route.method);
    if (route.method != req.method) continue;
    if (best == nullptr || route.pattern.literals > best->pattern.literals) {
      best = &route;
      req.params = std::move(*params);
    }
  }
  if (best == nullptr && allowed.empty()) return Response::Error(404, "no such path: " + req.path);
  if (best == nullptr) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response r = Response::Error(405, "method " + req.method + " not allowed on " + req.path);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (options.bearer_token.empty() && !local && !options.allow_unauthenticated_writes &&
      req.method != "GET" && req.method != "HEAD") {
    return Response::Error(403, "requests that change state need a bearer token (api.token_file) "
                                "or the Unix socket (api.unix_socket)");
  }
  try {
    return best->handler(req);
  } catch (const std::exception& e) {
    return Response::Error(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return Response::Error(500, "internal error");
  }
}

template <class Acceptor>
void HttpServer::State::AcceptOn(Acceptor& acceptor) {
  accepting = true;
  acceptor.async_accept([self = shared_from_this()](error_code ec, typename Acceptor::protocol_type::socket socket) {
    self->accepting = false;
    if (self->stopped) return;
    if (ec) {
      // EMFILE, ENFILE, ECONNABORTED...: try again shortly, without spinning.
      self->retry_timer.expires_after(kAcceptRetry);
      self->retry_timer.async_wait([self](error_code tec) {
        if (!tec && !self->stopped) self->DoAccept();
      });
      return;
    }
    // At the limit a connection is shed for this one (DoAccept() only
    // accepts then when one can be); at most one over if that changed meanwhile.
    if (self->connections.size() >= self->options.max_connections) self->ShedOne();
    const uint64_t id = self->next_id++;
    auto session = std::make_shared<Session<typename Acceptor::protocol_type::socket>>(self, std::move(socket), id);
    self->connections[id] = session;
    ++self->stats.connections;
    ++self->stats.active_connections;
    session->Start();
    self->DoAccept();
  });
}

bool HttpServer::State::ShedOne() {
  std::shared_ptr<Connection> victim;
  uint64_t victim_id = 0;
  for (const auto& [id, weak] : connections) {
    auto c = weak.lock();
    if (!c || c->phase() == Phase::kWriting) continue;
    if (!victim || (c->phase() == Phase::kIdle && victim->phase() != Phase::kIdle) ||
        (c->phase() == victim->phase() && c->phase_since() < victim->phase_since())) {
      victim = std::move(c);
      victim_id = id;
    }
  }
  if (!victim) return false;
  // Out of the count now; the session ends when its pending operation returns.
  connections.erase(victim_id);
  --stats.active_connections;
  ++stats.shed;
  victim->Close();
  return true;
}

void HttpServer::State::DoAccept() {
  if (stopped || accepting) return;
  if (connections.size() >= options.max_connections) {
    bool sheddable = false;
    for (const auto& [id, weak] : connections) {
      auto c = weak.lock();
      if (c && c->phase() != Phase::kWriting) sheddable = true;
    }
    if (!sheddable) return;
  }
  if (tcp_acceptor) AcceptOn(*tcp_acceptor);
  if (unix_acceptor) AcceptOn(*unix_acceptor);
}

void HttpServer::State::OnConnectionClosed(uint64_t id) {
  if (connections.erase(id) == 1) --stats.active_connections;  // else shed already
  DoAccept();  // resumes a loop paused at max_connections
}

HttpServer::HttpServer(asio::io_context& io, HttpOptions options)
    : state_(std::make_shared<State>(io, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string pattern, Handler handler) {
  state_->routes.push_back({std::move(method), ParsePattern(pattern), std::move(handler)});
}

Status HttpServer::Start() {
  State& s = *state_;
  if (s.started) return Status(ErrorCode::kInvalidArgument, "http server: already started");
  if (s.options.max_connections == 0) {
    return Status(ErrorCode::kInvalidArgument, "http server: max_connections must be at least 1");
  }
  error_code ec;
  if (!s.options.unix_socket.empty()) {
    const std::string& path = s.options.unix_socket;
    const std::string what = "listen unix:" + path;
    if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      return Status(ErrorCode::kInvalidArgument, what + ": path too long");
    }
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return Status(ErrorCode::kInvalidArgument, what + ": exists and is not a socket");
      }
      // A socket file that accepts connections belongs to a live server.
      unix_stream::socket probe(s.io);
      probe.connect(unix_stream::endpoint(path), ec);
      if (!ec) return Status(ErrorCode::kUnavailable, what + ": another server is listening there");
      if (unlink(path.c_str()) != 0 && errno != ENOENT) {
        return Status::Errno(what + ": remove stale socket", errno);
      }
    }
    s.unix_acceptor.emplace(s.io);
    auto& a = *s.unix_acceptor;
    if (a.open(unix_stream(), ec); !ec) {
      const mode_t old_umask = umask(0177);  // created 0600: never wider, even briefly
      a.bind(unix_stream::endpoint(path), ec);
      umask(old_umask);
    }
    if (!ec && chmod(path.c_str(), 0600) != 0) ec = error_code(errno, boost::system::system_category());
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      s.unix_acceptor.reset();
      return Status::Errno(what, ec.value());
    }
  } else {
    ASSIGN_OR_RETURN(ParsedListen addr, ParseListen(s.options.listen));
    const std::string what = "listen " + s.options.listen;
    tcp::endpoint ep(addr.address, addr.port);
    s.tcp_acceptor.emplace(s.io);
    auto& a = *s.tcp_acceptor;
    if (a.open(ep.protocol(), ec); !ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      s.tcp_acceptor.reset();
      return Status::Errno(what, ec.value());
    }
  }
  s.started = true;
  s.DoAccept();
  return Status::Ok();
}

void HttpServer::Stop() {
  State& s = *state_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  error_code ignored;
  s.retry_timer.cancel();
  if (s.tcp_acceptor) s.tcp_acceptor->close(ignored);
  if (s.unix_acceptor) {
    s.unix_acceptor->close(ignored);
    unlink(s.options.unix_socket.c_str());
  }
  // Copy: closing a connection can end it and erase it from the map.
  auto connections = s.connections;
  for (auto& [id, weak] : connections) {
    if (auto c = weak.lock()) c->Close();
  }
}

std::vector<ServedResponse> HttpServer::ServeBytes(std::string_view input, bool unix_client) {
  State& s = *state_;
  std::vector<ServedResponse> out;
  auto answer = [&](Response r, bool close) {
    s.Count(r.status);
    auto res = BuildResponse(std::move(r), close);
    std::ostringstream wire;
    wire << res;
    out.push_back({static_cast<int>(res.result_int()), std::move(res.body()), wire.str()});
  };
  while (!input.empty()) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(std::min<size_t>(s.options.max_header_bytes, UINT32_MAX)));
    parser.body_limit(s.options.max_body_bytes);
    parser.eager(true);
    error_code ec;
    while (!parser.is_done() && !input.empty()) {
      size_t used = parser.put(asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) break;  // the rest is not enough for the next piece
        continue;
      }
      if (ec) break;
    }
    if (!ec && !parser.is_done()) {
      parser.put_eof(ec);  // what the client closing now means
      if (!ec && !parser.is_done()) return out;
    }
    if (ec) {
      if (auto r = ParseErrorResponse(ec)) answer(std::move(*r), true);
      return out;
    }
    auto& msg = parser.get();
    Request req = ToRequest(msg);
    bool close = !msg.keep_alive();
    Response res = s.Dispatch(req, unix_client, &close);
    answer(std::move(res), close);
    if (close) return out;
  }
  return out;
}

uint16_t HttpServer::tcp_port() const {
  if (!state_->tcp_acceptor || !state_->tcp_acceptor->is_open()) return 0;
  error_code ec;
  auto ep = state_->tcp_acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

HttpStats HttpServer::stats() const { return state_->stats; }

std::optional<std::string> Request::Param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string JsonQuote(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response Response::Error(int status, std::string_view message) {
  return Json(status, "{\"error\":" + JsonQuote(message) + "}");
}

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') return std::nullopt;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    out += c;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view part = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      auto key = PercentDecode(part.substr(0, eq), true);
      auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                : PercentDecode(part.substr(eq + 1), true);
      if (!key || !value) return std::nullopt;
      out[std::move(*key)] = std::move(*value);
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> MatchPath(std::string_view pattern,
                                                            std::string_view path) {
  return Match(ParsePattern(pattern), SplitPath(path));
}

}  // namespace dw::tools::agent
