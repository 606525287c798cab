// tools/packages.h: the detector's package oracle (model/detector.h
// PackageOracle) over the package databases collector/packages.h reads.
#ifndef DRIFTWATCH_TOOLS_PACKAGES_H_
#define DRIFTWATCH_TOOLS_PACKAGES_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/event.h"
#include "collector/event_source.h"
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
  // That package and its programs under RootOf(e), for a trace
  // (`driftwatch record`); nullopt without one.
  std::optional<collector::PackagePrograms> ProgramsOf(const Event& e, std::string_view exe);

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

// A replay's oracle: the packages its traces carry (collector/trace_file.h
// PackagePrograms), what the recording host knew while the processes ran, so
// that a replay on any machine, with or without those packages, judges as the
// live detector did. Traces recorded before format 2 carry none: no package.
class RecordedPackageOracle : public model::PackageOracle {
 public:
  // Asks `source` at each question for the packages it has delivered since,
  // until Release(source) (call it before the source is destroyed; what it
  // delivered stays known).
  void Watch(const collector::EventSource* source) { sources_.emplace_back(source, 0); }
  void Release(const collector::EventSource* source);

  std::optional<Kin> SamePackage(const Event& e, std::string_view exe,
                                 const std::map<std::string, model::ItemStats>& learned) override;

 private:
  // Indexes the packages the watched sources delivered since the last call.
  void CatchUp();
  // The source package recorded for `path` (either side of the /usr merge), or nullptr.
  const std::string* PackageOf(std::string_view path) const;

  std::vector<std::pair<const collector::EventSource*, size_t>> sources_;  // and packages read
  std::map<std::string, std::string, std::less<>> package_of_;  // program -> source package
};

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_PACKAGES_H_
