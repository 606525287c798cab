// tools/packages.cc: see packages.h.
#include "tools/packages.h"

#include <sys/stat.h>

namespace dw::tools {

std::string PackageOracle::SourcePackage(const Event& e, std::string_view exe) {
  if (!root_.empty()) return db_.SourcePackageOf(root_, exe);
  for (uint32_t pid : {e.pid, e.ppid}) {
    if (pid == 0) continue;
    const std::string root = "/proc/" + std::to_string(pid) + "/root";
    struct stat st {};
    if (::stat(root.c_str(), &st) == 0) return db_.SourcePackageOf(root, exe);
  }
  return {};
}

}  // namespace dw::tools
