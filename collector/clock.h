// collector/clock.h: the wall clock as the store and the findings record it,
// in one place (the CLI, the agent and the webhook each had a copy). A seam
// for tests is a function taking the time, or a std::function<int64_t()>
// defaulting to NowNs (tools/agent/webhook.h does so).
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

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_CLOCK_H_
