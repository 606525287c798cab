// tools/agent/testing/http_request_fuzz.cc: libFuzzer target for the API
// server's request handling: the input is what one client sent on a
// connection, served through the real parser, limits, token check and router
// (HttpServer::ServeBytes) with the agent's route patterns.
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "tools/agent/http_server.h"

namespace {

using dw::tools::agent::HttpOptions;
using dw::tools::agent::HttpServer;
using dw::tools::agent::Request;
using dw::tools::agent::Response;

// Echoes params and query, so decoding results are used (and checked by ASan).
Response Echo(const Request& r) {
  std::string out = r.method + " " + r.path;
  for (const auto& [k, v] : r.params) out += " " + k + "=" + v;
  for (const auto& [k, v] : r.query) out += " " + k + "=" + v;
  return Response::Text(200, out + " " + std::to_string(r.body.size()));
}

HttpServer& Server(bool with_token) {
  static boost::asio::io_context io;
  static std::unique_ptr<HttpServer> servers[2];
  auto& s = servers[with_token ? 1 : 0];
  if (!s) {
    HttpOptions o;
    o.max_body_bytes = 4096;
    o.max_header_bytes = 2048;
    if (with_token) o.bearer_token = "fuzz-token";
    s = std::make_unique<HttpServer>(io, o);
    s->Route("GET", "/healthz", Echo);
    s->Route("GET", "/metrics", Echo);
    s->Route("GET", "/v1/workloads", Echo);
    s->Route("GET", "/v1/workloads/{name...}", Echo);
    s->Route("POST", "/v1/workloads/{name...}/relearn", Echo);
    s->Route("GET", "/v1/findings", Echo);
    s->Route("POST", "/v1/findings/{id}/accept", Echo);
    s->Route("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  }
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the server (token or not) and the socket kind.
  const bool with_token = (data[0] & 1) != 0;
  const bool unix_client = (data[0] & 2) != 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (const auto& r : Server(with_token).ServeBytes(input, unix_client)) {
    if (r.status < 100 || r.status > 599) std::abort();
    if (r.wire.rfind("HTTP/1.1 ", 0) != 0) std::abort();
  }
  return 0;
}
