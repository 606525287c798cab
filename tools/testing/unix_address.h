// tools/testing/unix_address.h: the sockaddr_un of a unix socket named as
// driftwatch names them ("/run/x.sock" a path, "@name" an abstract socket),
// for the test workload and the tests that listen where it connects.
#ifndef DRIFTWATCH_TOOLS_TESTING_UNIX_ADDRESS_H_
#define DRIFTWATCH_TOOLS_TESTING_UNIX_ADDRESS_H_

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace dw::tools::testing {

// Fills *a for `name` and returns the address length to pass with it (an
// abstract name without a trailing NUL), or 0 when `name` is empty or too long.
inline socklen_t UnixAddress(const std::string& name, sockaddr_un* a) {
  *a = sockaddr_un{};
  a->sun_family = AF_UNIX;
  if (name.empty() || name.size() >= sizeof(a->sun_path)) return 0;
  socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
  if (name[0] == '@') {
    std::memcpy(a->sun_path + 1, name.data() + 1, name.size() - 1);  // sun_path[0] stays NUL
  } else {
    std::memcpy(a->sun_path, name.data(), name.size());
    ++len;
  }
  return len;
}

}  // namespace dw::tools::testing

#endif  // DRIFTWATCH_TOOLS_TESTING_UNIX_ADDRESS_H_
