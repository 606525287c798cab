// model/address.cc: IP addresses and CIDR blocks (model/address.h).
#include "model/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace dw::model {

int Address::bits() const { return family == AF_INET ? 32 : 128; }

namespace {

// Dotted-quad IPv4, by hand: this is on the scoring path.
bool ParseV4(std::string_view text, Address* out) {
  int part = 0, value = 0, digits = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      if (++digits > 3 || value > 255) return false;
    } else if (c == '.' && digits > 0 && part < 3) {
      out->bytes[static_cast<size_t>(part++)] = static_cast<uint8_t>(value);
      value = digits = 0;
    } else {
      return false;
    }
  }
  if (part != 3 || digits == 0) return false;
  out->bytes[3] = static_cast<uint8_t>(value);
  out->family = AF_INET;
  return true;
}

}  // namespace

bool ParseAddress(std::string_view text, Address* out) {
  out->bytes.fill(0);
  if (ParseV4(text, out)) return true;
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof(buf)) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET6, buf, out->bytes.data()) == 1) {
    out->family = AF_INET6;
    return true;
  }
  return false;
}

bool ParseCidr(std::string_view text, Address* out, int* len) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || !ParseAddress(text.substr(0, slash), out)) return false;
  int n = 0;
  std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n > out->bits()) return false;
  *len = n;
  return true;
}

Address Masked(const Address& a, int len) {
  Address m = a;
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(len - i * 8, 0, 8);
    m.bytes[static_cast<size_t>(i)] &= static_cast<uint8_t>(0xff00 >> keep);
  }
  return m;
}

bool Contains(const Address& net, int len, const Address& a) {
  return net.family == a.family && Masked(a, len).bytes == Masked(net, len).bytes;
}

std::string CidrString(const Address& a, int len) {
  Address m = Masked(a, len);
  if (m.family == AF_INET) {
    std::string out;
    out.reserve(20);
    for (size_t i = 0; i < 4; ++i) {
      if (i > 0) out += '.';
      out += std::to_string(m.bytes[i]);
    }
    return out + "/" + std::to_string(len);
  }
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(m.family, m.bytes.data(), buf, sizeof(buf)) == nullptr) return {};
  return std::string(buf) + "/" + std::to_string(len);
}

bool IsLoopback(const Address& a) {
  static constexpr std::array<uint8_t, 16> kLoopback6 = {0, 0, 0, 0, 0, 0, 0, 0,
                                                         0, 0, 0, 0, 0, 0, 0, 1};
  if (a.family == AF_INET) return a.bytes[0] == 127;
  return a.family == AF_INET6 && a.bytes == kLoopback6;
}

bool IsUnspecified(const Address& a) {
  return std::all_of(a.bytes.begin(), a.bytes.end(), [](uint8_t b) { return b == 0; });
}

bool CidrContains(std::string_view cidr, std::string_view address) {
  Address net, a;
  int len = 0;
  if (cidr.find('/') == std::string_view::npos) {
    if (!ParseAddress(cidr, &net)) return false;
    len = net.bits();
  } else if (!ParseCidr(cidr, &net, &len)) {
    return false;
  }
  return ParseAddress(address, &a) && Contains(net, len, a);
}

bool IsLoopbackAddress(std::string_view address) {
  Address a;
  return ParseAddress(address.substr(0, address.find('/')), &a) && IsLoopback(a);
}

}  // namespace dw::model
