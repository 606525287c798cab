// tools/agent/testing/http_receiver.h: a loopback HTTP receiver for tests of
// the agent's deliveries (POSIX sockets on a thread of its own), and a
// one-shot HTTP/1.1 client for its API. Header-only.
#ifndef DRIFTWATCH_TOOLS_AGENT_TESTING_HTTP_RECEIVER_H_
#define DRIFTWATCH_TOOLS_AGENT_TESTING_HTTP_RECEIVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dw::tools::agent::testing {

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
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    auto fill = [&] {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) return std::chrono::steady_clock::now() < deadline;
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

struct HttpReply {
  int status = 0;      // 0: no answer
  std::string body;
};

// `method` `target` with `body` to 127.0.0.1:`port`, Connection: close.
inline HttpReply HttpCall(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = "") {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return reply;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string res;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    res.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (res.size() < 12) return reply;
  reply.status = std::atoi(res.substr(9, 3).c_str());
  size_t end = res.find("\r\n\r\n");
  if (end != std::string::npos) reply.body = res.substr(end + 4);
  return reply;
}

}  // namespace dw::tools::agent::testing

#endif  // DRIFTWATCH_TOOLS_AGENT_TESTING_HTTP_RECEIVER_H_
