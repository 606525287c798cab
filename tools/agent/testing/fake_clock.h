// tools/agent/testing/fake_clock.h: a Clock a test sets and advances.
#ifndef DRIFTWATCH_TOOLS_AGENT_TESTING_FAKE_CLOCK_H_
#define DRIFTWATCH_TOOLS_AGENT_TESTING_FAKE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "collector/clock.h"

namespace dw::tools::agent::testing {

// Thread-safe: the test thread moves it while the agent's thread reads it.
class FakeClock : public collector::Clock {
 public:
  explicit FakeClock(int64_t now_ns = 0) : now_ns_(now_ns) {}
  int64_t NowNs() const override { return now_ns_.load(); }
  void Set(int64_t now_ns) { now_ns_.store(now_ns); }
  void Advance(std::chrono::nanoseconds d) { now_ns_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> now_ns_;
};

}  // namespace dw::tools::agent::testing

#endif  // DRIFTWATCH_TOOLS_AGENT_TESTING_FAKE_CLOCK_H_
