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

std::optional<collector::PackagePrograms> PackageOracle::ProgramsOf(const Event& e, std::string_view exe) {
  const std::string root = RootOf(e);
  if (root.empty()) return std::nullopt;
  std::optional<collector::PackagePrograms> p = db_.ProgramsOf(root, exe);
  // A short-lived tool often exits while its package is read (the first
  // question indexes the whole database): its root is gone and no file was
  // there. Ask again through a process still in its cgroup.
  struct stat st {};
  if (!p && root_.empty() && ::stat(root.c_str(), &st) != 0) {
    const std::string other = CgroupRoot(e);
    if (!other.empty() && other != root) p = db_.ProgramsOf(other, exe);
  }
  return p;
}

void RecordedPackageOracle::CatchUp() {
  for (auto& [source, read] : sources_) {
    const std::vector<collector::PackagePrograms>& packages = source->recorded_packages();
    for (; read < packages.size(); ++read) {
      for (const std::string& program : packages[read].programs) {
        package_of_.try_emplace(program, packages[read].source);
      }
    }
  }
}

void RecordedPackageOracle::Release(const collector::EventSource* source) {
  CatchUp();
  std::erase_if(sources_, [&](const auto& s) { return s.first == source; });
}

std::optional<model::PackageOracle::Kin> RecordedPackageOracle::SamePackage(
    const Event&, std::string_view exe, const std::map<std::string, model::ItemStats>& learned) {
  CatchUp();
  const std::string* package = PackageOf(exe);
  if (package == nullptr) return std::nullopt;
  for (const auto& [path, stats] : learned) {
    const std::string* other = PackageOf(path);
    if (other != nullptr && *other == *package) return Kin{*package, path};
  }
  return std::nullopt;
}

const std::string* RecordedPackageOracle::PackageOf(std::string_view path) const {
  if (path.empty() || path[0] != '/') return nullptr;
  const std::string other = collector::UsrMergeTwin(path);
  for (std::string_view candidate : {path, std::string_view(other)}) {
    if (auto it = package_of_.find(candidate); it != package_of_.end()) return &it->second;
  }
  return nullptr;
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
