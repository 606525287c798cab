// tools/packages.cc: see packages.h.
#include "tools/packages.h"

#include <sys/stat.h>

#include <fstream>

#include "collector/cgroup.h"

namespace dw::tools {
namespace {

// /proc/PID/root while process PID lives, else "".
std::string LiveRoot(uint32_t pid) {
  std::string root = "/proc/" + std::to_string(pid) + "/root";
  struct stat st {};
  return ::stat(root.c_str(), &st) == 0 ? root : std::string();
}

}  // namespace

std::optional<model::PackageOracle::Kin> PackageOracle::SamePackage(
    const Event& e, std::string_view exe, const std::map<std::string, model::ItemStats>& learned) {
  const std::string root = RootOf(e);
  if (root.empty()) return std::nullopt;
  std::string package = db_.SourcePackageOf(root, exe);
  if (package.empty()) return std::nullopt;
  for (const auto& [path, stats] : learned) {
    if (db_.SourcePackageOf(root, path) == package) return Kin{std::move(package), path};
  }
  return std::nullopt;
}

std::string PackageOracle::SourcePackage(const Event& e, std::string_view exe) {
  const std::string root = RootOf(e);
  return root.empty() ? std::string() : db_.SourcePackageOf(root, exe);
}

std::string PackageOracle::RootOf(const Event& e) {
  if (!root_.empty()) return root_;
  for (uint32_t pid : {e.pid, e.ppid}) {
    if (pid == 0) continue;
    if (std::string root = LiveRoot(pid); !root.empty()) return root;
  }
  return CgroupRoot(e);
}

std::string PackageOracle::CgroupRoot(const Event& e) {
  if (!mount_) {
    Result<std::string> found = collector::FindCgroup2Mount();
    mount_ = found.has_value() ? *found : std::string();
  }
  if (mount_->empty()) return {};
  std::ifstream procs(*mount_ + "/" + e.cgroup_path + "/cgroup.procs");
  uint32_t pid = 0;
  while (procs >> pid) {
    if (std::string root = LiveRoot(pid); !root.empty()) return root;
  }
  return {};
}

}  // namespace dw::tools
