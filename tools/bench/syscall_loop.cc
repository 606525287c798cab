// tools/bench/syscall_loop.cc: the cost of one cheap syscall, for
// tools/bench/syscall-overhead.sh.
//
//   dw_syscall_loop [CALLS [BATCHES]]
//
// Makes BATCHES (default 15) batches of CALLS (default 200000) getppid()
// syscalls (raw syscall(2): never cached by libc) and prints the median and
// the minimum ns per syscall over the batches: "median_ns 81.2 min_ns 79.9".
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const long calls = argc > 1 ? std::atol(argv[1]) : 200000;
  const int batches = argc > 2 ? std::atoi(argv[2]) : 15;
  if (calls <= 0 || batches <= 0) {
    std::fprintf(stderr, "usage: dw_syscall_loop [CALLS [BATCHES]]\n");
    return 2;
  }
  std::vector<double> ns;
  for (int b = 0; b < batches; ++b) {
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < calls; ++i) syscall(SYS_getppid);
    std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    ns.push_back(took.count() / static_cast<double>(calls));
  }
  std::sort(ns.begin(), ns.end());
  std::printf("median_ns %.1f min_ns %.1f\n", ns[ns.size() / 2], ns.front());
  return 0;
}
