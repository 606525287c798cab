// tools/packages.h: the detector's package oracle (model/detector.h
// PackageOracle) over the package databases collector/packages.h reads.
#ifndef DRIFTWATCH_TOOLS_PACKAGES_H_
#define DRIFTWATCH_TOOLS_PACKAGES_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "collector/event.h"
#include "collector/packages.h"
#include "model/detector.h"

namespace dw::tools {

class PackageOracle : public model::PackageOracle {
 public:
  // kLive: each event's process's own filesystem, /proc/PID/root (a
  // container's), else its parent's while that lives, else that of a process
  // still in the event's cgroup (a short-lived tool has often exited when its
  // exec is scored; its container's other processes share its filesystem);
  // none alive: no package. Any other `root`: that directory for every event
  // (a replayed trace, whose processes are gone: the host it was recorded on).
  static constexpr std::string_view kLive = "";
  explicit PackageOracle(std::string root) : root_(std::move(root)) {}

  // One root for `exe` and every learned program (RootOf).
  std::optional<Kin> SamePackage(const Event& e, std::string_view exe,
                                 const std::map<std::string, model::ItemStats>& learned) override;

  // The source package that installed `exe` under RootOf(e), or "".
  std::string SourcePackage(const Event& e, std::string_view exe);

 private:
  // The filesystem to ask for `e` (above); "" when none.
  std::string RootOf(const Event& e);
  // /proc/PID/root of the first process listed in cgroup.procs of the
  // event's cgroup, or "".
  std::string CgroupRoot(const Event& e);

  collector::PackageDatabase db_;
  std::string root_;
  std::optional<std::string> mount_;  // the cgroup2 mount, found on first use ("" if none)
};

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_PACKAGES_H_
