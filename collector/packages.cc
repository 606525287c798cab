// collector/packages.cc: see packages.h.
#include "collector/packages.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <system_error>

namespace dw::collector {
namespace {

struct Package {
  std::string source;
  bool base = false;       // Essential, or Priority required or important
  bool installed = false;  // Status: ... installed
};

uint64_t PathHash(std::string_view path) { return std::hash<std::string_view>{}(path); }

// "Source: bind9 (1:9.18.28-1)" -> "bind9".
std::string SourceName(std::string_view value) { return std::string(value.substr(0, value.find(' '))); }

// The installed packages of a dpkg status file, by package name.
std::map<std::string, Package> ReadStatus(const std::string& file) {
  std::map<std::string, Package> out;
  std::ifstream in(file);
  std::string line;
  std::string name;
  Package current;
  auto finish = [&] {
    if (!name.empty() && current.installed) {
      if (current.source.empty()) current.source = name;
      out[name] = current;
    }
    name.clear();
    current = Package{};
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      finish();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') continue;  // a continuation line
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string_view key(line.data(), colon);
    std::string_view value(line);
    value.remove_prefix(std::min(value.size(), colon + 2));
    if (key == "Package") {
      name = std::string(value);
    } else if (key == "Source") {
      current.source = SourceName(value);
    } else if (key == "Essential") {
      current.base = current.base || value == "yes";
    } else if (key == "Priority") {
      current.base = current.base || value == "required" || value == "important";
    } else if (key == "Status") {
      current.installed = value.ends_with(" installed");
    }
  }
  finish();
  return out;
}

}  // namespace

const PackageDatabase::Index* PackageDatabase::IndexOf(const std::string& root) {
  const std::string dpkg = (root == "/" ? std::string() : root) + "/var/lib/dpkg";
  struct stat st {};
  if (::stat((dpkg + "/status").c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  for (auto it = roots_.begin(); it != roots_.end(); ++it) {
    if (it->dev == st.st_dev && it->ino == st.st_ino && it->size == static_cast<uint64_t>(st.st_size) &&
        it->mtime_ns == mtime_ns) {
      roots_.splice(roots_.begin(), roots_, it);
      return &roots_.front();
    }
  }
  Index index;
  index.dev = st.st_dev;
  index.ino = st.st_ino;
  index.size = static_cast<uint64_t>(st.st_size);
  index.mtime_ns = mtime_ns;
  const std::map<std::string, Package> packages = ReadStatus(dpkg + "/status");
  std::map<std::string, uint32_t> source_ids;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dpkg + "/info", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!file.ends_with(".list")) continue;
    // "<package>.list" or "<package>:<arch>.list" (a Multi-Arch: same package).
    const std::string name = file.substr(0, std::min(file.size() - 5, file.find(':')));
    auto p = packages.find(name);
    if (p == packages.end() || p->second.base) continue;
    auto [id, added] = source_ids.try_emplace(p->second.source, static_cast<uint32_t>(index.sources.size()));
    if (added) {
      index.sources.push_back(p->second.source);
      index.lists.emplace_back();
    }
    index.lists[id->second].push_back(it->path().string());
    std::ifstream in(it->path());
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] == '/') index.paths.emplace_back(PathHash(line), id->second);
    }
  }
  std::sort(index.paths.begin(), index.paths.end());
  roots_.push_front(std::move(index));
  if (roots_.size() > kMaxRoots) roots_.pop_back();
  return &roots_.front();
}

std::string UsrMergeTwin(std::string_view path) {
  return path.starts_with("/usr/") ? std::string(path.substr(4)) : "/usr" + std::string(path);
}

int64_t PackageDatabase::SourceIdOf(const Index& index, std::string_view path) {
  // The path as run, and its spelling on the other side of the /usr merge.
  const std::string other = UsrMergeTwin(path);
  for (std::string_view candidate : {path, std::string_view(other)}) {
    const uint64_t h = PathHash(candidate);
    auto it = std::lower_bound(index.paths.begin(), index.paths.end(), std::pair<uint64_t, uint32_t>{h, 0});
    if (it != index.paths.end() && it->first == h) return it->second;
  }
  return -1;
}

std::string PackageDatabase::SourcePackageOf(const std::string& root, std::string_view path) {
  if (path.empty() || path[0] != '/') return {};
  const Index* index = IndexOf(root);
  if (index == nullptr) return {};
  const int64_t id = SourceIdOf(*index, path);
  return id < 0 ? std::string() : index->sources[static_cast<size_t>(id)];
}

std::optional<PackagePrograms> PackageDatabase::ProgramsOf(const std::string& root, std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  const Index* index = IndexOf(root);
  if (index == nullptr) return std::nullopt;
  const int64_t id = SourceIdOf(*index, path);
  if (id < 0) return std::nullopt;
  PackagePrograms out;
  out.source = index->sources[static_cast<size_t>(id)];
  const std::string prefix = root == "/" ? std::string() : root;
  for (const std::string& list : index->lists[static_cast<size_t>(id)]) {
    std::ifstream in(list);
    std::string line;
    while (std::getline(in, line) && out.programs.size() < kMaxPrograms) {
      if (line.empty() || line[0] != '/') continue;
      struct stat st {};
      // lstat: a link (an alternative, a compatibility name) is not the program.
      if (::lstat((prefix + line).c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
          (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
        out.programs.push_back(line);
      }
    }
  }
  if (out.programs.empty()) return std::nullopt;
  std::sort(out.programs.begin(), out.programs.end());
  out.programs.erase(std::unique(out.programs.begin(), out.programs.end()), out.programs.end());
  return out;
}

}  // namespace dw::collector
