// model/items.cc: Event -> fingerprint items.
#include "model/items.h"

#include <string>
#include <vector>

#include "model/normalize.h"

namespace dw::model {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;

std::string HostPort(const std::string& address, uint16_t port) {
  if (address.find(':') != std::string::npos) {
    return "[" + address + "]:" + std::to_string(port);
  }
  return address + ":" + std::to_string(port);
}

std::string ProtocolName(uint8_t protocol) {
  if (protocol == kTcp) return "tcp";
  if (protocol == kUdp) return "udp";
  return "proto " + std::to_string(protocol);
}

// DNS names are case-insensitive and "example.com." is "example.com".
std::string NormalizeDnsName(const std::string& name) {
  std::string out = name;
  while (!out.empty() && out.back() == '.') out.pop_back();
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

ItemRef NetRef(Direction direction, uint8_t protocol, uint8_t usual_protocol,
               const Endpoint& addr_from, uint16_t port) {
  ItemRef ref;
  ref.kind = FindingKind::kNetwork;
  ref.table = ItemRef::Table::kNetwork;
  ref.net.direction = direction;
  ref.net.protocol = protocol == 0 ? usual_protocol : protocol;
  ref.net.address = addr_from.AddressString();
  ref.net.port = port;
  switch (direction) {
    case Direction::kOutbound:
      ref.subject = HostPort(ref.net.address, port);
      break;
    case Direction::kInbound:
      ref.subject = ref.net.address + " -> :" + std::to_string(port);
      break;
    case Direction::kListen:
      ref.subject = "listen " + HostPort(ref.net.address, port);
      break;
    case Direction::kDns:
      ref.subject = "dns " + HostPort(ref.net.address, port);
      break;
  }
  if (ref.net.protocol != usual_protocol) {
    ref.subject = ProtocolName(ref.net.protocol) + " " + ref.subject;
  }
  return ref;
}

}  // namespace

std::vector<ItemRef> ItemsOf(const Event& e) {
  std::vector<ItemRef> items;
  switch (e.kind) {
    case EventKind::kExec: {
      const std::string& exe = e.path.empty() ? e.process.exe : e.path;
      if (exe.empty()) break;
      ItemRef ref;
      ref.kind = FindingKind::kExec;
      ref.table = ItemRef::Table::kExecutable;
      ref.key = exe;
      ref.subject = exe;
      items.push_back(std::move(ref));
      break;
    }
    case EventKind::kOpen: {
      if (e.path.empty()) break;
      ItemRef ref;
      ref.kind = FindingKind::kFile;
      ref.table = ItemRef::Table::kFile;
      ref.key = NormalizeFilePath(e.path);
      ref.access = e.access;
      ref.subject = ref.key;
      items.push_back(std::move(ref));
      break;
    }
    case EventKind::kConnect:
      if (e.peer.family == 0) break;
      items.push_back(NetRef(Direction::kOutbound, e.protocol, kTcp, e.peer, e.peer.port));
      break;
    case EventKind::kAccept:
      if (e.peer.family == 0) break;
      items.push_back(NetRef(Direction::kInbound, e.protocol, kTcp, e.peer, e.local.port));
      break;
    case EventKind::kListen:
      if (e.local.family == 0) break;
      items.push_back(NetRef(Direction::kListen, e.protocol, kTcp, e.local, e.local.port));
      break;
    case EventKind::kDns: {
      if (e.peer.family != 0) {
        items.push_back(NetRef(Direction::kDns, e.protocol, kUdp, e.peer, e.peer.port));
      }
      std::string name = NormalizeDnsName(e.dns_name);
      if (!name.empty()) {
        ItemRef ref;
        ref.kind = FindingKind::kNetwork;
        ref.table = ItemRef::Table::kDns;
        ref.key = name;
        ref.subject = std::move(name);
        items.push_back(std::move(ref));
      }
      break;
    }
    case EventKind::kFork:
    case EventKind::kExit:
      break;
  }
  return items;
}

namespace {

template <typename Map, typename Key>
const ItemStats* FindIn(const Map& map, const Key& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

const ItemStats* FindItem(const Fingerprint& fp, const ItemRef& item) {
  switch (item.table) {
    case ItemRef::Table::kExecutable:
      return FindIn(fp.executables, item.key);
    case ItemRef::Table::kFile:
      return FindIn(fp.files, item.key);
    case ItemRef::Table::kNetwork:
      return FindIn(fp.network, item.net);
    case ItemRef::Table::kDns:
      return FindIn(fp.dns_names, item.key);
  }
  return nullptr;
}

ItemStats& FindOrAddItem(Fingerprint* fp, const ItemRef& item) {
  switch (item.table) {
    case ItemRef::Table::kExecutable:
      return fp->executables[item.key];
    case ItemRef::Table::kFile:
      return fp->files[item.key];
    case ItemRef::Table::kNetwork:
      return fp->network[item.net];
    case ItemRef::Table::kDns:
      break;
  }
  return fp->dns_names[item.key];
}

}  // namespace dw::model
