// tools/testing/dw_syscall_probe.cc: makes one personality(0xffffffff) call
// (a query that changes nothing) and reports whether the kernel refused it.
// For the seccomp tests until dw_test_workload has `--syscall personality`.
// Exits 0 when the call succeeded, 1 with "personality: <error>" otherwise.
#include <sys/personality.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main() {
  errno = 0;
  int rc = personality(0xffffffff);
  if (rc == -1 && errno != 0) {
    std::fprintf(stderr, "personality: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}
