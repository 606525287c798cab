// tools/agent/agent_test.cc: the agent without root: a replayed trace (a
// GatedSource over collector/trace_source.h) and a FakeClock drive its
// lifecycle, the API's accept and relearn, and webhook delivery to a loopback
// receiver. tools/agent/agent_e2e_bpf_test.cc proves the same on live BPF.
#include "tools/agent/agent.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "collector/testing/gated_source.h"
#include "collector/testing/pod_trace.h"
#include "collector/trace_source.h"
#include "tools/agent/testing/fake_clock.h"
#include "tools/agent/testing/http_receiver.h"
#include "tools/drive.h"

namespace dw::tools::agent {
namespace {

namespace fs = std::filesystem;
namespace ct = collector::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string ThisHost() {
  struct utsname u;
  return uname(&u) == 0 ? std::string(u.nodename) : std::string();
}

bool Eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

// The pod trace's workload name as the agent's API spells it in a path.
const std::string kWorkloadPath = std::string("/v1/workloads/") + ct::kPodWorkload;

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ct::PodTestDir("dw-agent", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    trace_ = (dir_ / "pod.dwt").string();
    ASSERT_TRUE(ct::WritePodTrace(trace_, ThisHost()).ok());
    // Just after the training records (1 s to 1.5 s after boot).
    clock_.Set(ct::kPodBootToUnixNs + 2'000'000'000);
  }
  void TearDown() override {
    if (agent_) {
      boost::asio::post(io_, [this] { agent_->Stop(); });
      if (loop_.joinable()) loop_.join();
      agent_.reset();
    }
    fs::remove_all(dir_);
  }

  AgentConfig Config(uint16_t webhook_port) {
    AgentConfig c;
    c.database = (dir_ / "dw.db").string();
    c.mode = Mode::kAuto;
    c.learning.min_duration = 1h;  // never stable on its own: max_duration decides
    c.learning.quiet_period = 1h;
    c.learning.max_duration = 10min;
    c.learning.checkpoint = 20ms;
    c.api.listen = "127.0.0.1:0";
    c.api.allow_unauthenticated_writes = true;
    if (webhook_port != 0) c.outputs.webhook_url = "http://127.0.0.1:" + std::to_string(webhook_port) + "/hook";
    return c;
  }

  // Starts the agent on the pod trace, gated, on a thread of its own.
  void StartAgent(const AgentConfig& config) {
    AgentOptions o;
    o.config = config;
    o.clock = &clock_;
    o.pipeline.identity.root = (dir_ / "root").string();
    o.handle_signals = false;
    o.open_source = [this]() -> Result<std::unique_ptr<collector::EventSource>> {
      ASSIGN_OR_RETURN(auto trace, collector::TraceEventSource::Open(trace_));
      auto gated = std::make_unique<ct::GatedSource>(std::move(trace));
      gate_ = gated.get();
      return std::unique_ptr<collector::EventSource>(std::move(gated));
    };
    agent_ = std::make_unique<Agent>(io_, std::move(o));
    Status s = agent_->Start();
    ASSERT_TRUE(s.ok()) << s.message();
    port_ = agent_->api_port();
    ASSERT_NE(port_, 0);
    loop_ = std::thread([this] { io_.run(); });
  }

  // Lets the trace's next chunk through and waits until the agent read it.
  void ReleaseChunk() {
    const int before = gate_->delivered();
    gate_->Release();
    ASSERT_TRUE(Eventually([&] { return gate_->delivered() > before; })) << "the agent did not read the chunk";
  }

  json Get(const std::string& target) {
    testing::HttpReply r = testing::HttpCall(port_, "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.status == 200 ? json::parse(r.body) : json();
  }
  // The lifecycle state of the pod's workload, "" while the agent has none.
  std::string Lifecycle() {
    for (const json& w : Get("/v1/workloads")) {
      if (w["workload"] == ct::kPodWorkload) return w["lifecycle"];
    }
    return "";
  }
  bool WaitForLifecycle(const std::string& want) {
    return Eventually([&] { return Lifecycle() == want; });
  }

  fs::path dir_;
  std::string trace_;
  testing::FakeClock clock_;
  boost::asio::io_context io_;
  std::unique_ptr<Agent> agent_;
  ct::GatedSource* gate_ = nullptr;
  std::thread loop_;
  uint16_t port_ = 0;
};

TEST_F(AgentTest, LearnsUntilMaxDurationOnTheClockThenMonitorsAndDeliversDrift) {
  testing::Receiver rx(0, [](const testing::Received&, int) { return std::pair<int, std::string>(200, ""); });
  ASSERT_TRUE(rx.ok());
  ASSERT_NO_FATAL_FAILURE(StartAgent(Config(rx.port())));
  ASSERT_NO_FATAL_FAILURE(ReleaseChunk());
  ASSERT_TRUE(WaitForLifecycle("learning")) << Get("/v1/workloads").dump();
  // Checkpoints come and go; the clock has not reached max_duration.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(Lifecycle(), "learning");
  clock_.Advance(10min);
  ASSERT_TRUE(WaitForLifecycle("monitoring")) << Get("/v1/workloads").dump();

  ASSERT_NO_FATAL_FAILURE(ReleaseChunk());
  ASSERT_TRUE(Eventually([&] { return Get("/v1/findings").size() >= 2; })) << Get("/v1/findings").dump();
  json findings = Get("/v1/findings");
  std::set<std::string> subjects;
  for (const json& f : findings) {
    EXPECT_EQ(f["workload"], ct::kPodWorkload) << f.dump();
    subjects.insert(f["subject"]);
  }
  EXPECT_TRUE(subjects.count("/usr/bin/whoami")) << findings.dump();
  EXPECT_TRUE(subjects.count("/etc/shadow")) << findings.dump();

  // Each finding reaches the webhook once, as the store has it.
  ASSERT_TRUE(Eventually([&] { return rx.received().size() >= findings.size(); })) << rx.received().size();
  std::this_thread::sleep_for(100ms);
  std::set<int64_t> delivered;
  for (const testing::Received& r : rx.received()) {
    EXPECT_EQ(r.request_line, "POST /hook HTTP/1.1");
    delivered.insert(json::parse(r.body)["id"].get<int64_t>());
  }
  std::set<int64_t> stored;
  for (const json& f : findings) stored.insert(f["id"].get<int64_t>());
  EXPECT_EQ(delivered, stored);
  EXPECT_EQ(rx.received().size(), stored.size());
}

TEST_F(AgentTest, AcceptAddsTheItemToTheBaselineAndRelearnStartsOver) {
  ASSERT_NO_FATAL_FAILURE(StartAgent(Config(0)));
  ASSERT_NO_FATAL_FAILURE(ReleaseChunk());
  ASSERT_TRUE(WaitForLifecycle("learning"));
  clock_.Advance(10min);
  ASSERT_TRUE(WaitForLifecycle("monitoring"));
  ASSERT_NO_FATAL_FAILURE(ReleaseChunk());
  ASSERT_TRUE(Eventually([&] { return Get("/v1/findings").size() >= 2; })) << Get("/v1/findings").dump();
  int64_t shadow = 0;
  for (const json& f : Get("/v1/findings")) {
    if (f["subject"] == "/etc/shadow") shadow = f["id"];
  }
  ASSERT_NE(shadow, 0);

  auto in_baseline = [&] {
    const json baseline = Get(kWorkloadPath);
    for (const json& f : baseline["files"]) {
      if (f["path"] == "/etc/shadow") return true;
    }
    return false;
  };
  EXPECT_FALSE(in_baseline());
  testing::HttpReply r = testing::HttpCall(port_, "POST", "/v1/findings/" + std::to_string(shadow) + "/accept");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body),
            (json{{"accepted", shadow}, {"workload", ct::kPodWorkload}, {"subject", "/etc/shadow"}}));
  EXPECT_TRUE(in_baseline()) << Get(kWorkloadPath).dump();
  EXPECT_EQ(testing::HttpCall(port_, "POST", "/v1/findings/999999/accept").status, 404);

