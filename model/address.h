// model/address.h: IP addresses and CIDR blocks as the fingerprint writes them
// ("10.0.0.7", "::1", "10.0.3.0/24"): parsing, masking, containment and the
// loopback test, in one place for the generalizer, the scorer and the policy
// exports. Pure functions on values; thread-safe. IPv4 is parsed by hand
// (this is on the scoring path); IPv6 by inet_pton.
#ifndef DRIFTWATCH_MODEL_ADDRESS_H_
#define DRIFTWATCH_MODEL_ADDRESS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dw::model {

struct Address {
  int family = 0;                 // AF_INET or AF_INET6; 0 before parsing
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in the first 4
  int bits() const;               // 32 or 128
  bool operator==(const Address&) const = default;
};

// A dotted quad ("10.0.0.7") or an IPv6 address ("fd00::1"), nothing else
// (no "/len", no port). False for anything unparsable.
bool ParseAddress(std::string_view text, Address* out);
// "10.0.3.0/24" -> the address and the prefix length (0..bits()); the "/len"
// is required.
bool ParseCidr(std::string_view text, Address* out, int* len);

// `a` with every bit after the first `len` cleared.
Address Masked(const Address& a, int len);
// Whether `a` lies in `net`/`len` (same family).
bool Contains(const Address& net, int len, const Address& a);
// "10.0.3.0/24": `a` masked to `len`, with the length.
std::string CidrString(const Address& a, int len);

// 127.0.0.0/8 or ::1.
bool IsLoopback(const Address& a);
// 0.0.0.0 or ::.
bool IsUnspecified(const Address& a);

// The text forms: whether `address` ("10.0.0.7", "::1") lies in `cidr`
// ("10.0.0.0/8"; a bare address is a /32 or /128); false for anything
// unparsable.
bool CidrContains(std::string_view cidr, std::string_view address);
// Whether `address` (optionally with a "/len") is a loopback address.
bool IsLoopbackAddress(std::string_view address);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_ADDRESS_H_
