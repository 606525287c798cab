// collector/event.cc: names and printing for Event values.
#include "collector/event.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

namespace dw {

const RuntimeContext& RuntimeContextRef::Empty() {
  static const RuntimeContext kEmpty;
  return kEmpty;
}

namespace {
struct AccessWord {
  AccessBits bit;
  std::string_view word;
};
constexpr AccessWord kAccessWords[] = {
    {kAccessRead, "read"}, {kAccessWrite, "write"}, {kAccessCreate, "create"}, {kAccessConnect, "connect"}};
}  // namespace

std::vector<std::string_view> AccessWords(uint8_t access) {
  std::vector<std::string_view> out;
  for (const AccessWord& a : kAccessWords) {
    if ((access & a.bit) != 0) out.push_back(a.word);
  }
  return out;
}

uint8_t AccessBitOf(std::string_view word) {
  for (const AccessWord& a : kAccessWords) {
    if (a.word == word) return a.bit;
  }
  return 0;
}

const char* EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kExec: return "exec";
    case EventKind::kFork: return "fork";
    case EventKind::kExit: return "exit";
    case EventKind::kOpen: return "open";
    case EventKind::kConnect: return "connect";
    case EventKind::kAccept: return "accept";
    case EventKind::kListen: return "listen";
    case EventKind::kDns: return "dns";
    case EventKind::kSyscall: return "syscall";
  }
  return "unknown";
}

namespace {

// ::ffff:a.b.c.d: a v4 peer seen through a dual-stack socket. Printing it as
// IPv4 keeps one name per peer in the baselines.
bool IsV4Mapped(const std::array<uint8_t, 16>& a) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::equal(std::begin(kPrefix), std::end(kPrefix), a.begin());
}

}  // namespace

namespace {

// "a.b.c.d", what inet_ntop prints, without its printf (this runs per
// network event).
std::string DottedQuad(const uint8_t* a) {
  char buf[16];
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    const unsigned v = a[i];
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
  }
  return std::string(buf, p);
}

}  // namespace

std::string Endpoint::AddressString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    return DottedQuad(addr.data());
  } else if (family == AF_INET6) {
    if (IsV4Mapped(addr)) {
      return DottedQuad(addr.data() + 12);
    } else {
      inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf));
    }
  }
  return buf;
}

std::string Endpoint::ToString() const {
  if (family != AF_INET && family != AF_INET6) return "";
  std::string port_str = std::to_string(port);
  if (family == AF_INET6 && !IsV4Mapped(addr)) return "[" + AddressString() + "]:" + port_str;
  return AddressString() + ":" + port_str;
}

}  // namespace dw
