// tools/agent/testing/config_fuzz.cc: libFuzzer target for the agent's YAML
// config parser: any bytes give a config or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tools/agent/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto c = dw::tools::agent::ParseConfig(text, "fuzz.yaml");
  // An error names its source, so an operator knows which file to fix.
  if (!c.has_value() && c.error().message().find("fuzz.yaml") == std::string::npos) std::abort();
  return 0;
}
