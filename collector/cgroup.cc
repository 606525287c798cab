// collector/cgroup.cc: the cgroup2 mount from mountinfo, cgroup ids from
// directory inodes, and the resolvers that name ids.
#include "collector/cgroup.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace dw::collector {

bool InCgroupSubtree(std::string_view path, std::string_view subtree) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == '/') v.remove_prefix(1);
    while (!v.empty() && v.back() == '/') v.remove_suffix(1);
    return v;
  };
  path = trim(path);
  subtree = trim(subtree);
  return subtree.empty() ||
         (path.starts_with(subtree) && (path.size() == subtree.size() || path[subtree.size()] == '/'));
}

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo (octal).
std::string UnescapeOctal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) octal = octal && s[i + k] >= '0' && s[i + k] <= '7';
      if (octal) {
        out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) fields.push_back(s.substr(i, j - i));
    i = j;
  }
  return fields;
}

Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errno("read " + what + " " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Errno("read " + what + " " + path, errno);
  return ss.str();
}

}  // namespace

Result<std::string> ParseCgroup2Mount(std::string_view mountinfo) {
  // Fields: id parent major:minor root mount-point options [optional...] - fstype source super-options.
  // The number of optional fields varies, so the fstype is found after the "-".
  std::string first;
  bool found = false;
  while (!mountinfo.empty()) {
    size_t eol = mountinfo.find('\n');
    std::string_view line = mountinfo.substr(0, eol);
    mountinfo = eol == std::string_view::npos ? std::string_view() : mountinfo.substr(eol + 1);
    std::vector<std::string_view> f = SplitSpaces(line);
    size_t sep = 6;
    while (sep < f.size() && f[sep] != "-") ++sep;
    if (sep + 1 >= f.size() || f[sep + 1] != "cgroup2") continue;
    std::string point = UnescapeOctal(f[4]);
    // A bind mount of a sub-cgroup (root other than "/") is not the hierarchy's root.
    if (f[3] == "/") return point;
    if (!found) {
      first = std::move(point);
      found = true;
    }
  }
  if (found) return first;
  return Status(ErrorCode::kNotFound, "find cgroup2 mount: none in mountinfo");
}

Result<std::string> FindCgroup2Mount(const std::string& mountinfo_path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(mountinfo_path, "mountinfo"));
  Result<std::string> mount = ParseCgroup2Mount(text);
  if (!mount) {
    return Status(mount.error().code(), "find cgroup2 mount: none in " + mountinfo_path);
  }
  return mount;
}

Result<CgroupId> CgroupIdOfPath(const std::string& mount, const std::string& relpath) {
  std::string_view rel = relpath;
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::string path = rel.empty() ? mount : mount + "/" + std::string(rel);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::Errno("stat cgroup " + path, errno);
  if (!S_ISDIR(st.st_mode)) {
    return Status(ErrorCode::kInvalidArgument, "stat cgroup " + path + ": not a directory");
  }
  return CgroupId{static_cast<uint64_t>(st.st_ino)};
}

Result<std::string> CgroupPathOfPid(uint32_t pid, const std::string& proc_root) {
  std::string file = proc_root + "/" + std::to_string(pid) + "/cgroup";
  ASSIGN_OR_RETURN(std::string text, ReadFile(file, "cgroup of pid"));
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    if (!line.starts_with("0::")) continue;
    std::string_view path = line.substr(3);
    // A cgroup removed while the process is still in it (only possible for
    // zombies and threads mid-exit) is reported with this suffix.
    constexpr std::string_view kDeleted = " (deleted)";
    if (path.ends_with(kDeleted)) path.remove_suffix(kDeleted.size());
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    return std::string(path);
  }
  return Status(ErrorCode::kNotFound, "read cgroup of pid " + file + ": no cgroup v2 (0::) line");
}

FsCgroupResolver::FsCgroupResolver(std::string mount, std::chrono::milliseconds rescan_interval)
    : mount_(std::move(mount)), rescan_interval_(rescan_interval) {}

Result<std::string> FsCgroupResolver::PathOf(CgroupId id) {
  auto it = known_.find(id.value);
  if (it != known_.end()) return it->second;
  auto now = std::chrono::steady_clock::now();
  bool scanned = last_scan_ != std::chrono::steady_clock::time_point{};
  if (!scanned || now - last_scan_ >= rescan_interval_) {
    Rescan();
    it = known_.find(id.value);
    if (it != known_.end()) return it->second;
  }
  return Status(ErrorCode::kNotFound,
                "resolve cgroup id " + std::to_string(id.value) + ": not found under " + mount_);
}

size_t FsCgroupResolver::Rescan() {
  // Rebuilt from scratch so that removed cgroups are forgotten and the map stays
  // bounded by the live hierarchy. Cgroups come and go during the walk; a
  // directory that vanished or cannot be read is skipped, never an error.
  namespace fs = std::filesystem;
  last_scan_ = std::chrono::steady_clock::now();
  known_.clear();
  struct stat st;
  if (stat(mount_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
  known_[st.st_ino] = "";
  std::vector<std::string> pending = {""};  // relative paths still to list
  while (!pending.empty()) {
    std::string rel = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator dir(rel.empty() ? mount_ : mount_ + "/" + rel, ec);
    for (; !ec && dir != fs::directory_iterator(); dir.increment(ec)) {
      std::error_code sec;
      if (!dir->is_directory(sec) || dir->is_symlink(sec)) continue;
      std::string child = rel.empty() ? dir->path().filename().string()
                                      : rel + "/" + dir->path().filename().string();
      if (lstat(dir->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
      known_[st.st_ino] = child;
      pending.push_back(std::move(child));
    }
  }
  return known_.size();
}

Result<std::string> MapCgroupResolver::PathOf(CgroupId id) {
  auto it = map_.find(id.value);
  if (it == map_.end()) {
    return Status(ErrorCode::kNotFound,
                  "resolve cgroup id " + std::to_string(id.value) + ": not in the trace's cgroup map");
  }
  return it->second;
}

}  // namespace dw::collector
