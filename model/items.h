// model/items.h: the one mapping from an Event to the fingerprint items it
// touches, shared by the profiler (learning) and the scorer (detection) so the
// two can never disagree about what an event means.
#ifndef DRIFTWATCH_MODEL_ITEMS_H_
#define DRIFTWATCH_MODEL_ITEMS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"
#include "model/normalize.h"

namespace dw::model {

// ItemRef, one fingerprint item an event touches, is in model/fingerprint.h
// (findings carry theirs).

// The lineage parent of executables started by container runtime helpers:
// the same on every host, whatever the runtime's install path.
inline constexpr std::string_view kRuntimeParent = "<container-runtime>";

// True when `e` comes from a container runtime helper rather than from the
// workload: its executable (for kExec, the new image e.path) has the basename
// runc, crun, youki, runsc or conmon, or starts with containerd-shim, or is
// runc's sealed copy "/memfd:runc_cloned..."; or its comm is runc init's
// "runc:[N:...]" while its exe is unknown or a memfd. An executable under
// /tmp, /var/tmp or /dev/shm is never a helper, and a comm alone never makes
// one, so a renamed process cannot hide behind the exemption. For exec
// events the new image decides: runc init exec'ing the entrypoint is the
// workload's own exec.
bool IsRuntimeHelper(const Event& e);
// A read that opened a shared object (model/generalize.h IsSharedObjectName):
// the dynamic loader loading a library (dlopen, LD_PRELOAD, a plugin), whose
// code then runs in the process.
bool IsLibraryLoad(const Event& e);
// The key of the lineage edge from `parent` to `child` into *key, its memory
// reused: "<parent> -> <child>", a container runtime helper parent spelled
// kRuntimeParent (ItemsOf's kExec edge; the scorer's edge past command wrappers).
void AssignLineageKey(std::string_view parent, std::string_view child, std::string* key);

// The items `e` touches, in a fixed order:
//   runtime helpers (IsRuntimeHelper) -> none
//   kExec    -> executable e.path (e.process.exe when e.path is ""; a memfd
//               "/memfd:x (deleted)" is "memfd:x"), then
//               the lineage edge "<parent exe> -> <exe>" when
//               e.process.parent_exe is known (a runtime helper parent is
//               kRuntimeParent)
//   kOpen    -> file NormalizeFilePath(e.path) with e.access, and with
//               e.pid and e.tid when the open writes or creates (a process
//               names the files it creates after itself; a read of a file
//               whose name spells the reader's pid is a coincidence); failed
//               opens (result < 0) count too: probing a path is behaviour
//   kConnect -> outbound {peer address, peer port}
//   kAccept  -> inbound {peer address, LOCAL port}: the client's ephemeral
//               port is never part of the item
//   kListen  -> listen {local address, local port}
//   kDns     -> dns {resolver address, resolver port}, then the query name
//               (lower-case, trailing dot dropped) when it is not empty
//   kSyscall -> syscall e.syscall (its name) when not empty
//   kFork, kExit -> none
// Protocol: e.protocol, or tcp (udp for kDns) when it is 0. Events with an
// empty path, or with the relevant endpoint's family 0, touch no item.
std::vector<ItemRef> ItemsOf(const Event& e);

// Memory for ItemsOf on the detection path: the items of one event, kept from
// event to event so their strings reuse their memory (no allocation per event
// once warm), and the normalised form of the paths last opened (up to
// kRemembered paths, then forgotten all at once: a read's normal form depends
// on its path alone, and so does a write's unless the path spells the
// writer's pid or tid, which is normalised each time). Not thread-safe; one
// per caller.
class ItemScratch {
 public:
  static constexpr size_t kRemembered = 4096;
  std::span<const ItemRef> items() const { return {items_.data(), n_}; }

 private:
  friend std::span<const ItemRef> ItemsOf(const Event& e, ItemScratch* scratch);
  // Starts another event's items.
  void Clear() { n_ = 0; }
  // The next item, every field reset (its strings empty, their memory kept).
  ItemRef& Add();
  // NormalizeFilePath(path) into *out, remembered.
  void NormalizeRead(const std::string& path, std::string* out);
  // NormalizeFilePath(path, pid, tid) into *out: remembered (as the read's
  // form, which it then is) unless `path` holds pid's or tid's digits.
  void NormalizeWrite(const std::string& path, uint32_t pid, uint32_t tid, std::string* out);

