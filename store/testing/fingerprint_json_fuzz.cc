// store/testing/fingerprint_json_fuzz.cc: libFuzzer target for fingerprint
// JSON import (`driftwatch import`): any bytes give a fingerprint or an error;
// a fingerprint that imports exports to JSON that imports again, to the same
// fingerprint's JSON (export is lossless, README "Fingerprint JSON").
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/fingerprint_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto fp = dw::store::FingerprintFromJson(json);
  if (!fp.has_value()) return 0;
  const std::string json1 = dw::store::FingerprintJson(*fp);
  auto again = dw::store::FingerprintFromJson(json1);
  if (!again.has_value()) std::abort();
  if (dw::store::FingerprintJson(*again) != json1) std::abort();
  return 0;
}
