// tools/testing/cgroup_workload.h: a bpf test's own cgroup and the programs it
// runs there. Header-only.
#ifndef DRIFTWATCH_TOOLS_TESTING_CGROUP_WORKLOAD_H_
#define DRIFTWATCH_TOOLS_TESTING_CGROUP_WORKLOAD_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "collector/cgroup.h"

namespace dw::tools::testing {

// Why a test cannot make and watch a cgroup here ("" when it can: root and a
// cgroup2 mount, whose path goes to *mount).
inline std::string CgroupTestBlocker(std::string* mount) {
  if (geteuid() != 0) return "not root";
  Result<std::string> m = collector::FindCgroup2Mount();
  if (!m) return m.error().message();
  *mount = *m;
  return "";
}

// Forks; the child joins the cgroup whose cgroup.procs file is `procs` and
// execs `argv` (exit 126: it could not join; 127: no exec). Waits for it and
// returns its pid; *status gets its wait status.
inline pid_t RunInCgroup(const std::string& procs, std::vector<std::string> argv, int* status) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(procs.c_str(), O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1) _exit(126);
    close(fd);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  waitpid(pid, status, 0);
  return pid;
}

}  // namespace dw::tools::testing

#endif  // DRIFTWATCH_TOOLS_TESTING_CGROUP_WORKLOAD_H_
