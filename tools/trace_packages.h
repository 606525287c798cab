// tools/trace_packages.h: the packages of a recorded trace's programs, added
// afterwards (collector/trace_file.h PackagePrograms), to a trace recorded
// before format 2 on a host whose packages are still those it ran.
#ifndef DRIFTWATCH_TOOLS_TRACE_PACKAGES_H_
#define DRIFTWATCH_TOOLS_TRACE_PACKAGES_H_

#include <cstddef>
#include <string>

#include "collector/status.h"

namespace dw::tools {

// Copies the trace `in` to `out` (format 2, the records, cgroups, processes
// and wire version unchanged; `out` may be `in`, replaced once complete) with
// the packages, under `root`'s dpkg database (collector/packages.h), of every
// program it runs: its execs and the processes of its snapshots. Packages the
// trace carries already are kept. Returns how many source packages it adds.
Result<size_t> AddRecordedPackages(const std::string& in, const std::string& out, const std::string& root);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_TRACE_PACKAGES_H_
