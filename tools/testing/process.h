// tools/testing/process.h: runs a program the way the tests of the real
// binaries need it: fork, optionally join a cgroup, drop to nobody or limit
// the file size, exec, and capture stdout, stderr and how it ended. The one
// copy of fork/exec/capture for every test that runs driftwatch,
// dw-seccomp-run or the test workload, and the small file helpers they share.
// Test-only (reports through GoogleTest).
#ifndef DRIFTWATCH_TOOLS_TESTING_PROCESS_H_
#define DRIFTWATCH_TOOLS_TESTING_PROCESS_H_

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <optional>
#include <string>
#include <vector>

namespace dw::tools::testing {

inline constexpr uid_t kNobody = 65534;  // the unprivileged user as_nobody runs as

struct ProcessOptions {
  bool as_nobody = false;                 // drop to uid/gid 65534 before exec (when root)
  std::optional<rlim_t> file_size_limit;  // RLIMIT_FSIZE of the child, in bytes
  std::string cgroup;                     // a cgroup directory the child joins first ("" = none)
  std::chrono::milliseconds timeout = std::chrono::seconds(60);  // RunProcess kills it after this
  // StartProcess only: where stdout and stderr go ("" = /dev/null).
  std::string stdout_path;
  std::string stderr_path;
};

struct ProcessResult {
  std::string command_line;  // argv joined by spaces, for messages
  int exit_code = -1;        // -1 unless the program exited
  int signal = 0;            // the signal that ended it, 0 if none
  bool timed_out = false;
  std::string out;
  std::string err;
  // The exit code, or 128 + the signal, as a shell reports it.
  int status() const { return exit_code >= 0 ? exit_code : 128 + signal; }
};

namespace internal {

// Writes `msg` to stderr and exits 125: for the child between fork and exec,
// where only async-signal-safe calls are allowed.
[[noreturn]] inline void ChildFail(const char* msg) {
  ssize_t ignored = write(2, msg, std::strlen(msg));
  (void)ignored;
  _exit(125);
}

// In the child: stdin from /dev/null, stdout and stderr to `out` and `err`,
// the options applied, then exec. Never returns.
[[noreturn]] inline void ExecChild(std::vector<char*>& argv, const ProcessOptions& options, int out, int err,
                                   bool drop) {
  int null = open("/dev/null", O_RDONLY);
  if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    ChildFail("child: redirect failed\n");
  }
  if (!options.cgroup.empty()) {
    const std::string procs = options.cgroup + "/cgroup.procs";
    int fd = open(procs.c_str(), O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1) ChildFail("child: joining the cgroup failed\n");
    close(fd);
  }
  if (options.file_size_limit) {
    struct rlimit limit = {*options.file_size_limit, *options.file_size_limit};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) ChildFail("child: setrlimit failed\n");
  }
  if (drop && (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
               setresuid(kNobody, kNobody, kNobody) != 0)) {
    ChildFail("child: dropping privileges failed\n");
  }
  execv(argv[0], argv.data());
  ChildFail("child: exec failed\n");
}

inline std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

inline std::string CommandLine(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace internal

// The bytes of the file at `path`; nullopt when it cannot be opened.
inline std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Replaces the file at `path` with `bytes`.
inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The whole file at `path`; "" when it cannot be read.
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Waits for `pid`: its exit code, or 128 + the signal that ended it.
inline int WaitProcess(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs `args` (args[0] a path) to its end, capturing stdout and stderr; kills
// it after options.timeout.
inline ProcessResult RunProcess(std::vector<std::string> args, const ProcessOptions& options = {}) {
  using namespace std::chrono_literals;
  ProcessResult r;
  r.command_line = internal::CommandLine(args);
  std::vector<char*> argv = internal::Argv(args);
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return r;
  }
  const bool drop = options.as_nobody && geteuid() == 0;
  pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return r;
  }
  if (pid == 0) internal::ExecChild(argv, options, out_pipe[1], err_pipe[1], drop);
  close(out_pipe[1]);
  close(err_pipe[1]);

  std::string* sinks[2] = {&r.out, &r.err};
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "poll: " << std::strerror(errno);
      kill(pid, SIGKILL);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// Starts `args` in the background, stdout and stderr to options.stdout_path
// and options.stderr_path; returns its pid (WaitProcess() it), or -1.
inline pid_t StartProcess(std::vector<std::string> args, const ProcessOptions& options = {}) {
  std::vector<char*> argv = internal::Argv(args);
  auto open_out = [](const std::string& path) {
    return open(path.empty() ? "/dev/null" : path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  };
  int out = open_out(options.stdout_path);
  int err = open_out(options.stderr_path);
  if (out < 0 || err < 0) {
    ADD_FAILURE() << "open the output files of " << internal::CommandLine(args) << ": " << std::strerror(errno);
    if (out >= 0) close(out);
    if (err >= 0) close(err);
    return -1;
  }
  const bool drop = options.as_nobody && geteuid() == 0;
  pid_t pid = fork();
  if (pid == 0) internal::ExecChild(argv, options, out, err, drop);
  close(out);
  close(err);
  if (pid < 0) ADD_FAILURE() << "fork: " << std::strerror(errno);
  return pid;
}

// Starts `args` like StartProcess() and waits until its stderr file
// (options.stderr_path, required) holds `marker` ("ready:" for driftwatch's
// live commands) or `timeout` passed; -1 when it exited first.
inline pid_t StartUntil(std::vector<std::string> args, const ProcessOptions& options, const std::string& marker,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  pid_t pid = StartProcess(std::move(args), options);
  if (pid < 0) return pid;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Slurp(options.stderr_path).find(marker) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pid;
}

}  // namespace dw::tools::testing

#endif  // DRIFTWATCH_TOOLS_TESTING_PROCESS_H_
