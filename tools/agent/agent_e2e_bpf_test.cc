// tools/agent/agent_e2e_bpf_test.cc: the real `driftwatch agent` on a real workload in a test
// cgroup, with short learning windows, its HTTP API, a webhook receiver on loopback, SIGTERM and
// restart; and malformed requests and configs. Needs root and BPF (except the config cases);
// skips with the reason otherwise (DW_REQUIRE_BPF=1 makes that a failure).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collector/bpf_source.h"
#include "collector/cgroup.h"
#include "model/generalize.h"
#include "store/store.h"
#include "tools/agent/metrics.h"
#include "store/testing/raw_sql.h"
#include "tools/testing/bpf_gate.h"
#include "tools/testing/ports.h"

namespace dw::tools::agent {
namespace {

// Exec subjects are the binary's own path, symlinks resolved (/bin -> /usr/bin).
std::string FalseBin() { return std::filesystem::canonical("/bin/false").string(); }
std::string TrueBin() { return std::filesystem::canonical("/bin/true").string(); }


namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kWorkload[] = "e2e/app";  // the identity rule's name for the test cgroup
constexpr char kHostname[] = "e2e-host";  // so Idempotency-Key is "e2e-host-<outbox id>"
constexpr char kToken[] = "e2e-token";    // api.token_file's content; Http() sends it

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls `cond` every `step` until it holds or `timeout` passes; returns its last value.
bool Eventually(const std::function<bool()>& cond, Clock::duration timeout,
                Clock::duration step = 100ms) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// Waits for `pid` up to `timeout`; the wait status, or nullopt if it is still running.
std::optional<int> WaitFor(pid_t pid, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 || Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

// j[key] when j is an object that has it, else null; never throws.
json Field(const json& j, const std::string& key) {
  return j.is_object() && j.contains(key) ? j.at(key) : json();
}

std::string Describe(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Spawns `argv` with stdin from /dev/null and stdout/stderr to the given files (or /dev/null
// when empty); with `cgroup_procs`, the child first moves itself into that cgroup; with
// `own_group`, it leads a new process group. Every other descriptor is closed in the child, so
// it holds none of the test's sockets (a stopped receiver must refuse connections).
pid_t Spawn(std::vector<std::string> argv, const std::string& out_file, const std::string& err_file,
            const std::string& cgroup_procs = "", bool own_group = false) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string out = out_file.empty() ? "/dev/null" : out_file;
  const std::string err = err_file.empty() ? "/dev/null" : err_file;
  pid_t pid = fork();
  if (pid != 0) return pid;
  // The child: async-signal-safe calls only (the test has threads).
  if (own_group) setpgid(0, 0);
  // Redirections before joining the cgroup: the test's own opens are not the workload's.
  int in = open("/dev/null", O_RDONLY);
  int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(125);
  if (!cgroup_procs.empty()) {
    int fd = open(cgroup_procs.c_str(), O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1) _exit(126);
    close(fd);
  }
  close_range(3, ~0U, 0);
  execv(args[0], args.data());
  _exit(127);
}

// ---- A small HTTP client over raw sockets ----

struct HttpReply {
  int status = 0;     // 0: no response; `error` says why
  std::string error;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Header block ("Name: value\r\n"...) to a map with lower-case names.
std::map<std::string, std::string> ParseHeaders(const std::string& block) {
  std::map<std::string, std::string> h;
  std::istringstream in(block);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    h[Lower(line.substr(0, colon))] = value;
  }
  return h;
}

int ConnectLoopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` as is and reads the response until the server closes.
HttpReply HttpRaw(uint16_t port, const std::string& request) {
  HttpReply r;
  int fd = ConnectLoopback(port);
  if (fd < 0) {
    r.error = std::string("connect: ") + std::strerror(errno);
    return r;
  }
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) before taking the whole body
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
    r.error = "no HTTP response: '" + raw + "'";
    return r;
  }
  r.status = std::atoi(raw.c_str() + 9);
  size_t first = raw.find("\r\n");
  r.headers = ParseHeaders(raw.substr(first + 2, end - first - 2));
  r.body = raw.substr(end + 4);
  if (auto cl = r.headers.find("content-length"); cl != r.headers.end()) {
    r.body.resize(std::min<size_t>(r.body.size(), std::stoul(cl->second)));
  }
  return r;
}

HttpReply Http(uint16_t port, const std::string& method, const std::string& target,
               const std::string& body = "") {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                    "Authorization: Bearer " + kToken + "\r\n";
  if (method != "GET") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return HttpRaw(port, req + "\r\n" + body);
}

// ---- A webhook receiver on loopback ----

struct Delivery {
  std::string key;   // Idempotency-Key
  std::string body;
  bool operator==(const Delivery&) const = default;
};

// Accepts POSTs on 127.0.0.1, records (Idempotency-Key, body) and answers 200. Stop() closes
// the listener (connections are then refused); Start() listens again on the same port.
class Receiver {
 public:
  ~Receiver() { Stop(); }

  // Listens (the first time on a free port) and serves on a thread.
  void Start() {
    ASSERT_LT(listen_fd_, 0) << "receiver already started";
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0)
        << "bind receiver port " << port_ << ": " << std::strerror(errno);
    ASSERT_EQ(listen(listen_fd_, 16), 0);
    socklen_t len = sizeof(a);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    stop_ = false;
    thread_ = std::thread([this] { Serve(); });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
  }

  uint16_t port() const { return port_; }
  std::vector<Delivery> deliveries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      Handle(c);
      close(c);
    }
  }

  void Handle(int c) {
    timeval tv{2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string raw;
    char buf[4096];
    size_t end = std::string::npos;
    size_t want = 0;
    for (;;) {
      if (end == std::string::npos && (end = raw.find("\r\n\r\n")) != std::string::npos) {
        auto h = ParseHeaders(raw.substr(0, end));
        want = end + 4 + (h.count("content-length") ? std::stoul(h["content-length"]) : 0);
      }
      if (end != std::string::npos && raw.size() >= want) break;
      ssize_t n = recv(c, buf, sizeof(buf), 0);
      if (n <= 0) return;  // incomplete: not recorded, not answered
      raw.append(buf, static_cast<size_t>(n));
    }
    auto h = ParseHeaders(raw.substr(0, end));
    {
      std::lock_guard<std::mutex> lock(mu_);
      got_.push_back({h["idempotency-key"], raw.substr(end + 4, want - end - 4)});
    }
    const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ssize_t ignored = send(c, kOk, sizeof(kOk) - 1, MSG_NOSIGNAL);
    (void)ignored;
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Delivery> got_;
};

// ---- Running `driftwatch agent` ----

// Why BPF cannot be used here ("" if it can); checked once per process.
const std::string& BpfUnavailable() {
  static const std::string why = [] {
    if (geteuid() != 0) return std::string("not root");
    auto mount = collector::FindCgroup2Mount();
    if (!mount) return mount.error().message();
    auto source = collector::BpfEventSource::Open({});
    if (!source) return source.error().message();
    return std::string();
  }();
  return why;
}

class AgentE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DW_SKIP_WITHOUT_BPF(BpfUnavailable(), "sudo ctest --test-dir build -L bpf -R AgentE2e");
    static int serial = 0;
    const std::string unique = std::to_string(getpid()) + "-" + std::to_string(++serial);
    mount_ = *collector::FindCgroup2Mount();
    root_rel_ = "dwagent-" + unique;
    fs::create_directories(mount_ + "/" + root_rel_ + "/app");
    procs_ = mount_ + "/" + root_rel_ + "/app/cgroup.procs";
    tmp_ = fs::temp_directory_path() / ("dw-agent-e2e-" + unique);
    fs::create_directories(tmp_);
    known_ = (tmp_ / "known.txt").string();
    std::ofstream(known_) << "data\n";
    for (int i = 1; i <= 3; ++i) {
      fs::create_directories(fs::path(Secret(i)).parent_path());
      std::ofstream(Secret(i)) << "secret\n";
    }
    receiver_.Start();
    std::ofstream(tmp_ / "token") << kToken << "\n";
    config_ = (tmp_ / "agent.yaml").string();
    std::ofstream(config_) << "# written by agent_e2e_bpf_test\n"
                           << "database: " << (tmp_ / "dw.db").string() << "\n"
                           << "mode: auto\n"
                           << "hostname: " << kHostname << "\n"
                           << "cgroups: [" << root_rel_ << "]\n"
                           << "learning:\n"
                           << "  min_duration: 3s\n"
                           << "  quiet_period: 2s\n"
                           << "  checkpoint: 500ms\n"
                           << "api:\n"
                           << "  listen: 127.0.0.1:0\n"
                           << "  token_file: " << (tmp_ / "token").string() << "\n"
                           << "outputs:\n"
                           << "  webhook_url: http://127.0.0.1:" << receiver_.port() << "/hook\n"
                           << "identity:\n"
                           << "  rules:\n"
                           << "    - pattern: " << root_rel_ << "/app\n"
                           << "      name: " << kWorkload << "\n"
                           << "exceptions:\n"
                           << "  - name: secret-three\n"
                           << "    workload: " << kWorkload << "\n"
                           << "    kind: file\n"
                           << "    subject: \"*/secret3.sh\"\n"
                           << "    comment: the test's expected file\n";
  }

  void TearDown() override {
    if (HasFailure() && !tmp_.empty()) {
      std::cerr << "---- agent stderr ----\n" << ReadFile(tmp_ / "agent.err") << "----\n";
    }
    if (agent_ > 0) {
      kill(agent_, SIGKILL);
      WaitFor(agent_, 5s);
    }
    if (loop_ > 0) {
      kill(-loop_, SIGKILL);
      WaitFor(loop_, 5s);
    }
    receiver_.Stop();
    if (!root_rel_.empty()) {
      const std::string root = mount_ + "/" + root_rel_;
      std::ofstream(root + "/cgroup.kill") << "1";  // whatever is left in the subtree
      Eventually([&] { return ReadFile(root + "/app/cgroup.procs").empty(); }, 5s, 10ms);
      std::error_code ec;
      fs::remove(root + "/app", ec);
      fs::remove(root, ec);
    }
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // Starts the agent and waits for its "ready" line; sets api_.
  void StartAgent() {
    ASSERT_LE(agent_, 0) << "agent already running";
    const fs::path err = tmp_ / "agent.err";
    fs::remove(err);
    agent_ = Spawn({DW_BINARY, "agent", "--config", config_}, (tmp_ / "agent.out").string(), err.string());
    ASSERT_GT(agent_, 0);
    std::string ready;
    bool ok = Eventually(
        [&] {
          std::istringstream in(ReadFile(err));
          for (std::string line; std::getline(in, line);) {
            if (line.find(": ready: ") != std::string::npos) ready = line;
          }
          if (!ready.empty()) return true;
          if (auto st = WaitFor(agent_, 0s)) {
            ADD_FAILURE() << "agent ended before ready: " << Describe(*st);
            agent_ = 0;
            return true;
          }
          return false;
        },
        10s, 20ms);
    ASSERT_TRUE(ok) << "agent not ready within 10 s";
    ASSERT_GT(agent_, 0);
    ready_line_ = ready;
    if (ready.find(", api on /") != std::string::npos) return;  // a Unix socket
    const std::string marker = "api on 127.0.0.1:";
    size_t at = ready.find(marker);
    ASSERT_NE(at, std::string::npos) << ready;
    api_ = static_cast<uint16_t>(std::atoi(ready.c_str() + at + marker.size()));
    ready_line_ = ready;
  }

  // Sends `sig` and waits; the wait status, or nullopt if it did not end within `timeout`.
  std::optional<int> StopAgent(int sig, Clock::duration timeout) {
    kill(agent_, sig);
    auto st = WaitFor(agent_, timeout);
    if (st) agent_ = 0;
    return st;
  }

  // The normal behaviour, every 200 ms in the app cgroup until TearDown, run by `shell`.
  // Canonical paths by default (see RestartKeepsTheLineageOfAShellRunThroughASymlink).
  void StartLoop(const std::string& shell = fs::canonical("/bin/sh").string(),
                 const std::string& sleep = "/usr/bin/sleep") {
    const uint16_t port = tools::testing::FreeLoopbackPort();
    loop_ = Spawn({shell, "-c",
                   std::string("while :; do ") + DW_TEST_WORKLOAD + " --open " + known_ + " --serve " +
                       std::to_string(port) + "; " + sleep + " 0.2; done"},
                  "", "", procs_, /*own_group=*/true);
    ASSERT_GT(loop_, 0);
  }

  // Runs `script` with the loop's shell in the app cgroup and waits.
  void RunInCgroup(const std::string& script) {
    pid_t pid = Spawn({fs::canonical("/bin/sh").string(), "-c", script}, "",
                      (tmp_ / "drift.err").string(), procs_);
    auto st = WaitFor(pid, 10s);
    ASSERT_TRUE(st) << "drift did not finish: " << script;
    ASSERT_EQ(Describe(*st), "exit 0") << script << ": " << ReadFile(tmp_ / "drift.err");
  }

  // A drift: a script written (high: it never folds into another finding, as
  // the workload's own low reads and writes of one window do) and a new
  // executable run, by the workload's own binary.
  void Drift(const std::string& file, const std::string& exe) {
    RunInCgroup(std::string(DW_TEST_WORKLOAD) + " --write " + file + " --spawn " + exe + "; :");
  }


  // GET `target`, expecting 200 and a JSON body.
  json GetJson(const std::string& target) {
    HttpReply r = Http(api_, "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.error << r.body;
    if (r.status != 200) return json();
    json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << target << ": not JSON: " << r.body;
    return j.is_discarded() ? json() : j;
  }

  // The workload's lifecycle in GET /v1/workloads ("" if not listed).
  std::string Lifecycle() {
    for (const json& w : GetJson("/v1/workloads")) {
      if (Field(w, "workload") == kWorkload) return Field(w, "lifecycle").is_string() ? w["lifecycle"].get<std::string>() : "";
    }
    return "";
  }

  void WaitForLifecycle(const std::string& want, Clock::duration timeout) {
    const auto start = Clock::now();
    ASSERT_TRUE(Eventually([&] { return Lifecycle() == want; }, timeout))
        << "workload " << kWorkload << " not " << want << " within "
        << std::chrono::duration_cast<std::chrono::seconds>(timeout).count()
        << " s; /v1/workloads: " << Http(api_, "GET", "/v1/workloads").body;
    std::cerr << "[ timing   ] " << kWorkload << " " << want << " after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
              << " ms\n";
  }

  json Findings() { return GetJson("/v1/findings?workload=e2e%2Fapp"); }

  // The finding of `kind` about `subject` (the newest if several), or null.
  static json Find(const json& findings, const std::string& kind, const std::string& subject) {
    json found;
    for (const json& f : findings) {
      if (Field(f, "kind") == kind && Field(f, "subject") == subject) found = f;
    }
    return found;
  }

  // Waits until /v1/findings has a finding for each (kind, subject); returns the list.
  json WaitForFindings(const std::vector<std::pair<std::string, std::string>>& want) {
    json all;
    bool ok = Eventually(
        [&] {
          all = Findings();
          for (const auto& [kind, subject] : want) {
            if (Find(all, kind, subject).is_null()) return false;
          }
          return true;
        },
        10s);
    EXPECT_TRUE(ok) << "findings missing; /v1/findings: " << all.dump();
    return all;
  }

  // The receiver's deliveries by finding id (from each body's "id").
  std::map<int64_t, std::vector<Delivery>> DeliveredById() {
    std::map<int64_t, std::vector<Delivery>> by_id;
    for (const Delivery& d : receiver_.deliveries()) {
      json body = json::parse(d.body, nullptr, false);
      EXPECT_TRUE(body.is_object()) << "not JSON: " << d.body;
      by_id[Field(body, "id").is_number() ? body["id"].get<int64_t>() : 0].push_back(d);
    }
    return by_id;
  }

  // Waits until the receiver has every finding of `findings` and checks it got each exactly
  // once, under distinct Idempotency-Keys, and nothing else; bodies match the API's findings.
  void ExpectDeliveredExactlyOnce(const json& findings, Clock::duration timeout) {
    std::set<int64_t> want;
    for (const json& f : findings) want.insert(Field(f, "id").is_number() ? f["id"].get<int64_t>() : 0);
    const auto start = Clock::now();
    ASSERT_TRUE(Eventually(
        [&] {
          auto got = DeliveredById();
          return std::all_of(want.begin(), want.end(), [&](int64_t id) { return got.count(id) > 0; });
        },
        timeout))
        << "not all findings delivered; /metrics:\n"
        << Http(api_, "GET", "/metrics").body;
    std::cerr << "[ timing   ] " << want.size() << " findings delivered after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
              << " ms\n";
    std::this_thread::sleep_for(1500ms);  // room for a late duplicate to show up
    auto got = DeliveredById();
    std::set<int64_t> ids;
    for (const auto& [id, ds] : got) ids.insert(id);
    EXPECT_EQ(ids, want) << "deliveries: " << [&] {
      std::string all;
      for (const Delivery& d : receiver_.deliveries()) all += d.key + " " + d.body + "\n";
      return all;
    }();
    std::set<std::string> keys;
    for (const Delivery& d : receiver_.deliveries()) {
      EXPECT_TRUE(keys.insert(d.key).second) << "Idempotency-Key delivered twice: " << d.key;
      EXPECT_EQ(d.key.rfind(std::string(kHostname) + "-", 0), 0u) << d.key;
    }
    for (const json& f : findings) {
      const auto& ds = got[Field(f, "id").is_number() ? f["id"].get<int64_t>() : 0];
      ASSERT_EQ(ds.size(), 1u) << "finding " << f.dump() << " delivered " << ds.size() << " times";
      json body = json::parse(ds[0].body, nullptr, false);
      for (const char* key : {"id", "time", "workload", "cgroup", "kind", "subject", "reason",
                              "severity", "process"}) {
        EXPECT_EQ(Field(body, key), Field(f, key)) << key << " of " << ds[0].body;
      }
    }
  }

  // A metric's value in GET /metrics, or -1.
  double Metric(const std::string& name) {
    std::istringstream in(Http(api_, "GET", "/metrics").body);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name + " ", 0) == 0) return std::atof(line.c_str() + name.size() + 1);
    }
    return -1;
  }

  // Each in its own directory, each a script: each drift here must be a
  // finding of its own.
  std::string Secret(int i) const {
    const std::string n = std::to_string(i);
    return (tmp_ / ("drift" + n) / ("secret" + n + ".sh")).string();
  }

  std::string mount_, root_rel_, procs_;
  fs::path tmp_;
  std::string known_, config_;
  Receiver receiver_;
  pid_t agent_ = 0;
  pid_t loop_ = 0;
  uint16_t api_ = 0;
  std::string ready_line_;
};

TEST_F(AgentE2eTest, LearnsThenDeliversEveryFindingExactlyOnceAcrossAReceiverOutage) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  EXPECT_NE(ready_line_.find("mode auto, watching " + root_rel_ + ", 0 workloads resumed"), std::string::npos)
      << ready_line_;
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("learning", 5s));
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
  EXPECT_EQ(Findings(), json::array()) << "the normal behaviour raised findings";
  // The kernel's counters of the workload: its hooked calls, and what became
  // of them: records that reached the agent, or calls the verdict cache
  // answered once the workload was monitored (known reads: no record).
  const std::string w = std::string("workload=\"") + kWorkload + "\"}";
  EXPECT_TRUE(Eventually([&] { return Metric("driftwatch_kernel_records_total{outcome=\"filtered\"," + w) > 0; }, 10s))
      << Http(api_, "GET", "/metrics").body;
  EXPECT_GT(Metric("driftwatch_verdict_cache_inserts_total"), 0);
  const double opens = Metric("driftwatch_kernel_calls_total{type=\"open\"," + w);
  const double delivered = Metric("driftwatch_kernel_records_total{outcome=\"delivered\"," + w);
  const double filtered = Metric("driftwatch_kernel_records_total{outcome=\"filtered\"," + w);
  EXPECT_GT(opens, 0);
  EXPECT_GT(delivered + filtered, opens);  // the exec, fork and exit records too
  EXPECT_EQ(Metric("driftwatch_kernel_records_total{outcome=\"dropped\"," + w), 0);

  // Drift: both findings in the API and at the receiver.
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(1), "/bin/false"));
  json first = WaitForFindings({{"file", Secret(1)}, {"exec", FalseBin()}});
  ASSERT_NO_FATAL_FAILURE(ExpectDeliveredExactlyOnce(first, 10s));

  // The receiver goes away; a second drift is stored and retried with back-off.
  receiver_.Stop();
  const auto outage = Clock::now();
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(2), "/bin/true"));
  json second = WaitForFindings({{"file", Secret(2)}, {"exec", TrueBin()}});
  EXPECT_TRUE(Eventually([&] { return Metric("driftwatch_webhook_failed_attempts_total") >= 1; }, 5s))
      << "no failed webhook attempt during the outage";
  EXPECT_GE(Metric("driftwatch_webhook_backlog"), 2);
  std::this_thread::sleep_until(outage + 2500ms);
  ASSERT_NO_FATAL_FAILURE(receiver_.Start());
  ASSERT_NO_FATAL_FAILURE(ExpectDeliveredExactlyOnce(second, 15s));
  EXPECT_EQ(Metric("driftwatch_webhook_backlog"), 0);
  EXPECT_EQ(receiver_.deliveries().size(), second.size());
  EXPECT_EQ(Lifecycle(), "monitoring");

  // The metrics keep Prometheus's conventions: running totals are counters
  // ending in _total, durations are in seconds.
  const std::string metrics = Http(api_, "GET", "/metrics").body;
  EXPECT_EQ(ConventionProblems(metrics), std::vector<std::string>{}) << metrics;
  EXPECT_EQ(Metric("driftwatch_webhook_delivered_total"), static_cast<double>(second.size()));  // all of them
  EXPECT_EQ(Metric("driftwatch_webhook_dropped_total"), 0);
  EXPECT_GE(Metric("driftwatch_ringbuf_dropped_events_total"), 0);
  EXPECT_NE(metrics.find("# TYPE driftwatch_scoring_latency_seconds histogram"), std::string::npos) << metrics;

  // A finding an exception matches is counted and not delivered: no webhook
  // delivery and not in /v1/findings (it is stored, marked, for `findings --suppressed`).
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(3), "/bin/true"));
  EXPECT_TRUE(Eventually([&] { return Metric("driftwatch_findings_suppressed_total{exception=\"secret-three\"}") == 1; },
                         10s))
      << Http(api_, "GET", "/metrics").body;
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(Find(Findings(), "file", Secret(3)).is_null()) << Findings().dump();
  EXPECT_EQ(receiver_.deliveries().size(), second.size());
  EXPECT_EQ(Metric("driftwatch_webhook_backlog"), 0);
}

TEST_F(AgentE2eTest, SigtermFlushesAndARestartResumes) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));

  // Drift with the receiver down, then SIGTERM straight away: the findings must be stored
  // and their deliveries kept for the next run.
  receiver_.Stop();
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(1), "/bin/false"));
  const auto term = Clock::now();
  auto st = StopAgent(SIGTERM, 5s);
  ASSERT_TRUE(st) << "agent still running 5 s after SIGTERM";
  EXPECT_EQ(Describe(*st), "exit 0");
  std::cerr << "[ timing   ] SIGTERM to exit "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - term).count() << " ms\n";
  EXPECT_NE(ReadFile(tmp_ / "agent.err").find("signal 15: draining and stopping"), std::string::npos);

  int64_t file_id = 0;
  {
    auto db = store::Store::Open((tmp_ / "dw.db").string(), store::OpenMode::kReadOnly);
    ASSERT_TRUE(db) << db.error().message();
    auto workloads = (*db)->ListWorkloads();
    ASSERT_TRUE(workloads) << workloads.error().message();
    ASSERT_EQ(workloads->size(), 1u);
    EXPECT_EQ((*workloads)[0].name, kWorkload);
    EXPECT_EQ((*workloads)[0].state, store::WorkloadState::kMonitoring);
    EXPECT_EQ((*workloads)[0].findings, 2);
    auto fp = (*db)->LoadFingerprint(kWorkload);
    ASSERT_TRUE(fp && fp->has_value());
    EXPECT_GT((*fp)->training.events, 0u);
    EXPECT_EQ((*fp)->files.count(known_), 1u) << "the baseline lacks the file the workload opens";
    auto findings = (*db)->ListFindings(kWorkload);
    ASSERT_TRUE(findings) << findings.error().message();
    std::set<std::pair<std::string, std::string>> got;
    for (const auto& f : *findings) {
      got.insert({model::FindingKindName(f.kind), f.subject});
      if (f.kind == model::FindingKind::kFile) file_id = f.id;
    }
    EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{{"exec", FalseBin()}, {"file", Secret(1)}}));
    auto backlog = (*db)->OutboxBacklog("webhook");
    ASSERT_TRUE(backlog);
    EXPECT_EQ(*backlog, 2) << "undelivered findings not kept for the next run";
  }

  // Restart: the workload is monitored at once (no learning time passes) and the kept
  // deliveries go out, once each.
  ASSERT_NO_FATAL_FAILURE(receiver_.Start());
  const auto restart = Clock::now();
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  EXPECT_NE(ready_line_.find("1 workloads resumed"), std::string::npos) << ready_line_;
  EXPECT_EQ(Lifecycle(), "monitoring");
  EXPECT_LT(Clock::now() - restart, 3s) << "resumed state only after a learning period";
  json before = Findings();
  ASSERT_EQ(before.size(), 2u) << before.dump();
  ASSERT_NO_FATAL_FAILURE(ExpectDeliveredExactlyOnce(before, 10s));

  // The same drift after a restart is the same finding with a larger count, not a new
  // alert (model/detector.h Restore): the rows and their ids stay, nothing is delivered again.
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(1), "/bin/false"));
  EXPECT_TRUE(Eventually([&] { return Find(Findings(), "file", Secret(1))["count"] == 2; }, 10s))
      << Findings().dump();
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(1), "/bin/false"));
  EXPECT_TRUE(Eventually([&] { return Find(Findings(), "file", Secret(1))["count"] == 3; }, 10s))
      << Findings().dump();
  json folded = Findings();
  EXPECT_EQ(folded.size(), 2u) << folded.dump();
  EXPECT_EQ(Find(folded, "file", Secret(1))["id"], file_id);
  ASSERT_NO_FATAL_FAILURE(ExpectDeliveredExactlyOnce(folded, 10s));
}

// Issue 11.1: in learn mode, a monitored baseline learns more; it is never replaced by the
// little this run has seen (a reviewed baseline lost 33 of its 69 items that way).
TEST_F(AgentE2eTest, LearnModeExtendsAMonitoredBaselineInsteadOfReplacingIt) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
  auto st = StopAgent(SIGTERM, 5s);
  ASSERT_TRUE(st);
  const std::string db_path = (tmp_ / "dw.db").string();
  auto latest = [&]() -> model::Fingerprint {
    auto db = store::Store::Open(db_path, store::OpenMode::kReadOnly);
    EXPECT_TRUE(db) << db.error().message();
    if (!db) return {};
    auto fp = (*db)->LoadFingerprint(kWorkload);
    EXPECT_TRUE(fp && fp->has_value());
    return fp && fp->has_value() ? **fp : model::Fingerprint{};
  };
  const model::Fingerprint before = latest();
  ASSERT_GT(before.training.events, 0u);

  // Same database, mode learn: the loop keeps running, and something new happens.
  std::string text = ReadFile(config_);
  text.replace(text.find("mode: auto"), 10, "mode: learn");
  std::ofstream(config_) << text;
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(2), "/bin/false"));
  std::this_thread::sleep_for(1500ms);  // three checkpoints
  st = StopAgent(SIGTERM, 5s);
  ASSERT_TRUE(st);
  EXPECT_EQ(Describe(*st), "exit 0");

  const model::Fingerprint after = latest();
  EXPECT_GT(after.training.events, before.training.events) << "the baseline was restarted, not extended";
  EXPECT_EQ(after.training.first_event_ns, before.training.first_event_ns);
  for (const auto& [path, stats] : before.executables) EXPECT_EQ(after.executables.count(path), 1u) << path;
  for (const auto& [edge, stats] : before.lineage) EXPECT_EQ(after.lineage.count(edge), 1u) << edge;
  for (const auto& [path, stats] : before.files) {
    EXPECT_TRUE(after.files.count(path) || model::MatchFile(after, path) != nullptr) << path;
  }
  // The written script, by its path or a pattern learned from it (a
  // numbered family: secret<#>.sh), that the baseline before did not have.
  EXPECT_TRUE(before.files.count(Secret(2)) == 0 && model::MatchFile(before, Secret(2)) == nullptr);
  EXPECT_TRUE(after.files.count(Secret(2)) > 0 || model::MatchFile(after, Secret(2)) != nullptr)
      << "learn mode did not learn the new file";
  EXPECT_EQ(after.executables.count(FalseBin()), 1u);
  // Learn mode never alerts.
  {
    auto db = store::Store::Open(db_path, store::OpenMode::kReadOnly);
    ASSERT_TRUE(db);
    auto rows = (*db)->ListFindings(kWorkload);
    ASSERT_TRUE(rows);
    EXPECT_TRUE(rows->empty()) << rows->size() << " findings in learn mode";
  }
}

TEST_F(AgentE2eTest, AcceptSilencesAFindingAndRelearnStartsOver) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(1), "/bin/false"));
  json found = WaitForFindings({{"file", Secret(1)}, {"exec", FalseBin()}});
  ASSERT_EQ(found.size(), 2u) << found.dump();
  json file_finding = Find(found, "file", Secret(1));
  ASSERT_TRUE(Field(file_finding, "id").is_number()) << found.dump();
  const int64_t file_id = file_finding["id"];

  HttpReply r = Http(api_, "POST", "/v1/findings/" + std::to_string(file_id) + "/accept");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(json::parse(r.body), (json{{"accepted", file_id}, {"workload", kWorkload}, {"subject", Secret(1)}}));
  json fp = GetJson("/v1/workloads/e2e/app");
  bool in_baseline = false;
  for (const json& f : fp["files"]) in_baseline |= Field(f, "path") == Secret(1);
  EXPECT_TRUE(in_baseline) << fp.dump();

  // The same drift again: the exec finding counts it, the accepted file does not.
  ASSERT_NO_FATAL_FAILURE(Drift(Secret(1), "/bin/false"));
  EXPECT_TRUE(Eventually([&] { return Find(Findings(), "exec", FalseBin())["count"] == 2; }, 5s))
      << Findings().dump();
  json after = Findings();
  EXPECT_EQ(after.size(), 2u) << after.dump();
  EXPECT_EQ(Find(after, "file", Secret(1))["count"], 1) << after.dump();

  // Relearn: back to learning from an empty baseline, then monitoring again.
  r = Http(api_, "POST", "/v1/workloads/e2e/app/relearn");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(json::parse(r.body), (json{{"workload", kWorkload}, {"state", "learning"}}));
  EXPECT_EQ(Lifecycle(), "learning");
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
}

// The kernel reports a cgroup's first use of a sentinel syscall once per run.
// A relearn must see it again, or the new baseline lacks a syscall the
// workload used before it (and a seccomp export of it would block that).
TEST_F(AgentE2eTest, RelearnLearnsASyscallReportedBeforeIt) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
  const std::string personality = std::string(DW_TEST_WORKLOAD) + " --syscall personality";
  ASSERT_NO_FATAL_FAILURE(RunInCgroup(personality));
  WaitForFindings({{"syscall", "personality"}});

  HttpReply r = Http(api_, "POST", "/v1/workloads/e2e/app/relearn");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  ASSERT_NO_FATAL_FAILURE(RunInCgroup(personality));
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
  json fp = GetJson("/v1/workloads/e2e/app");
  std::vector<std::string> syscalls;
  for (const json& s : fp["syscalls"]) {
    if (Field(s, "name").is_string()) syscalls.push_back(s["name"]);
  }
  EXPECT_NE(std::find(syscalls.begin(), syscalls.end(), "personality"), syscalls.end()) << fp.dump();
}

// Known bug, outside the agent: an exec event names the binary as execve() was given it
// (bprm->filename: "/bin/sh"), while a process already running when the agent starts is
// named by /proc/PID/exe (collector/process_table.cc: "/usr/bin/dash"). A shell started
// through a symlink that outlives a restart is therefore a different parent afterwards, and
// every command it runs raises an "executable never run by this parent" finding. Enable once
// the collector names both the same way.
// Sends `request` on the Unix socket at `path` and reads the response until the server closes.
HttpReply HttpUnix(const std::string& path, const std::string& request) {
  HttpReply r;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a = {};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    r.error = std::string("unix socket: ") + std::strerror(errno);
    close(fd);
    return r;
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  if (raw.rfind("HTTP/1.1 ", 0) != 0) {
    r.error = "no HTTP response: '" + raw + "'";
    return r;
  }
  r.status = std::atoi(raw.c_str() + 9);
  r.body = raw.substr(raw.find("\r\n\r\n") + 4);
  return r;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in " << s;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Issue 11 defects 3 and 5: under umask 000 the files the agent creates (database and its
// -wal/-shm, findings file, Unix socket) are 0600; without a token, TCP clients may read but
// not relearn or accept, while the Unix socket may; fingerprints record the configured host.
TEST_F(AgentE2eTest, PrivateFilesWritesNeedTokenOrSocketAndTheNodeIsTheHost) {
  const std::string jsonl = (tmp_ / "findings.jsonl").string();
  std::string open_tcp = Replace(ReadFile(config_), "  token_file: " + (tmp_ / "token").string() + "\n", "");
  open_tcp = Replace(open_tcp, "mode: auto\n", "mode: detect\n");  // an `unprofiled` finding at once
  open_tcp = Replace(open_tcp, "outputs:\n", "outputs:\n  jsonl_file: " + jsonl + "\n");
  std::ofstream(config_) << open_tcp;
  const mode_t old_umask = umask(0);
  StartAgent();
  umask(old_umask);
  ASSERT_GT(agent_, 0);
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("learning", 5s));
  ASSERT_NO_FATAL_FAILURE(WaitForFindings({{"unprofiled", kWorkload}}));
  const std::string relearn = "POST /v1/workloads/e2e/app/relearn HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\nContent-Length: 0\r\n\r\n";
  HttpReply denied = HttpRaw(api_, relearn);
  EXPECT_EQ(denied.status, 403) << denied.error << denied.body;
  ASSERT_TRUE(Eventually([&] { return Lifecycle() == "learning" && fs::exists(tmp_ / "dw.db-wal"); }, 5s));
  std::this_thread::sleep_for(1s);  // a checkpoint or two
  auto st = StopAgent(SIGTERM, 10s);
  ASSERT_TRUE(st);
  EXPECT_EQ(Describe(*st), "exit 0");
  for (const fs::path& f : {tmp_ / "dw.db", fs::path(jsonl)}) {
    ASSERT_TRUE(fs::exists(f)) << f;
    EXPECT_EQ(fs::status(f).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << f;
  }
  {
    auto store = store::Store::Open((tmp_ / "dw.db").string(), store::OpenMode::kReadOnly);
    ASSERT_TRUE(store) << store.error().message();
    auto versions = (*store)->ListVersions(kWorkload);
    ASSERT_TRUE(versions) << versions.error().message();
    ASSERT_FALSE(versions->empty());
    EXPECT_EQ(versions->back().node, kHostname);
  }

  // The Unix socket instead of TCP: owner only, and it may change state without a token.
  const std::string sock = (tmp_ / "api.sock").string();
  std::ofstream(config_) << Replace(open_tcp, "  listen: 127.0.0.1:0\n", "  listen: \"\"\n  unix_socket: " + sock + "\n");
  umask(0);
  StartAgent();
  umask(old_umask);
  ASSERT_GT(agent_, 0);
  EXPECT_EQ(fs::status(sock).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  HttpReply ok = HttpUnix(sock, relearn);
  EXPECT_EQ(ok.status, 200) << ok.error << ok.body;
}

// A process's peak resident memory (VmHWM) in KiB, or -1.
long PeakRssKib(pid_t pid) {
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// Issue 11: a watched cgroup doing an open and fork storm for 20 s. The API stays responsive,
// memory stays bounded, drops (if any) are counted and mark the baseline incomplete, and the
// agent goes on normally afterwards. Prints the figures.
TEST_F(AgentE2eTest, OpenAndForkStormKeepsTheAgentResponsiveAndBounded) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("learning", 5s));
  const double events_before = Metric("driftwatch_events_total{type=\"open\"}");
  std::string opens;
  for (int i = 0; i < 50; ++i) opens += " --open " + known_;
  const std::string one = "end=$(($(date +%s) + 20)); while [ $(date +%s) -lt $end ]; do " +
                          std::string(DW_TEST_WORKLOAD) + opens + "; done";
  pid_t storm = Spawn({fs::canonical("/bin/sh").string(), "-c", "(" + one + ") & (" + one + ") & wait"}, "",
                      "", procs_, /*own_group=*/true);
  ASSERT_GT(storm, 0);
  std::vector<double> latencies_ms;
  const auto start = Clock::now();
  while (!WaitFor(storm, 0s) && Clock::now() - start < 40s) {
    const auto t = Clock::now();
    HttpReply r = Http(api_, "GET", "/healthz");
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    EXPECT_EQ(r.status, 200) << r.error;
    std::this_thread::sleep_for(100ms);
  }
  const double storm_s = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_LT(storm_s, 40) << "the storm did not end";
  const double events = Metric("driftwatch_events_total{type=\"open\"}") - events_before;
  const double dropped = Metric("driftwatch_ringbuf_dropped_events_total");
  const long hwm_kib = PeakRssKib(agent_);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double p50 = latencies_ms[latencies_ms.size() / 2];
  const double worst = latencies_ms.back();

  // Recovery: the normal loop's events still arrive and /healthz is quick again.
  const double after = Metric("driftwatch_events_total{type=\"open\"}");
  EXPECT_TRUE(Eventually([&] { return Metric("driftwatch_events_total{type=\"open\"}") > after; }, 5s));
  const auto t = Clock::now();
  EXPECT_EQ(Http(api_, "GET", "/healthz").status, 200);
  const double recovered_ms = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  std::this_thread::sleep_for(1s);  // a checkpoint stores the drop count
  json workload;
  for (const json& w : GetJson("/v1/workloads")) {
    if (Field(w, "workload") == kWorkload) workload = w;
  }
  std::printf("storm: %.1f s, %.0f open events (%.0f/s), %.0f dropped, agent VmHWM %ld KiB, "
              "/healthz p50 %.1f ms worst %.1f ms over %zu probes, after %.1f ms, baseline incomplete: %s\n",
              storm_s, events, events / storm_s, dropped, hwm_kib, p50, worst, latencies_ms.size(),
              recovered_ms, Field(workload, "incomplete").dump().c_str());
  EXPECT_GT(events, 10000) << "not much of a storm";
  EXPECT_LT(worst, 1000) << "/healthz slower than a second during the storm";
  EXPECT_GT(hwm_kib, 0);
  EXPECT_LT(hwm_kib, 256 * 1024) << "peak memory above 256 MiB";
  EXPECT_LT(recovered_ms, 200);
  // Drops, if any, are counted and mark the baseline incomplete.
  EXPECT_GE(dropped, 0);
  if (dropped > 0) {
    EXPECT_EQ(Field(workload, "incomplete"), true) << workload.dump();
  }
}

// Latest fingerprint version of each workload in `db`.
std::map<std::string, int64_t> Versions(const std::string& db) {
  std::map<std::string, int64_t> out;
  auto store = store::Store::Open(db, store::OpenMode::kReadOnly);
  EXPECT_TRUE(store) << store.error().message();
  if (!store) return out;
  auto workloads = (*store)->ListWorkloads();
  EXPECT_TRUE(workloads) << workloads.error().message();
  if (workloads) {
    for (const auto& w : *workloads) out[w.name] = w.version;
  }
  return out;
}

// Stored findings by id.
std::map<int64_t, model::Finding> StoredFindings(const std::string& db) {
  std::map<int64_t, model::Finding> out;
  auto store = store::Store::Open(db, store::OpenMode::kReadOnly);
  EXPECT_TRUE(store) << store.error().message();
  if (!store) return out;
  auto findings = (*store)->ListFindings(std::nullopt);
  EXPECT_TRUE(findings) << findings.error().message();
  if (findings) {
    for (auto& f : *findings) out[f.id] = f;
  }
  return out;
}

// Issue 11: kill -9 of `train --live`, `detect --live` and the agent at 20 seeded random
// moments while the workload runs and drifts. After each: the database passes PRAGMA
// integrity_check, no workload's fingerprint version went down, every finding printed (detect's
// stdout) or delivered (the webhook) is stored; at the end the agent's outbox has delivered
// every stored finding, each under one Idempotency-Key. Prints the figures.
TEST_F(AgentE2eTest, KillNineAtTwentyRandomMomentsLosesNothing) {
  std::mt19937 rng(20261202);
  auto pause = [&](int lo_ms, int hi_ms) {
    return std::chrono::milliseconds(lo_ms + static_cast<int>(rng() % static_cast<unsigned>(hi_ms - lo_ms)));
  };
  const std::string db = (tmp_ / "dw.db").string();
  ASSERT_NO_FATAL_FAILURE(StartLoop());
  std::map<std::string, int64_t> versions;
  int drift_files = 0;
  // Opens a few files never opened before, in the workload: new findings for a detector.
  auto drift = [&] {
    std::string script = std::string(DW_TEST_WORKLOAD);
    for (int k = 0; k < 3; ++k) {
      const fs::path f = tmp_ / ("drift-" + std::to_string(++drift_files) + ".txt");
      std::ofstream(f) << "x\n";
      script += " --open " + f.string();
    }
    RunInCgroup(script);
  };
  auto check_after_kill = [&](const std::string& what) {
    ASSERT_EQ(store::testing::IntegrityCheck(db), "ok") << "after killing " << what;
    auto now = Versions(db);
    for (const auto& [name, v] : versions) {
      EXPECT_GE(now[name], v) << "version of " << name << " went down after killing " << what;
    }
    versions = now;
  };
  // Spawns a CLI command and waits for its "ready" line.
  auto spawn_cli = [&](std::vector<std::string> args, const fs::path& out) {
    const fs::path err = tmp_ / "cli.err";
    args.insert(args.begin(), DW_BINARY);
    pid_t pid = Spawn(args, out.string(), err.string());
    EXPECT_TRUE(Eventually([&] { return ReadFile(err).find(": ready: ") != std::string::npos; }, 10s, 20ms))
        << ReadFile(err);
    return pid;
  };
  int kills = 0;
  size_t printed = 0;

  // 7 x train --live, checkpointing every 0.2 s.
  for (int i = 0; i < 7; ++i) {
    pid_t pid = spawn_cli({"train", "--db", db, "--live", "--cgroup", root_rel_, "--checkpoint", "0.2",
                           "--duration", "60"},
                          "");
    std::this_thread::sleep_for(pause(i == 0 ? 1200 : 100, 2000));
    kill(pid, SIGKILL);
    ASSERT_TRUE(WaitFor(pid, 5s));
    ++kills;
    ASSERT_NO_FATAL_FAILURE(check_after_kill("train --live"));
  }
  ASSERT_FALSE(versions.empty()) << "train --live stored nothing before its kills";

  // 7 x detect --live while the workload drifts.
  for (int i = 0; i < 7; ++i) {
    const fs::path out = tmp_ / ("detect-" + std::to_string(i) + ".jsonl");
    pid_t pid = spawn_cli({"detect", "--db", db, "--live", "--cgroup", root_rel_, "--format", "jsonl"}, out);
    const auto until = Clock::now() + pause(300, 2500);
    while (Clock::now() < until) drift();
    kill(pid, SIGKILL);
    ASSERT_TRUE(WaitFor(pid, 5s));
    ++kills;
    ASSERT_NO_FATAL_FAILURE(check_after_kill("detect --live"));
    auto stored = StoredFindings(db);
    std::istringstream in(ReadFile(out));
    for (std::string line; std::getline(in, line);) {
      json f = json::parse(line, nullptr, false);
      if (f.is_discarded()) continue;  // a line cut by the kill is not a printed finding
      ++printed;
      const int64_t id = Field(f, "id").is_number() ? f["id"].get<int64_t>() : 0;
      ASSERT_TRUE(stored.count(id)) << "printed but not stored: " << line;
      EXPECT_EQ(stored[id].subject, Field(f, "subject")) << line;
    }
  }
  EXPECT_GT(printed, 0u) << "detect printed no finding: nothing was tested";

  // 6 x the agent (webhook to the receiver), then a last run that drains the outbox.
  for (int i = 0; i < 7; ++i) {
    ASSERT_NO_FATAL_FAILURE(StartAgent());
    // The agent learns its own baseline of e2e/app first (drift then would be learned).
    if (i == 0) {
      ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
    }
    if (i == 6) break;
    const auto until = Clock::now() + pause(500, 4000);
    while (Clock::now() < until) drift();
    kill(agent_, SIGKILL);
    ASSERT_TRUE(WaitFor(agent_, 5s));
    agent_ = 0;
    ++kills;
    ASSERT_NO_FATAL_FAILURE(check_after_kill("the agent"));
    const auto stored = StoredFindings(db);
    for (const auto& [id, ds] : DeliveredById()) {
      // Delivered means stored (the outbox row is written with the finding).
      EXPECT_TRUE(stored.count(id)) << "delivered but not stored: finding " << id;
    }
  }
  ASSERT_TRUE(Eventually([&] { return Metric("driftwatch_webhook_backlog") == 0; }, 20s))
      << "the outbox did not drain";
  const auto stored = StoredFindings(db);
  const auto delivered = DeliveredById();
  size_t agent_findings = 0, redelivered = 0;
  for (const auto& [id, f] : stored) {
    if (f.workload != kWorkload) continue;  // the CLI's findings are not the agent's to deliver
    ++agent_findings;
    auto it = delivered.find(id);
    EXPECT_NE(it, delivered.end()) << "stored but never delivered: finding " << id << " " << f.subject;
    if (it == delivered.end()) continue;
    std::set<std::string> keys;
    for (const Delivery& d : it->second) keys.insert(d.key);
    EXPECT_EQ(keys.size(), 1u) << "finding " << id << " delivered under several keys";
    redelivered += it->second.size() - 1;
  }
  std::printf("crash loop: %d kill -9 (7 train --live, 7 detect --live, 6 agent); integrity ok after each; "
              "%zu findings printed by detect, all stored; %zu agent findings stored, all delivered; "
              "%zu redelivered under the same Idempotency-Key; final versions:",
              kills, printed, agent_findings, redelivered);
  for (const auto& [name, v] : versions) std::printf(" %s=%lld", name.c_str(), static_cast<long long>(v));
  std::printf("\n");
  EXPECT_EQ(kills, 20);
  EXPECT_GT(agent_findings, 0u) << "the agent raised no finding: nothing was tested";
}

TEST_F(AgentE2eTest, RestartKeepsTheLineageOfAShellRunThroughASymlink) {
  ASSERT_NE(fs::canonical("/bin/sh").string(), "/bin/sh") << "needs /bin/sh to be a symlink";
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  ASSERT_NO_FATAL_FAILURE(StartLoop("/bin/sh", "sleep"));
  ASSERT_NO_FATAL_FAILURE(WaitForLifecycle("monitoring", 20s));
  auto st = StopAgent(SIGTERM, 5s);
  ASSERT_TRUE(st);
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  std::this_thread::sleep_for(2s);  // ten rounds of the unchanged loop
  EXPECT_EQ(Findings(), json::array());
}

TEST_F(AgentE2eTest, MalformedRequestsGetClearErrorsAndTheAgentKeepsRunning) {
  ASSERT_NO_FATAL_FAILURE(StartAgent());
  struct Case {
    std::string method, target;
    int status;
    std::string error;  // the whole JSON body's "error"
    std::string body = "";
  };
  const std::vector<Case> cases = {
      {"GET", "/nope", 404, "no such path: /nope"},
      {"DELETE", "/v1/findings", 405, "method DELETE not allowed on /v1/findings"},
      {"POST", "/healthz", 405, "method POST not allowed on /healthz"},
      {"GET", "/v1/findings?since=abc", 400, "since must be nanoseconds since the Unix epoch, not 'abc'"},
      {"GET", "/v1/findings?since=-1", 400, "since must be nanoseconds since the Unix epoch, not '-1'"},
      {"GET", "/v1/findings?since=%zz", 400, "bad percent-encoding in query"},
      {"POST", "/v1/findings/x/accept", 400, "finding id must be a positive number"},
      {"POST", "/v1/findings/0/accept", 400, "finding id must be a positive number"},
      {"POST", "/v1/findings/999999/accept", 404, "no finding with id 999999"},
      {"GET", "/v1/workloads/nope", 404, "unknown workload nope"},
      {"POST", "/v1/workloads/nope/relearn", 404, "unknown workload nope"},
      {"POST", "/v1/findings/1/accept", 413, "request body too large", std::string(100 * 1024, 'x')},
  };
  for (const Case& c : cases) {
    HttpReply r = Http(api_, c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << r.error << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/json") << c.method << " " << c.target;
    EXPECT_EQ(json::parse(r.body, nullptr, false), (json{{"error", c.error}})) << c.method << " " << c.target;
    if (c.status == 405) {
      EXPECT_EQ(r.headers["allow"], "GET") << c.target;
    }
  }
  HttpReply r = Http(api_, "GET", "/v1/findings?workload=nope");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("unknown workload nope"), std::string::npos) << r.body;
  r = HttpRaw(api_, "HELLO THERE\r\n\r\n");
  EXPECT_EQ(r.status, 400) << r.error << r.body;
  EXPECT_NE(r.body.find("malformed request"), std::string::npos) << r.body;

  // Still serving, still running.
  r = Http(api_, "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(GetJson("/v1/findings"), json::array());
  EXPECT_FALSE(WaitFor(agent_, 0s).has_value()) << "agent ended";
  EXPECT_GE(Metric("driftwatch_workloads{state=\"learning\"}"), 0);
}

// ---- Configs: the binary refuses bad ones before starting anything (no BPF needed) ----

struct CommandRun {
  int status = -1;
  std::string err;
};

CommandRun RunAgentCommand(const fs::path& dir, const std::string& config) {
  const fs::path err = dir / "run.err";
  pid_t pid = Spawn({DW_BINARY, "agent", "--config", config}, "", err.string());
  auto st = WaitFor(pid, 10s);
  if (!st) {
    kill(pid, SIGKILL);
    WaitFor(pid, 5s);
    ADD_FAILURE() << "driftwatch agent --config " << config << " did not exit within 10 s";
    return {};
  }
  return {*st, ReadFile(err)};
}

class AgentConfigErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dw-agent-config-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string Db() const { return (dir_ / "dw.db").string(); }

  fs::path dir_;
};

TEST_F(AgentConfigErrorTest, UnknownKeyNamesFileLineAndKey) {
  const std::string path = Write("bad.yaml", "database: " + Db() +
                                                 "\nmode: auto\nlearning:\n  min_duration: 3s\n"
                                                 "  quiet_periode: 2s\n");
  CommandRun r = RunAgentCommand(dir_, path);
  EXPECT_EQ(Describe(r.status), "exit 2");
  EXPECT_EQ(r.err, "driftwatch agent: config " + path + " line 5: unknown key 'learning.quiet_periode'\n");
  EXPECT_FALSE(fs::exists(Db())) << "a refused config created the database";
}

TEST_F(AgentConfigErrorTest, BadDurationNamesFileLineAndKey) {
  const std::string path = Write("bad.yaml", "database: " + Db() + "\nlearning:\n  checkpoint: soon\n");
  CommandRun r = RunAgentCommand(dir_, path);
  EXPECT_EQ(Describe(r.status), "exit 2");
  EXPECT_EQ(r.err, "driftwatch agent: config " + path +
                       " line 3: learning.checkpoint: bad duration 'soon' (use e.g. 500ms, 30s, 5m, 2h, 1d)\n");
  EXPECT_FALSE(fs::exists(Db()));
}

TEST_F(AgentConfigErrorTest, BadYamlNamesFileAndLine) {
  const std::string path = Write("bad.yaml", "mode: auto\ncgroups: [a, b\n");
  CommandRun r = RunAgentCommand(dir_, path);
  EXPECT_EQ(Describe(r.status), "exit 2");
  EXPECT_EQ(r.err.rfind("driftwatch agent: config " + path + " line ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(AgentConfigErrorTest, MissingFileIsNamed) {
  const std::string path = (dir_ / "missing.yaml").string();
  CommandRun r = RunAgentCommand(dir_, path);
  EXPECT_EQ(Describe(r.status), "exit 2");
  EXPECT_EQ(r.err, "driftwatch agent: read config " + path + ": No such file or directory\n");
}

}  // namespace
}  // namespace dw::tools::agent
