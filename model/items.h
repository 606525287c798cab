// model/items.h: the one mapping from an Event to the fingerprint items it
// touches, shared by the profiler (learning) and the scorer (detection) so the
// two can never disagree about what an event means.
#ifndef DRIFTWATCH_MODEL_ITEMS_H_
#define DRIFTWATCH_MODEL_ITEMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"

namespace dw::model {

// One fingerprint item an event touches.
struct ItemRef {
  enum class Table : uint8_t {
    kExecutable,  // Fingerprint::executables[key]
    kFile,        // Fingerprint::files[key]
    kNetwork,     // Fingerprint::network[net]
    kDns,         // Fingerprint::dns_names[key]
  };
  FindingKind kind = FindingKind::kExec;  // kExec, kFile, or kNetwork (also for kDns)
  Table table = Table::kExecutable;
  std::string key;     // the map key for kExecutable, kFile, kDns; "" for kNetwork
  NetItem net;         // the map key for kNetwork; default otherwise
  uint8_t access = 0;  // kFile: this event's AccessBits; 0 otherwise
  // What a person reads, unique per (kind, item): the exe path, the normalised
  // file path, "10.0.0.7:5432" (outbound), "10.0.0.9 -> :8080" (inbound),
  // "listen 0.0.0.0:8080", "dns 10.0.0.2:53" (resolver), "example.com" (name).
  // A protocol other than the kind's usual one (tcp; udp for dns) prefixes the
  // network forms: "udp 10.0.0.7:5432".
  std::string subject;
  bool operator==(const ItemRef&) const = default;
};

// The items `e` touches, in a fixed order:
//   kExec    -> executable e.path (e.process.exe when e.path is "")
//   kOpen    -> file NormalizeFilePath(e.path) with e.access; failed opens
//               (result < 0) count too: probing a path is behaviour
//   kConnect -> outbound {peer address, peer port}
//   kAccept  -> inbound {peer address, LOCAL port}: the client's ephemeral
//               port is never part of the item
//   kListen  -> listen {local address, local port}
//   kDns     -> dns {resolver address, resolver port}, then the query name
//               (lower-case, trailing dot dropped) when it is not empty
//   kFork, kExit -> none
// Protocol: e.protocol, or tcp (udp for kDns) when it is 0. Events with an
// empty path, or with the relevant endpoint's family 0, touch no item.
std::vector<ItemRef> ItemsOf(const Event& e);

// The learned stats of `item` in `fp`, or nullptr when fp lacks it.
const ItemStats* FindItem(const Fingerprint& fp, const ItemRef& item);
// The stats of `item` in `*fp`, inserted zeroed when absent. The reference
// stays valid until the item is erased (std::map nodes are stable).
ItemStats& FindOrAddItem(Fingerprint* fp, const ItemRef& item);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_ITEMS_H_
