// tools/write_atomically.h: a file written whole or not at all.
#ifndef DRIFTWATCH_TOOLS_WRITE_ATOMICALLY_H_
#define DRIFTWATCH_TOOLS_WRITE_ATOMICALLY_H_

#include <functional>
#include <string>

#include "collector/status.h"

namespace dw::tools {

// Writes `path` through `write`, which creates and fills the temporary file
// it is given (`path` + ".tmp"); that is renamed to `path` when `write`
// succeeds and removed when it or the rename fails: readers never see a
// half-written file, and an interrupted command leaves none behind.
Status WriteAtomically(const std::string& path, const std::function<Status(const std::string& tmp)>& write);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_WRITE_ATOMICALLY_H_
