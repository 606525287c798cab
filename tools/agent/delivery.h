// tools/agent/delivery.h: where the agent's findings go besides the store: a
// rotated JSON-lines file, and the webhook's outbox over the store.
#ifndef DRIFTWATCH_TOOLS_AGENT_DELIVERY_H_
#define DRIFTWATCH_TOOLS_AGENT_DELIVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "collector/status.h"
#include "store/store.h"
#include "collector/clock.h"
#include "tools/agent/webhook.h"

namespace dw::tools::agent {

// The outbox sink name of the webhook (store/store.h outbox.sink).
inline constexpr char kWebhookSink[] = "webhook";

// Findings as JSON lines in a file, rotated by size: FILE, FILE.1 ... FILE.keep.
// The file and its rotations are 0600 when created. Not thread-safe.
class JsonlFile {
 public:
  JsonlFile(std::string path, uint64_t max_bytes, int keep)
      : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {}
  ~JsonlFile() { CloseFd(); }
  JsonlFile(const JsonlFile&) = delete;
  JsonlFile& operator=(const JsonlFile&) = delete;

  // Appends `line` and a newline, rotating first when it would pass max_bytes.
  Status Write(const std::string& line);

 private:
  Status Open();
  void CloseFd();
  Status Rotate();

  std::string path_;
  uint64_t max_bytes_;
  int keep_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The webhook's outbox over the store's outbox table. Store errors are
// logged (the sender retries). `store` and `clock` must outlive it.
class StoreOutbox : public Outbox {
 public:
  StoreOutbox(store::Store* store, const collector::Clock* clock) : store_(store), clock_(clock) {}
  std::vector<OutboxItem> Pending(size_t limit) override;
  void MarkDelivered(int64_t id) override;
  void MarkFailed(int64_t id, int attempts, int64_t next_attempt_ns, std::string error) override;
  void MarkAbandoned(int64_t id, int attempts, std::string error) override;

 private:
  store::Store* store_;
  const collector::Clock* clock_;
};

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_DELIVERY_H_
