// tools/packages.h: the detector's package oracle (model/detector.h
// PackageOracle) over the package databases collector/packages.h reads.
#ifndef DRIFTWATCH_TOOLS_PACKAGES_H_
#define DRIFTWATCH_TOOLS_PACKAGES_H_

#include <string>
#include <string_view>

#include "collector/event.h"
#include "collector/packages.h"
#include "model/detector.h"

namespace dw::tools {

class PackageOracle : public model::PackageOracle {
 public:
  // kLive: each event's process's own filesystem, /proc/PID/root (a
  // container's), else its parent's while that lives; neither alive: no
  // package. Any other `root`: that directory for every event (a replayed
  // trace, whose processes are gone: the host it was recorded on, "/").
  static constexpr std::string_view kLive = "";
  explicit PackageOracle(std::string root) : root_(std::move(root)) {}

  std::string SourcePackage(const Event& e, std::string_view exe) override;

 private:
  collector::PackageDatabase db_;
  std::string root_;
};

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_PACKAGES_H_
