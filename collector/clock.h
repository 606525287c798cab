// collector/clock.h: the wall clock as the store and the findings record it,
// in one place (the CLI, the agent and the webhook each had a copy). A seam
// for tests is a Clock (the agent takes one; tools/agent/testing/fake_clock.h
// moves time), or a std::function<int64_t()> defaulting to NowNs
// (tools/agent/webhook.h does so).
#ifndef DRIFTWATCH_COLLECTOR_CLOCK_H_
#define DRIFTWATCH_COLLECTOR_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace dw::collector {

// Wall-clock time: nanoseconds since the Unix epoch. Thread-safe.
inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A wall clock as an object, for code that takes its time from outside (the
// agent: checkpoints, learning.max_duration, outbox retries). Implementations
// are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch.
  virtual int64_t NowNs() const = 0;
};

// The system clock: NowNs() above.
class SystemClock : public Clock {
 public:
  int64_t NowNs() const override { return collector::NowNs(); }
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_CLOCK_H_
