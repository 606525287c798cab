// tools/testing/ports.h: a free loopback TCP port for tests that run real servers.
#ifndef DRIFTWATCH_TOOLS_TESTING_PORTS_H_
#define DRIFTWATCH_TOOLS_TESTING_PORTS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace dw::tools::testing {

// A port the kernel just handed out on 127.0.0.1 and that is free again; 0 if
// none could be had. Another process may take it before the caller binds it,
// which the tests accept.
inline uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  close(fd);
  return ok ? ntohs(a.sin_port) : 0;
}

}  // namespace dw::tools::testing

#endif  // DRIFTWATCH_TOOLS_TESTING_PORTS_H_
