// tools/testing/dw_test_workload.cc: a tiny real workload for the bpf tests and the demo.
//
// Performs the actions given on its command line, in order:
//   --open PATH         open PATH read-only and close it
//   --write PATH        open PATH for writing (create) and write a line
//   --open-forms DIR    every open syscall and argument form, in DIR (which
//                       must exist): creat("DIR/creat"); open("DIR/open",
//                       O_WRONLY|O_CREAT) (x86-64: the legacy syscall);
//                       openat(DIR fd, "creat", O_RDONLY);
//                       openat2(DIR fd, "openat2", O_RDWR|O_CREAT); and two
//                       that fail: openat(DIR fd, "missing-at") and, after
//                       chdir(DIR), open("missing-cwd") relative to the cwd
//   --serve PORT        listen on 127.0.0.1:PORT, connect to it, accept, close
//   --serve-reset PORT  the same, but the client resets the connection (close
//                       with a zero linger) before the server accepts it
//   --connect PORT      connect to 127.0.0.1:PORT and close
//   --connect-to A:PORT connect to the IPv4 address A, port PORT, and close
//   --connect-unix PATH connect a stream socket to the unix socket PATH
//                       ("@NAME": the abstract NAME) and close; a refused or
//                       missing socket is no failure (the attempt is the point)
//   --dns NAME          send a DNS query (type A) for NAME over UDP to
//                       127.0.0.1:53 (no answer is awaited)
//   --udp-send A:PORT   send two datagrams to the IPv4 address A, port PORT,
//                       with sendto from one socket the kernel gives a port
//   --udp-connect A:PORT  connect a UDP socket to A:PORT and write(2) a
//                       datagram (the write is not hooked: the connect is)
//   --udp-serve PORT    bind a UDP socket to 127.0.0.1:PORT; a second socket
//                       sends it a datagram, which it answers twice with
//                       sendto (a server's reply to a client of PORT)
//   --udp-collect PORT  bind a UDP socket to 127.0.0.1:PORT that only
//                       receives (a log collector): sockets from 127.0.0.1,
//                       127.0.0.2 and 127.0.0.3 send it a datagram each; it
//                       reads the first with recvfrom, the second with
//                       recvmsg (both asking the sender), the third with recv
//                       (not asking), and answers none
//   --udp-collect-batch PORT  the same collector, but 127.0.0.4, .5 and .6
//                       send it a datagram each and it reads all three with
//                       one recvmmsg (as rsyslog's imudp does)
//   --serve-forever PORT  listen on 127.0.0.1:PORT and accept and close connections until killed
//   --spawn PATH        fork, exec PATH with no arguments, wait
//   --shell CMD         fork, exec /bin/sh -c CMD, wait (a command injection)
//   --sleep MS          sleep
//   --syscall NAME      make one harmless syscall a plain program rarely makes,
//                       for syscall baselines: personality (a query,
//                       personality(0xffffffff): changes nothing), unshare
//                       (with no flags: changes nothing), getcpu (which CPU
//                       runs us), sched_getaffinity (our CPU mask)
// Exits 0 when every action succeeded, 1 otherwise (with a line on stderr).
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "collector/testing/records.h"
#include "tools/testing/unix_address.h"