  r = testing::HttpCall(port_, "POST", kWorkloadPath + "/relearn");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), (json{{"workload", ct::kPodWorkload}, {"state", "learning"}}));
  EXPECT_EQ(Lifecycle(), "learning");
  EXPECT_FALSE(in_baseline());
}

// The CLI's way (Drive over the trace) and the agent's name the pod's
// container cgroup the same: its Kubernetes owner and container.
TEST_F(AgentTest, NamesAContainerAsTheCliDoes) {
  auto source = collector::TraceEventSource::Open(trace_);
  ASSERT_TRUE(source) << source.error().message();
  PipelineOptions options;
  options.identity.root = (dir_ / "root").string();
  std::set<std::string> cli;
  std::atomic<bool> stop{false};
  collector::PipelineStats stats;
  ASSERT_TRUE(Drive(
                  **source,
                  [&](const Event& e, std::span<const uint8_t>) {
                    cli.insert(e.workload);
                    return Status::Ok();
                  },
                  stop, &stats, nullptr, options)
                  .ok());

  ASSERT_NO_FATAL_FAILURE(StartAgent(Config(0)));
  ASSERT_NO_FATAL_FAILURE(ReleaseChunk());
  ASSERT_TRUE(WaitForLifecycle("learning"));
  std::set<std::string> agent;
  for (const json& w : Get("/v1/workloads")) agent.insert(w["workload"]);
  EXPECT_EQ(agent, cli);
  EXPECT_EQ(agent, std::set<std::string>{ct::kPodWorkload});
}

}  // namespace
}  // namespace dw::tools::agent
