// tools/agent/http_server.h: the agent's small HTTP/1.1 API server (Boost.Beast)
// on a TCP address or a Unix socket, with routes, limits and a bearer token.
#ifndef DRIFTWATCH_TOOLS_AGENT_HTTP_SERVER_H_
#define DRIFTWATCH_TOOLS_AGENT_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/status.h"

namespace boost::asio {
class io_context;
}

namespace dw::tools::agent {

struct HttpOptions {
  // "host:port" with a numeric IPv4 or bracketed IPv6 host ("127.0.0.1:9870",
  // "[::1]:0"); port 0 picks a free port (see HttpServer::tcp_port()).
  // Ignored when unix_socket is set.
  std::string listen = "127.0.0.1:9870";
  // A filesystem path: listen on a Unix stream socket there instead of TCP.
  std::string unix_socket;
  // When not empty, every request except GET /healthz needs
  // "Authorization: Bearer <token>" (compared in constant time), else 401.
  std::string bearer_token;
  // Without a bearer token, requests that change state (any method but GET and
  // HEAD) are answered 403 on TCP: only a client of the Unix socket (whose
  // file is 0600, so only the agent's user) may make them. true lifts that.
  bool allow_unauthenticated_writes = false;
  size_t max_body_bytes = 64 * 1024;   // larger bodies get 413
  size_t max_header_bytes = 8 * 1024;  // request line + headers; larger gets 431
  // A keep-alive or new connection waiting for the first byte of a request is
  // closed after this.
  std::chrono::seconds idle_timeout{30};
  // Once the first byte of a request arrived, all of it (headers and body)
  // must arrive within this, so a client trickling bytes cannot hold a slot.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  // Open connections at most. When a client connects at the limit, the
  // connection that has waited longest for its next request is closed to make
  // room (else the one that has been sending its request longest); only when
  // every connection is busy writing a response does the server stop
  // accepting until one closes.
  size_t max_connections = 64;
};

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // the raw request target: "/v1/findings?since=10"
  std::string path;    // the target before '?', still percent-encoded
  // Values of the route's {params}, percent-decoded.
  std::map<std::string, std::string> params;
  // Query parameters, percent-decoded ('+' is a space); a repeated key keeps
  // its last value; a key without '=' has the value "".
  std::map<std::string, std::string> query;
  // Header names in lower case; repeated headers joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;

  // The param or query value `name`, or nullopt.
  std::optional<std::string> Param(const std::string& name) const;
  std::optional<std::string> Query(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers

  // {"error": message}, JSON-escaped.
  static Response Error(int status, std::string_view message);
  static Response Json(int status, std::string body) {
    return Response{status, "application/json", std::move(body), {}};
  }
  static Response Text(int status, std::string body, std::string content_type = "text/plain") {
    return Response{status, std::move(content_type), std::move(body), {}};
  }
};

using Handler = std::function<Response(const Request&)>;

// One response as ServeBytes() produced it.
struct ServedResponse {
  int status = 0;
  std::string body;
  std::string wire;  // the serialized response, status line to body
};

struct HttpStats {
  uint64_t connections = 0;         // accepted so far
  uint64_t active_connections = 0;  // open now
  uint64_t requests = 0;            // responses sent, any status
  uint64_t client_errors = 0;       // 4xx responses
  uint64_t server_errors = 0;       // 5xx responses (handler exceptions)
  uint64_t timeouts = 0;            // connections closed by idle_timeout or request_timeout
  uint64_t shed = 0;                // connections closed to make room at max_connections
};

// Serves routes registered with Route() on the caller's io_context.
//
// Why clients cannot starve it (GET /healthz and /metrics must answer while
// hundreds of clients hold connections open doing nothing): a connection costs
// a slot only while it is useful. Every connection is in one of three phases:
// idle (waiting for the first byte of a request), reading (a request has
// started), writing (a response is on its way). Idle ends after idle_timeout,
// reading after request_timeout. At max_connections a new client does not wait
// in the backlog for a timeout: the connection idle longest is closed for it
// (an idle keep-alive client reconnects when it needs to), else the one
// reading longest. Handlers are synchronous and short, so a writer soon
// becomes idle. A flood of connects therefore only recycles slots; each
// accepted client gets its turn at once, and a health probe answers in the
// time it takes to accept and shed the connections queued before it.
//
// Every callback runs on the thread(s) running that io_context; the agent runs one,
// so handlers need no locks. The server never throws and never stops on bad
// input: malformed requests get 400, oversized ones 413 (body) or 431
// (headers), unknown paths 404, a known path with another method 405 with an
// Allow header, a missing or wrong token 401, a write without a token over
// TCP 403 (see allow_unauthenticated_writes), a handler that throws 500; all
// with a JSON body {"error": "..."}. After a parse error the connection is
// closed; otherwise HTTP/1.1 keep-alive is honoured (no pipelining: a client
// that sends the next request early just has it read after the response).
// Not thread-safe: call Route/Start/Stop/stats from the io_context's thread
// (or before it runs).
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpOptions options);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route. `pattern` is a path of '/'-separated segments; a segment is
  // a literal ("workloads"), "{name}" (one segment, which may carry an encoded
  // '/' as %2F), or "{name...}" (one or more segments, '/' included, so
  // "/v1/workloads/{name...}/relearn" matches "/v1/workloads/shop/web/nginx/relearn"
  // with name "shop/web/nginx"). At most one "{...}" greedy segment per pattern.
  // Literals compare with the decoded request segment. When several routes
  // match a path and method, the one with the most literal segments wins, then
  // the first added. Routes may be added before or after Start().
  void Route(std::string method, std::string pattern, Handler handler);

  // Binds and starts accepting. TCP: SO_REUSEADDR, listen on options.listen.
  // Unix: removes a stale socket file at the path (any other kind of file
  // there is an error), binds, and sets mode 0600 (owner only; it is created
  // under a umask of 0177, so it is never open wider, even for an instant;
  // the umask is process-wide, so call Start() before starting threads).
  Status Start();
  // Closes the listener and every connection; in-flight handlers have already
  // run (they are synchronous). Removes the Unix socket file. Idempotent.
  void Stop();

  // Serves `input` as the bytes one client sent on a connection and then
  // closed: the same parser, limits, authorization and routes as a socket
  // connection (a Unix socket one when `unix_client`), without I/O. Returns
  // the responses in order. Needs no Start(); for tests and fuzzing.
  std::vector<ServedResponse> ServeBytes(std::string_view input, bool unix_client = false);

  // The bound TCP port after Start() (useful with port 0); 0 for a Unix socket.
  uint16_t tcp_port() const;
  HttpStats stats() const;

  struct State;  // shared with connections, which may outlive the server object

 private:
  std::shared_ptr<State> state_;
};

// Helpers, public for tests and fuzzing.

// Decodes %XX escapes (and '+' as space when `plus_is_space`). nullopt on a
// bad escape or a decoded NUL byte.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
// Parses "a=1&b=x%20y"; nullopt on a bad escape.
std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view query);
// Matches a raw (percent-encoded) request path against a pattern as Route()
// describes; the decoded param values on a match, nullopt otherwise (also when
// a segment has a bad escape, or the pattern has two greedy segments).
std::optional<std::map<std::string, std::string>> MatchPath(std::string_view pattern,
                                                            std::string_view path);
// The JSON string literal for `s` (quotes included); invalid UTF-8 replaced.
std::string JsonQuote(std::string_view s);

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_HTTP_SERVER_H_