namespace {

int Fail(const char* what, const std::string& arg) {
  std::fprintf(stderr, "dw_test_workload: %s %s: %s\n", what, arg.c_str(), std::strerror(errno));
  return 1;
}

sockaddr_in Loopback(int port) {
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Loopback(port);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return -1;
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string op = argv[i], arg = argv[i + 1];
    if (op == "--open") {
      int fd = open(arg.c_str(), O_RDONLY);
      if (fd < 0) return Fail("open", arg);
      close(fd);
    } else if (op == "--write") {
      int fd = open(arg.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd < 0 || write(fd, "x\n", 2) != 2) return Fail("write", arg);
      close(fd);
    } else if (op == "--open-forms") {
      int dir = open(arg.c_str(), O_RDONLY | O_DIRECTORY);
      if (dir < 0) return Fail("open directory", arg);
      int fd = creat((arg + "/creat").c_str(), 0644);
      if (fd < 0) return Fail("creat", arg);
      close(fd);
#ifdef SYS_open
      fd = static_cast<int>(syscall(SYS_open, (arg + "/open").c_str(), O_WRONLY | O_CREAT, 0644));
#else
      fd = openat(AT_FDCWD, (arg + "/open").c_str(), O_WRONLY | O_CREAT, 0644);
#endif
      if (fd < 0) return Fail("open", arg);
      close(fd);
      fd = openat(dir, "creat", O_RDONLY);
      if (fd < 0) return Fail("openat", arg);
      close(fd);
      open_how how = {};
      how.flags = O_RDWR | O_CREAT;
      how.mode = 0644;
      fd = static_cast<int>(syscall(SYS_openat2, dir, "openat2", &how, sizeof(how)));
      if (fd < 0) return Fail("openat2", arg);
      close(fd);
      if (openat(dir, "missing-at", O_RDONLY) >= 0 || chdir(arg.c_str()) != 0) return Fail("openat missing", arg);
#ifdef SYS_open
      fd = static_cast<int>(syscall(SYS_open, "missing-cwd", O_RDONLY));
#else
      fd = openat(AT_FDCWD, "missing-cwd", O_RDONLY);
#endif
      if (fd >= 0) return Fail("open missing", arg);
      close(dir);
    } else if (op == "--serve" || op == "--serve-reset") {
      int port = std::atoi(arg.c_str());
      int ls = socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in a = Loopback(port);
      if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(ls, 4) != 0) {
        return Fail("listen", arg);
      }
      int c = Connect(port);
      if (c < 0) return Fail("connect", arg);
      if (op == "--serve-reset") {
        linger reset = {1, 0};
        if (setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)) != 0) return Fail("linger", arg);
        close(c);
        c = -1;
        usleep(20000);  // the reset reaches the queued connection
      }
      int s = accept(ls, nullptr, nullptr);
      if (s < 0) return Fail("accept", arg);
      close(s);
      if (c >= 0) close(c);
      close(ls);
    } else if (op == "--serve-forever") {
      int ls = socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in a = Loopback(std::atoi(arg.c_str()));
      if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(ls, 16) != 0) {
        return Fail("listen", arg);
      }
      for (;;) {
        int s = accept(ls, nullptr, nullptr);
        if (s >= 0) close(s);
      }
    } else if (op == "--connect") {
      int c = Connect(std::atoi(arg.c_str()));
      if (c < 0) return Fail("connect", arg);
      close(c);
    } else if (op == "--connect-to") {
      const size_t colon = arg.rfind(':');
      sockaddr_in a = Loopback(colon == std::string::npos ? 0 : std::atoi(arg.c_str() + colon + 1));
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (colon == std::string::npos || inet_pton(AF_INET, arg.substr(0, colon).c_str(), &a.sin_addr) != 1 ||
          fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        return Fail("connect-to", arg);
      }
      close(fd);
    } else if (op == "--connect-unix") {
      sockaddr_un a;
      const socklen_t len = dw::tools::testing::UnixAddress(arg, &a);
      if (len == 0) return Fail("connect-unix", arg);
      int fd = socket(AF_UNIX, SOCK_STREAM, 0);
      if (fd < 0) return Fail("connect-unix", arg);
      (void)connect(fd, reinterpret_cast<sockaddr*>(&a), len);
      close(fd);
    } else if (op == "--dns") {
      const std::string q = dw::collector::testing::DnsQueryMessage(arg);
      int fd = socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in a = Loopback(53);
      if (fd < 0 || sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
        return Fail("dns", arg);
      }
      close(fd);
    } else if (op == "--udp-send" || op == "--udp-connect") {
      const size_t colon = arg.rfind(':');
      sockaddr_in a = Loopback(colon == std::string::npos ? 0 : std::atoi(arg.c_str() + colon + 1));
      int fd = socket(AF_INET, SOCK_DGRAM, 0);
      if (colon == std::string::npos || inet_pton(AF_INET, arg.substr(0, colon).c_str(), &a.sin_addr) != 1 ||
          fd < 0) {
        return Fail(op.c_str() + 2, arg);
      }
      const auto* to = reinterpret_cast<sockaddr*>(&a);
      const bool sent = op == "--udp-send"
                            ? sendto(fd, "1", 1, 0, to, sizeof(a)) == 1 && sendto(fd, "2", 1, 0, to, sizeof(a)) == 1
                            : connect(fd, to, sizeof(a)) == 0 && write(fd, "1", 1) == 1;
      close(fd);
      if (!sent) return Fail(op.c_str() + 2, arg);
    } else if (op == "--udp-serve") {
      sockaddr_in a = Loopback(std::atoi(arg.c_str()));
      int server = socket(AF_INET, SOCK_DGRAM, 0);
      int client = socket(AF_INET, SOCK_DGRAM, 0);
      char buf[16];
      sockaddr_in from = {};
      socklen_t from_len = sizeof(from);
      const bool served =
          server >= 0 && client >= 0 && bind(server, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
          sendto(client, "q", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 1 &&
          recvfrom(server, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len) == 1 &&
          sendto(server, "a", 1, 0, reinterpret_cast<sockaddr*>(&from), from_len) == 1 &&
          sendto(server, "b", 1, 0, reinterpret_cast<sockaddr*>(&from), from_len) == 1;
      close(server);
      close(client);
      if (!served) return Fail("udp-serve", arg);
    } else if (op == "--udp-collect") {
      sockaddr_in a = Loopback(std::atoi(arg.c_str()));
      sockaddr_in second = Loopback(0);
      second.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
      sockaddr_in third = Loopback(0);
      third.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 2);
      int server = socket(AF_INET, SOCK_DGRAM, 0);
      int one = socket(AF_INET, SOCK_DGRAM, 0);
      int two = socket(AF_INET, SOCK_DGRAM, 0);
      int three = socket(AF_INET, SOCK_DGRAM, 0);
      char buf[16];
      sockaddr_in from = {};
      socklen_t from_len = sizeof(from);
      iovec iov = {buf, sizeof(buf)};
      msghdr msg = {};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof(from);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      const bool collected =
          server >= 0 && one >= 0 && two >= 0 && three >= 0 &&
          bind(server, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
          bind(two, reinterpret_cast<sockaddr*>(&second), sizeof(second)) == 0 &&
          bind(three, reinterpret_cast<sockaddr*>(&third), sizeof(third)) == 0 &&
          sendto(one, "1", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 1 &&
          recvfrom(server, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len) == 1 &&
          sendto(two, "2", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 1 && recvmsg(server, &msg, 0) == 1 &&
          sendto(three, "3", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 1 &&
          recv(server, buf, sizeof(buf), 0) == 1;
      close(server);
      close(one);
      close(two);
      close(three);
      if (!collected) return Fail("udp-collect", arg);
    } else if (op == "--udp-collect-batch") {
      sockaddr_in a = Loopback(std::atoi(arg.c_str()));
      int server = socket(AF_INET, SOCK_DGRAM, 0);
      bool collected = server >= 0 && bind(server, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
      for (uint32_t host = 4; collected && host <= 6; ++host) {
        sockaddr_in from = Loopback(0);
        from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + host - 1);
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        collected = s >= 0 && bind(s, reinterpret_cast<sockaddr*>(&from), sizeof(from)) == 0 &&
                    sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 1;
        if (s >= 0) close(s);
      }
      char bufs[3][16];
      sockaddr_in froms[3] = {};
      iovec iovs[3];
      mmsghdr msgs[3] = {};
      for (int k = 0; k < 3; ++k) {
        iovs[k] = {bufs[k], sizeof(bufs[k])};
        msgs[k].msg_hdr.msg_name = &froms[k];
        msgs[k].msg_hdr.msg_namelen = sizeof(froms[k]);
        msgs[k].msg_hdr.msg_iov = &iovs[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
      }
      collected = collected && recvmmsg(server, msgs, 3, 0, nullptr) == 3;
      if (server >= 0) close(server);
      if (!collected) return Fail("udp-collect-batch", arg);
    } else if (op == "--spawn" || op == "--shell") {
      pid_t pid = fork();
      if (pid == 0) {
        if (op == "--shell") {
          execl("/bin/sh", "sh", "-c", arg.c_str(), static_cast<char*>(nullptr));
        } else {
          execl(arg.c_str(), arg.c_str(), static_cast<char*>(nullptr));
        }
        _exit(127);
      }
      int status = 0;
      if (pid < 0 || waitpid(pid, &status, 0) != pid) return Fail("spawn", arg);
      if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) return Fail("exec", arg);
    } else if (op == "--syscall") {
      // Raw syscall(): the exact syscall, whatever the libc wrapper does.
      long r = -1;
      if (arg == "personality") {
        r = syscall(SYS_personality, 0xffffffffUL);
      } else if (arg == "unshare") {
        r = syscall(SYS_unshare, 0);  // no flags: nothing changes
      } else if (arg == "getcpu") {
        unsigned cpu = 0, node = 0;
        r = syscall(SYS_getcpu, &cpu, &node, nullptr);
      } else if (arg == "sched_getaffinity") {
        cpu_set_t set;
        r = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
      } else {
        std::fprintf(stderr, "dw_test_workload: unknown syscall %s\n", arg.c_str());
        return 2;
      }
      if (r < 0) return Fail("syscall", arg);
    } else if (op == "--sleep") {
      usleep(static_cast<useconds_t>(std::atoi(arg.c_str())) * 1000);
    } else {
      std::fprintf(stderr, "dw_test_workload: unknown action %s\n", op.c_str());
      return 2;
    }
  }
  return 0;
}
