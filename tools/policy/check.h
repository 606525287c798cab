// tools/policy/check.h: proof before apply. An exported policy document,
// parsed back (so a rendering bug shows up), judges recorded events with the
// semantics of the tool that would enforce it:
//   networkpolicy  non-loopback outbound connections and DNS queries (egress)
//                  and accepted connections (ingress); cluster-DNS selector
//                  peers are assumed to match DNS traffic (port 53)
//   seccomp        syscalls (events that carry none are not governed)
//   kubearmor      executables (process), file opens and their write access
//                  (file), protocols of connections, accepts and listens (network)
//   falco          executables, file opens and writes, peers and ports
//                  (connects, DNS queries, accepts)
//   json           every item the fingerprint scores (model/items.h), with access bits
// Not thread-safe; one PolicyCheck per replay.
#ifndef DRIFTWATCH_TOOLS_POLICY_CHECK_H_
#define DRIFTWATCH_TOOLS_POLICY_CHECK_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collector/event.h"
#include "collector/status.h"
#include "model/items.h"
#include "tools/policy/export.h"

namespace dw::tools {

// One item the policy would have blocked, with every event that touched it folded in.
struct Blocked {
  std::string kind;     // "exec", "lineage", "file", "network", "dns"
  std::string subject;  // model::ItemRef::subject
  std::string reason;   // why the policy does not allow it
  uint64_t count = 0;   // events
  int64_t first_ns = 0;
  std::string exe;  // the first offending process
  bool operator==(const Blocked&) const = default;
};

class ParsedPolicy;

class PolicyCheck {
 public:
  // Parses `document` as `format`. kInvalidArgument names what is missing or
  // malformed. `workload` is the name the document was exported for.
  static Result<std::unique_ptr<PolicyCheck>> Parse(ExportFormat format, std::string_view document,
                                                    const std::string& workload);
  ~PolicyCheck();
  PolicyCheck(const PolicyCheck&) = delete;
  PolicyCheck& operator=(const PolicyCheck&) = delete;

  // Judges one event of the workload (the caller filters by workload).
  void Observe(const Event& e);
  // Why `item` would be blocked; "" when allowed or not governed by the format.
  std::string Blocks(const model::ItemRef& item) const;

  // What would have been blocked, in the order first seen.
  std::vector<Blocked> blocked() const;
  uint64_t events() const { return events_; }
  // Of them, syscall events (traces recorded with --syscalls).
  uint64_t syscall_events() const { return syscall_events_; }

 private:
  explicit PolicyCheck(std::unique_ptr<ParsedPolicy> policy);
  std::unique_ptr<ParsedPolicy> policy_;
  std::map<std::pair<std::string, std::string>, size_t> index_;  // (kind, subject) -> blocked_
  std::vector<Blocked> blocked_;
  uint64_t events_ = 0;
  uint64_t syscall_events_ = 0;
};

// One JSON object on one line: kind, subject, reason, count, first_time, exe.
std::string BlockedJson(const Blocked& b);
// "would block file /etc/shadow: no spec.file rule allows this path (2 events, first T, exe /bin/cat)".
std::string BlockedText(const Blocked& b);

// "exec", "lineage", "file", "network", "dns" for an item's table.
const char* ItemKindName(const model::ItemRef& item);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_POLICY_CHECK_H_
