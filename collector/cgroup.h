// collector/cgroup.h: finding the cgroup v2 hierarchy and naming cgroup ids.
//
// The seam through which the cgroup filesystem enters: CgroupResolver. The live
// resolver walks the cgroup2 mount; the trace resolver answers from a map.
#ifndef DRIFTWATCH_COLLECTOR_CGROUP_H_
#define DRIFTWATCH_COLLECTOR_CGROUP_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "collector/event.h"
#include "collector/status.h"

namespace dw::collector {

// The mount point of the cgroup2 filesystem, from a mountinfo file: "/sys/fs/cgroup"
// on pure v2 hosts, "/sys/fs/cgroup/unified" on hybrid ones. kNotFound when no
// cgroup2 mount is listed.
Result<std::string> FindCgroup2Mount(const std::string& mountinfo_path = "/proc/self/mountinfo");
// The same, parsing mountinfo text given in memory.
Result<std::string> ParseCgroup2Mount(std::string_view mountinfo);

// The id of the cgroup at `relpath` under `mount` (the inode number of its
// directory). kNotFound names the path when it does not exist.
Result<CgroupId> CgroupIdOfPath(const std::string& mount, const std::string& relpath);

// The cgroup path (relative to the cgroup2 root, no leading slash, "" for the
// root) of the cgroup a pid is in, from /proc/<pid>/cgroup ("0::/x/y" line).
Result<std::string> CgroupPathOfPid(uint32_t pid, const std::string& proc_root = "/proc");

// Whether the cgroup at `path` is `subtree` or below it (both relative to the
// cgroup2 root; leading and trailing slashes do not matter; "" is the root,
// which holds every cgroup).
bool InCgroupSubtree(std::string_view path, std::string_view subtree);

class CgroupResolver {
 public:
  virtual ~CgroupResolver() = default;
  // The path of cgroup `id` relative to the cgroup2 root ("" for the root), or
  // kNotFound when the id is not known (e.g. the cgroup is already gone).
  virtual Result<std::string> PathOf(CgroupId id) = 0;
};

// Resolves ids by walking the cgroup2 mount; caches every id it sees and walks
// again on a miss (at most once per `rescan_interval`). Not thread-safe.
class FsCgroupResolver : public CgroupResolver {
 public:
  explicit FsCgroupResolver(std::string mount,
                            std::chrono::milliseconds rescan_interval = std::chrono::milliseconds(200));
  Result<std::string> PathOf(CgroupId id) override;
  // Walks now; returns how many cgroups are known.
  size_t Rescan();
  const std::map<uint64_t, std::string>& known() const { return known_; }

 private:
  std::string mount_;
  std::chrono::milliseconds rescan_interval_;
  std::chrono::steady_clock::time_point last_scan_{};
  std::map<uint64_t, std::string> known_;
};

// Answers from a fixed map, as recorded in a trace.
class MapCgroupResolver : public CgroupResolver {
 public:
  void Add(uint64_t id, std::string path) { map_[id] = std::move(path); }
  Result<std::string> PathOf(CgroupId id) override;

 private:
  std::map<uint64_t, std::string> map_;
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_CGROUP_H_
