// tools/write_atomically.cc: see write_atomically.h.
#include "tools/write_atomically.h"

#include <cerrno>
#include <cstdio>

namespace dw::tools {

Status WriteAtomically(const std::string& path, const std::function<Status(const std::string& tmp)>& write) {
  const std::string tmp = path + ".tmp";
  if (Status s = write(tmp); !s.ok()) {
    std::remove(tmp.c_str());
    return s;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return Status::Errno("rename " + tmp + " to " + path, err);
  }
  return Status::Ok();
}

}  // namespace dw::tools
