// tools/flags.h: integers from command lines and request parameters, parsed
// one way everywhere (driftwatch's --version/--from/--to, the agent's
// ?since= and finding ids): a whole decimal string that fits in int64_t.
// Callers check the range and word the error for their flag.
#ifndef DRIFTWATCH_TOOLS_FLAGS_H_
#define DRIFTWATCH_TOOLS_FLAGS_H_

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace dw::tools {

// `text` as a decimal integer (strtoll's syntax: optional leading blanks and
// sign), or nullopt when it is empty, has anything after the number, or
// overflows int64_t.
inline std::optional<int64_t> ParseInt64(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || errno != 0) return std::nullopt;
  return static_cast<int64_t>(n);
}

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_FLAGS_H_
