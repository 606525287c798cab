// tools/agent/clock.h: the agent's wall clock, a seam so tests can move time.
#ifndef DRIFTWATCH_TOOLS_AGENT_CLOCK_H_
#define DRIFTWATCH_TOOLS_AGENT_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace dw::tools::agent {

// Wall-clock time, for what the agent stamps and measures against event
// times (checkpoints, learning.max_duration, outbox retries). Implementations
// are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch.
  virtual int64_t NowNs() const = 0;
};

// The system clock (std::chrono::system_clock).
class SystemClock : public Clock {
 public:
  int64_t NowNs() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_CLOCK_H_
