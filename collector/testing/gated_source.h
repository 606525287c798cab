// collector/testing/gated_source.h: an EventSource that hands out another
// source's chunks only as a test releases them, so a test decides what the
// consumer has seen when. Header-only.
#ifndef DRIFTWATCH_COLLECTOR_TESTING_GATED_SOURCE_H_
#define DRIFTWATCH_COLLECTOR_TESTING_GATED_SOURCE_H_

#include <atomic>
#include <memory>
#include <utility>

#include "collector/event_source.h"

namespace dw::collector::testing {

// Consume() delivers one of the inner source's Consume() batches per
// Release(); Run() is the inner source's. Release() may be called from any
// thread; the rest from the consumer's.
class GatedSource : public EventSource {
 public:
  explicit GatedSource(std::unique_ptr<EventSource> inner) : inner_(std::move(inner)) {}

  // Lets the next `n` batches through.
  void Release(int n = 1) { allowed_.fetch_add(n); }
  // Batches delivered so far (each a non-empty one, or the end of the source).
  int delivered() const { return delivered_.load(); }

  Result<int> Consume(const RecordHandler& handler) override {
    if (delivered_.load() >= allowed_.load()) return 0;
    ASSIGN_OR_RETURN(int n, inner_->Consume(handler));
    delivered_.fetch_add(1);
    return n;
  }
  Status Run(const RecordHandler& handler, const std::atomic<bool>& stop) override {
    return inner_->Run(handler, stop);
  }
  int64_t boot_to_unix_ns() const override { return inner_->boot_to_unix_ns(); }
  CgroupResolver& cgroups() override { return inner_->cgroups(); }
  const std::vector<ProcessSnapshot>& initial_processes() const override { return inner_->initial_processes(); }
  std::optional<SyscallWatch> syscall_watch() const override { return inner_->syscall_watch(); }
  uint64_t dropped() const override { return inner_->dropped(); }
  uint32_t wire_version() const override { return inner_->wire_version(); }
  bool live() const override { return inner_->live(); }
  std::string node() const override { return inner_->node(); }
  std::optional<ProcessSnapshot> LookupProcess(uint32_t pid) override { return inner_->LookupProcess(pid); }

 private:
  std::unique_ptr<EventSource> inner_;
  std::atomic<int> allowed_{0};
  std::atomic<int> delivered_{0};
};

}  // namespace dw::collector::testing

#endif  // DRIFTWATCH_COLLECTOR_TESTING_GATED_SOURCE_H_
