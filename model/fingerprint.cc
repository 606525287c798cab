// model/fingerprint.cc: names and printing for the fingerprint value types.
#include "model/fingerprint.h"

#include <string>

namespace dw::model {
namespace {

std::string ProtocolName(uint8_t protocol) {
  if (protocol == 6) return "tcp";
  if (protocol == 17) return "udp";
  return "proto " + std::to_string(protocol);
}

// IPv6 addresses are bracketed when a port follows, as in Endpoint::ToString().
std::string HostPort(const std::string& address, uint16_t port) {
  if (address.find(':') != std::string::npos) {
    return "[" + address + "]:" + std::to_string(port);
  }
  return address + ":" + std::to_string(port);
}

}  // namespace

const char* DirectionName(Direction d) {
  switch (d) {
    case Direction::kOutbound:
      return "outbound";
    case Direction::kInbound:
      return "inbound";
    case Direction::kListen:
      return "listen";
    case Direction::kDns:
      return "dns";
  }
  return "unknown";
}

const char* FindingKindName(FindingKind k) {
  switch (k) {
    case FindingKind::kExec:
      return "exec";
    case FindingKind::kFile:
      return "file";
    case FindingKind::kNetwork:
      return "network";
    case FindingKind::kRate:
      return "rate";
    case FindingKind::kUnprofiled:
      return "unprofiled";
    case FindingKind::kSyscall:
      return "syscall";
  }
  return "unknown";
}

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

std::string NetItem::ToString() const {
  std::string out = std::string(DirectionName(direction)) + " " + ProtocolName(protocol) + " ";
  if (direction == Direction::kInbound) {
    return out + address + " -> :" + std::to_string(port);
  }
  return out + HostPort(address, port);
}

}  // namespace dw::model