  std::vector<ItemRef> items_;
  size_t n_ = 0;
  std::unordered_map<std::string, std::string, StringViewHash, std::equal_to<>> normalized_;
  // The directories of paths normalised, each as its files' parent
  // (NormalizeDirInto): a path first seen costs its last component's walk
  // (an Erlang or Python VM searching its code path opens thousands of
  // distinct names in a few directories). Forgotten at once when full.
  std::unordered_map<std::string, NormalDir, StringViewHash, std::equal_to<>> dirs_;
};

// The same items into `*scratch`, replacing what it held; the span is valid
// until the next call with it.
std::span<const ItemRef> ItemsOf(const Event& e, ItemScratch* scratch);

// Where `item` was found in a fingerprint.
struct ItemMatch {
  const ItemStats* stats = nullptr;           // nullptr: the fingerprint lacks the item
  const std::string* file_pattern = nullptr;  // set when a file pattern covers it
  const NetItem* net_pattern = nullptr;       // set when a network pattern covers it
};

class FilePatternIndex;  // model/generalize.h

// The learned stats of `item` in `fp`: the exact item, else the pattern that
// covers it (model/generalize.h: MatchFile, MatchNet). `patterns`, when not
// null, is fp's FilePatternIndex (the same answer, faster).
ItemMatch LookupItem(const Fingerprint& fp, const ItemRef& item,
                     const FilePatternIndex* patterns = nullptr);
// LookupItem(fp, item).stats.
const ItemStats* FindItem(const Fingerprint& fp, const ItemRef& item);
// The stats `item` is learned into: the exact item if present, else the
// pattern that covers it if the pattern has all of the item's access bits (so
// learning never re-adds what a pattern replaced, and a new kind of access
// stays an exact item: evidence for Generalize), else the exact item,
// inserted zeroed. The reference stays valid until the
// item or pattern is erased (std::map nodes are stable; Generalize erases).
ItemStats& FindOrAddItem(Fingerprint* fp, const ItemRef& item);

// Whether `name` (normalized: lower case, no trailing dot) is a reverse
// lookup of one address: four decimal labels of 0-255 and "in-addr.arpa"
// (IPv4), or 32 single hex digits and "ip6.arpa" (IPv6). Such a query asks
// who an address is; it resolves no name to an address, and carries nothing
// but the address it names.
bool IsReverseLookupName(std::string_view name);

// Whether two names (normalized) are the queries one lookup makes through a
// resolver's search list (resolv.conf `search`, with `ndots`: Kubernetes pods
// ask "api.example.com.<ns>.svc.cluster.local", "api.example.com.svc.cluster.local",
// "api.example.com.cluster.local" and then "api.example.com" for one lookup):
// one is the other with more labels after it ("x.y" and "x.y.svc.cluster.local"),
// or both extend the same name with tails of which one ends the other
// ("x.y.ns.svc.cluster.local" and "x.y.svc.cluster.local": a search list goes
// from the narrowest domain to the widest). Names that differ in their first
// label are other lookups; so are equal names.
bool SameLookupThroughSearchList(std::string_view a, std::string_view b);

// Remembers the last DNS name each process queried, so that a connect that
// follows within `window_ns` can say which name it probably resolved ("peers
// known by name"). It records a query, not an answer: a reason may say "after
// a DNS query for X", never that X resolved to the peer. Memory is one entry
// per live process that queried (forgotten at kExit; at most kMaxProcesses,
// then forgotten at once). Not thread-safe.
class DnsRecall {
 public:
  explicit DnsRecall(int64_t window_ns = 2'000'000'000) : window_ns_(window_ns) {}
  // kDns with a name: remembers it for e.pid (a reverse lookup resolves no
  // name to the address a connect then reaches: skipped, the query before
  // it stays); kExit: forgets e.pid.
  void Observe(const Event& e);
  // The name e.pid last queried, if within the window before e.time_ns; else "".
  // The view is valid until the next Observe().
  std::string_view NameBefore(const Event& e) const;
  size_t size() const { return last_.size(); }
  static constexpr size_t kMaxProcesses = 16384;

 private:
  struct Query {
    std::string name;
    int64_t time_ns = 0;
  };
  int64_t window_ns_;
  std::unordered_map<uint32_t, Query> last_;
};

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_ITEMS_H_
