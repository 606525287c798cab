// collector/testing/decode_fuzz.cc: libFuzzer target for Decode() and the
// DNS name parser, which see bytes straight from the ring buffer.
#include <cstddef>
#include <cstdint>
#include <span>

#include "collector/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  dw::Result<dw::Event> e = dw::collector::Decode(bytes, 1'700'000'000'000'000'000);
  if (e.has_value()) {
    // Decoded values must print without trouble.
    (void)e->local.ToString();
    (void)e->peer.ToString();
  }
  (void)dw::collector::ParseDnsQueryName(bytes);
  return 0;
}
