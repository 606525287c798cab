// model/items.cc: Event -> fingerprint items.
#include "model/items.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/generalize.h"
#include "model/normalize.h"

namespace dw::model {
namespace {

// "<address>:<port>", "[<v6 address>]:<port>", appended.
void AppendHostPort(std::string_view address, uint16_t port, std::string* out) {
  const bool v6 = address.find(':') != std::string_view::npos;
  if (v6) *out += '[';
  *out += address;
  if (v6) *out += ']';
  *out += ':';
  *out += std::to_string(port);
}

std::string ProtocolName(uint8_t protocol) {
  if (protocol == kProtocolTcp) return "tcp";
  if (protocol == kProtocolUdp) return "udp";
  return "proto " + std::to_string(protocol);
}

// DNS names are case-insensitive and "example.com." is "example.com".
void NormalizeDnsName(std::string_view name, std::string* out) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  out->assign(name);
  for (char& c : *out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

// Fills `*ref` (fresh from ItemScratch::Add) as a network item.
void NetRef(Direction direction, uint8_t protocol, uint8_t usual_protocol, const Endpoint& addr_from,
            uint16_t port, ItemRef* ref) {
  ref->kind = FindingKind::kNetwork;
  ref->table = ItemRef::Table::kNetwork;
  ref->net.direction = direction;
  ref->net.protocol = protocol == 0 ? usual_protocol : protocol;
  ref->net.address = addr_from.AddressString();
  ref->net.port = port;
  std::string& subject = ref->subject;
  if (ref->net.protocol != usual_protocol) {
    subject = ProtocolName(ref->net.protocol);
    subject += ' ';
  }
  switch (direction) {
    case Direction::kOutbound:
      AppendHostPort(ref->net.address, port, &subject);
      break;
    case Direction::kInbound:
      subject += ref->net.address;
      subject += " -> :";
      subject += std::to_string(port);
      break;
    case Direction::kListen:
      subject += "listen ";
      AppendHostPort(ref->net.address, port, &subject);
      break;
    case Direction::kDns:
      subject += "dns ";
      AppendHostPort(ref->net.address, port, &subject);
      break;
  }
}

constexpr std::string_view kHelperNames[] = {"runc", "crun", "youki", "runsc", "conmon"};
constexpr std::string_view kWorldWritableDirs[] = {"/tmp/", "/var/tmp/", "/dev/shm/"};

// The executable of a container runtime helper.
bool IsHelperExe(std::string_view exe) {
  // runc >= 1.0 re-executes itself from a sealed memfd copy.
  if (exe.size() > 1 && exe[1] == 'm' && exe.starts_with("/memfd:runc_cloned")) return true;
  size_t slash = exe.rfind('/');
  std::string_view base = slash == std::string_view::npos ? exe : exe.substr(slash + 1);
  // Every helper's name starts with one of these: most exes stop here.
  if (base.empty() || (base[0] != 'r' && base[0] != 'c' && base[0] != 'y')) return false;
  if (base.ends_with(" (deleted)")) base.remove_suffix(10);  // replaced by an upgrade
  for (std::string_view dir : kWorldWritableDirs) {
    if (exe.starts_with(dir)) return false;
  }
  for (std::string_view helper : kHelperNames) {
    if (base == helper) return true;
  }
  return base.starts_with("containerd-shim");
}

const std::string& ExeOf(const Event& e) {
  return e.kind == EventKind::kExec && !e.path.empty() ? e.path : e.process.exe;
}

}  // namespace

void AssignLineageKey(std::string_view parent, std::string_view child, std::string* key) {
  key->assign(IsHelperExe(parent) ? kRuntimeParent : parent);
  *key += " -> ";
  *key += child;
}

bool IsLibraryLoad(const Event& e) {
  return e.kind == EventKind::kOpen && e.result >= 0 && (e.access & (kAccessWrite | kAccessCreate)) == 0 &&
         IsSharedObjectName(e.path);
}

bool IsRuntimeHelper(const Event& e) {
  const std::string& exe = ExeOf(e);
  if (!exe.empty() && IsHelperExe(exe)) return true;
  // runc init ("runc:[0:PARENT]", "runc:[1:CHILD]", "runc:[2:INIT]") before
  // it execs the container's entrypoint, when its exe is not a real path.
  return !e.comm.empty() && e.comm[0] == 'r' && e.comm.starts_with("runc:[") &&
         (exe.empty() || exe.starts_with("/memfd:"));
}

ItemRef& ItemScratch::Add() {
  if (n_ == items_.size()) items_.emplace_back();
  ItemRef& ref = items_[n_++];
  // A fresh ItemRef's fields, the strings emptied in place.
  static const ItemRef kFresh;
  ref.kind = kFresh.kind;
  ref.table = kFresh.table;
  ref.key.clear();
  ref.net.direction = kFresh.net.direction;
  ref.net.protocol = kFresh.net.protocol;
  ref.net.address.clear();
  ref.net.port = kFresh.net.port;
  ref.access = kFresh.access;
  ref.subject.clear();
  return ref;
}

void ItemScratch::NormalizeRead(const std::string& path, std::string* out) {
  if (auto it = normalized_.find(path); it != normalized_.end()) {
    out->assign(it->second);
    return;
  }
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) {
    NormalizeFilePathInto(path, 0, 0, out);
  } else {
    const std::string_view dir(path.data(), slash);
    auto d = dirs_.find(dir);
    if (d == dirs_.end()) {
      if (dirs_.size() >= kRemembered) dirs_.clear();
      d = dirs_.try_emplace(std::string(dir)).first;
      NormalizeDirInto(dir, &d->second);
    }
    NormalizeUnderDirInto(path, d->second, out);
  }
  if (normalized_.size() >= kRemembered) normalized_.clear();
  normalized_.emplace(path, *out);
}

void ItemScratch::NormalizeWrite(const std::string& path, uint32_t pid, uint32_t tid,
                                 std::string* out) {
  if (PathSpellsId(path, pid, tid)) {
    NormalizeFilePathInto(path, pid, tid, out);
  } else {
    NormalizeRead(path, out);
  }
}

std::vector<ItemRef> ItemsOf(const Event& e) {
  ItemScratch scratch;
  std::span<const ItemRef> items = ItemsOf(e, &scratch);
  return std::vector<ItemRef>(items.begin(), items.end());
}

std::span<const ItemRef> ItemsOf(const Event& e, ItemScratch* scratch) {
  scratch->Clear();
  if (IsRuntimeHelper(e)) return scratch->items();
  switch (e.kind) {
    case EventKind::kExec: {
      const std::string& exe_of = ExeOf(e);
      if (exe_of.empty()) break;
      ItemRef& ref = scratch->Add();
      ref.kind = FindingKind::kExec;
      ref.table = ItemRef::Table::kExecutable;
      // The name of an executable file as an item: a memfd's path as the
      // kernel prints it ("/memfd:x (deleted)") is "memfd:x", the same in
      // every run.
      std::string_view exe(exe_of);
      if (exe.starts_with("/memfd:")) {
        exe.remove_prefix(1);
        if (exe.ends_with(" (deleted)")) exe.remove_suffix(10);
      }
      ref.key.assign(exe);
      ref.subject.assign(exe);
      const std::string& parent = e.process.parent_exe;
      if (!parent.empty()) {
        ItemRef& edge = scratch->Add();
        edge.kind = FindingKind::kExec;
        edge.table = ItemRef::Table::kLineage;
        AssignLineageKey(parent, exe, &edge.key);
        edge.subject.assign(edge.key);
      }
      break;
    }
    case EventKind::kOpen: {
      if (e.path.empty()) break;
      ItemRef& ref = scratch->Add();
      ref.kind = FindingKind::kFile;
      ref.table = ItemRef::Table::kFile;
      // A process names the files it creates after itself; reading a file
      // whose name happens to spell the reader's pid is a coincidence.
      bool writes = (e.access & (kAccessWrite | kAccessCreate)) != 0;
      if (writes) {
        scratch->NormalizeWrite(e.path, e.pid, e.tid, &ref.key);
      } else {
        scratch->NormalizeRead(e.path, &ref.key);
      }
      ref.access = e.access;
      ref.subject.assign(ref.key);
      break;
    }
    case EventKind::kConnect:
      if (e.peer.family == 0) break;
      NetRef(Direction::kOutbound, e.protocol, kProtocolTcp, e.peer, e.peer.port, &scratch->Add());
      break;
    case EventKind::kAccept:
      if (e.peer.family == 0) break;
      NetRef(Direction::kInbound, e.protocol, kProtocolTcp, e.peer, e.local.port, &scratch->Add());
      break;
    case EventKind::kListen:
      if (e.local.family == 0) break;
      NetRef(Direction::kListen, e.protocol, kProtocolTcp, e.local, e.local.port, &scratch->Add());
      break;
    case EventKind::kDns: {
      if (e.peer.family != 0) {
        NetRef(Direction::kDns, e.protocol, kProtocolUdp, e.peer, e.peer.port, &scratch->Add());
      }
      ItemRef& ref = scratch->Add();
      NormalizeDnsName(e.dns_name, &ref.key);
      if (ref.key.empty()) {
        scratch->n_--;
        break;
      }
      ref.kind = FindingKind::kNetwork;
      ref.table = ItemRef::Table::kDns;
      ref.subject.assign(ref.key);
      break;
    }
    case EventKind::kSyscall: {
      if (e.syscall.empty()) break;
      ItemRef& ref = scratch->Add();
      ref.kind = FindingKind::kSyscall;
      ref.table = ItemRef::Table::kSyscall;
      ref.key.assign(e.syscall);
      ref.subject.assign(e.syscall);
      break;
    }
    case EventKind::kFork:
    case EventKind::kExit:
      break;
  }
  return scratch->items();
}

namespace {

template <typename Map, typename Key>
const ItemStats* FindIn(const Map& map, const Key& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

ItemMatch LookupItem(const Fingerprint& fp, const ItemRef& item, const FilePatternIndex* patterns) {
  ItemMatch m;
  switch (item.table) {
    case ItemRef::Table::kExecutable:
      m.stats = FindIn(fp.executables, item.key);
      break;
    case ItemRef::Table::kFile:
      m.stats = patterns != nullptr ? patterns->FindFile(item.key) : FindIn(fp.files, item.key);
      if (m.stats == nullptr) {
        const Generalization* g = patterns != nullptr ? MatchFile(*patterns, item.key, &m.file_pattern)
                                                      : MatchFile(fp, item.key, &m.file_pattern);
        if (g != nullptr) m.stats = &g->stats;
      }
      break;
    case ItemRef::Table::kNetwork:
      m.stats = FindIn(fp.network, item.net);
      if (m.stats == nullptr) {
        if (const Generalization* g = MatchNet(fp, item.net, &m.net_pattern)) m.stats = &g->stats;
      }
      break;
    case ItemRef::Table::kDns:
      m.stats = FindIn(fp.dns_names, item.key);
      break;
    case ItemRef::Table::kLineage:
      m.stats = FindIn(fp.lineage, item.key);
      break;
    case ItemRef::Table::kSyscall:
      m.stats = FindIn(fp.syscalls, item.key);
      break;
  }
  return m;
}

const ItemStats* FindItem(const Fingerprint& fp, const ItemRef& item) {
  return LookupItem(fp, item).stats;
}

ItemStats& FindOrAddItem(Fingerprint* fp, const ItemRef& item) {
  switch (item.table) {
    case ItemRef::Table::kExecutable:
      return fp->executables[item.key];
    case ItemRef::Table::kFile: {
      auto it = fp->files.find(item.key);
      if (it != fp->files.end()) return it->second;
      // A pattern takes the item only for access it has evidence for.
      const std::string* pattern = nullptr;
      const Generalization* g = MatchFile(*fp, item.key, &pattern);
      if (g != nullptr && (item.access & ~g->stats.access) == 0 && !WildcardKeepsOut(*pattern, item.key, item.access)) {
        return fp->file_patterns.find(*pattern)->second.stats;
      }
      return fp->files[item.key];
    }
    case ItemRef::Table::kNetwork: {
      auto it = fp->network.find(item.net);
      if (it != fp->network.end()) return it->second;
      const NetItem* pattern = nullptr;
      if (MatchNet(*fp, item.net, &pattern) != nullptr) {
        return fp->net_patterns.find(*pattern)->second.stats;
      }
      return fp->network[item.net];
    }
    case ItemRef::Table::kLineage:
      return fp->lineage[item.key];
    case ItemRef::Table::kSyscall:
      return fp->syscalls[item.key];
    case ItemRef::Table::kDns:
      break;
  }
  return fp->dns_names[item.key];
}

bool SameLookupThroughSearchList(std::string_view a, std::string_view b) {
  if (a == b || a.empty() || b.empty()) return false;
  if (a.size() < b.size()) std::swap(a, b);
  // b itself, with a search domain after it.
  if (a.size() > b.size() + 1 && a.starts_with(b) && a[b.size()] == '.') return true;
  // The longest common run of whole labels at the start: at least one.
  size_t common = 0;  // the length of the common prefix, ending before a '.'
  for (size_t i = 0; i < b.size() && a[i] == b[i]; ++i) {
    if (b[i] == '.') common = i;
  }
  if (common == 0) return false;
  std::string_view ta = a.substr(common + 1), tb = b.substr(common + 1);
  if (ta.size() < tb.size()) std::swap(ta, tb);
  // One tail ends the other at a label's start.
  return ta.size() > tb.size() && ta.ends_with(tb) && ta[ta.size() - tb.size() - 1] == '.';
}

bool IsReverseLookupName(std::string_view name) {
  const auto label = [&](std::string_view* rest) {
    const size_t dot = rest->find('.');
    std::string_view l = rest->substr(0, dot);
    *rest = dot == std::string_view::npos ? std::string_view() : rest->substr(dot + 1);
    return l;
  };
  if (name.ends_with(".in-addr.arpa")) {
    std::string_view rest = name.substr(0, name.size() - std::string_view(".in-addr.arpa").size());
    for (int i = 0; i < 4; ++i) {
      if (rest.empty() && i > 0) return false;
      std::string_view l = label(&rest);
      if (l.empty() || l.size() > 3 || (l.size() > 1 && l[0] == '0')) return false;
      int v = 0;
      for (char c : l) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
      }
      if (v > 255) return false;
    }
    return rest.empty();
  }
  if (name.ends_with(".ip6.arpa")) {
    std::string_view rest = name.substr(0, name.size() - std::string_view(".ip6.arpa").size());
    if (rest.size() != 63) return false;  // 32 nibbles and 31 dots
    for (size_t i = 0; i < rest.size(); ++i) {
      const char c = rest[i];
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (i % 2 == 0 ? !hex : c != '.') return false;
    }
    return true;
  }
  return false;
}

void DnsRecall::Observe(const Event& e) {
  if (e.kind == EventKind::kExit) {
    last_.erase(e.pid);
  } else if (e.kind == EventKind::kDns && !e.dns_name.empty()) {
    // Bounded though exits can be lost (ring-buffer drops): then it starts over.
    if (last_.size() >= kMaxProcesses && !last_.contains(e.pid)) last_.clear();
    std::string name;
    NormalizeDnsName(e.dns_name, &name);
    if (IsReverseLookupName(name)) return;  // the forward query before it still counts
    Query& q = last_[e.pid];
    q.name = std::move(name);
    q.time_ns = e.time_ns;
  }
}

std::string_view DnsRecall::NameBefore(const Event& e) const {
  auto it = last_.find(e.pid);
  if (it == last_.end() || e.time_ns < it->second.time_ns ||
      e.time_ns - it->second.time_ns > window_ns_) {
    return {};
  }
  return it->second.name;
}

}  // namespace dw::model
