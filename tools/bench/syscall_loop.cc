// tools/bench/syscall_loop.cc: the cost of one cheap syscall, for
// tools/bench/syscall-overhead.sh.
//
//   dw_syscall_loop [CALLS [BATCHES [udp|recv|exec]]]
//
// Makes BATCHES (default 15) batches of CALLS (default 200000) getppid()
// syscalls (raw syscall(2): never cached by libc), or with `udp` sendto()s of
// a one-byte datagram from one socket to 127.0.0.1:9 (discard: nothing
// listens, loopback drops it), or with `recv` a send(2) and a recv(2) of one
// byte over a unix datagram socket pair (what a server's reads cost: recv(2)
// is recvfrom without an address), or with `exec` a fork, an exec of
// /bin/true and a wait (what the exec hook costs a program start), and prints
// the median and the minimum ns per call (per pair with `recv`, per start with
// `exec`) over the batches: "median_ns 81.2 min_ns 79.9".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

int main(int argc, char** argv) {
  const long calls = argc > 1 ? std::atol(argv[1]) : 200000;
  const int batches = argc > 2 ? std::atoi(argv[2]) : 15;
  const bool udp = argc > 3 && std::string_view(argv[3]) == "udp";
  const bool recv_pairs = argc > 3 && std::string_view(argv[3]) == "recv";
  const bool execs = argc > 3 && std::string_view(argv[3]) == "exec";
  if (calls <= 0 || batches <= 0 || (argc > 3 && !udp && !recv_pairs && !execs)) {
    std::fprintf(stderr, "usage: dw_syscall_loop [CALLS [BATCHES [udp|recv|exec]]]\n");
    return 2;
  }
  int pair[2] = {-1, -1};
  if (recv_pairs && socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) {
    std::perror("dw_syscall_loop: socketpair");
    return 1;
  }
  char byte = 0;
  sockaddr_in discard = {};
  discard.sin_family = AF_INET;
  discard.sin_port = htons(9);
  discard.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int fd = udp ? socket(AF_INET, SOCK_DGRAM, 0) : -1;
  if (udp && fd < 0) {
    std::perror("dw_syscall_loop: socket");
    return 1;
  }
  std::vector<double> ns;
  for (int b = 0; b < batches; ++b) {
    auto start = std::chrono::steady_clock::now();
    if (udp) {
      for (long i = 0; i < calls; ++i) sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&discard), sizeof(discard));
    } else if (recv_pairs) {
      for (long i = 0; i < calls; ++i) {
        if (send(pair[0], "x", 1, 0) != 1 || recv(pair[1], &byte, 1, 0) != 1) {
          std::perror("dw_syscall_loop: send/recv");
          return 1;
        }
      }
    } else if (execs) {
      for (long i = 0; i < calls; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
          execl("/bin/true", "true", static_cast<char*>(nullptr));
          _exit(127);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          std::fprintf(stderr, "dw_syscall_loop: fork, exec /bin/true or wait failed\n");
          return 1;
        }
      }
    } else {
      for (long i = 0; i < calls; ++i) syscall(SYS_getppid);
    }
    std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    ns.push_back(took.count() / static_cast<double>(calls));
  }
  std::sort(ns.begin(), ns.end());
  std::printf("median_ns %.1f min_ns %.1f\n", ns[ns.size() / 2], ns.front());
  return 0;
}
