// tools/policy/seccomp_run.cc: dw-seccomp-run PROFILE.json -- CMD [ARGS...]
//
// Runs CMD under an OCI seccomp profile (the "linux.seccomp" object of the
// runtime spec, as `driftwatch export --format seccomp` writes it), so that a
// profile can be tried on a real workload without a container runtime.
// Understood: defaultAction, defaultErrnoRet, architectures, and syscalls[]
// with names, action and errnoRet. Actions: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO,
// SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP,
// SCMP_ACT_LOG. Argument conditions (syscalls[].args), unknown actions and
// syscall names libseccomp does not know are refused, so that a profile never
// loads with less meaning than it states. Sets no_new_privs, loads the
// filter, then execs CMD (the profile must allow execve).
// Exit: CMD's, or 2 for usage and profile errors, 127 when CMD cannot be exec'd.
#include <seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "collector/status.h"

namespace dw::tools {
namespace {

using Ctx = std::unique_ptr<void, decltype(&seccomp_release)>;

Status Bad(const std::string& path, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "profile " + path + ": " + what);
}

// SCMP_ACT_ERRNO uses `errno_ret`.
Result<uint32_t> Action(const std::string& path, const std::string& name, int errno_ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_ret));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  return Bad(path, "unsupported action '" + name + "'");
}

Result<int> ErrnoRet(const std::string& path, const nlohmann::json& j, const char* key, int fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number_unsigned() || j[key].get<uint64_t>() > 4095) {
    return Bad(path, std::string(key) + " must be an errno number");
  }
  return static_cast<int>(j[key].get<uint64_t>());
}

Result<Ctx> Build(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errno("open profile " + path, errno);
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = nlohmann::json::parse(buf.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Bad(path, "not a JSON object");
  if (!j.contains("defaultAction") || !j["defaultAction"].is_string()) {
    return Bad(path, "defaultAction must be a string");
  }
  ASSIGN_OR_RETURN(int default_errno, ErrnoRet(path, j, "defaultErrnoRet", EPERM));
  ASSIGN_OR_RETURN(uint32_t default_action,
                   Action(path, j["defaultAction"].get<std::string>(), default_errno));
  Ctx ctx(seccomp_init(default_action), seccomp_release);
  if (!ctx) return Bad(path, "seccomp_init failed");
  if (j.contains("architectures")) {
    if (!j["architectures"].is_array()) return Bad(path, "architectures must be a list");
    for (const auto& a : j["architectures"]) {
      if (!a.is_string()) return Bad(path, "architectures must be strings");
      std::string name = a.get<std::string>();
      if (name.rfind("SCMP_ARCH_", 0) != 0) return Bad(path, "unknown architecture '" + name + "'");
      std::string lower = name.substr(10);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
      if (arch == 0) return Bad(path, "unknown architecture '" + name + "'");
      int rc = seccomp_arch_add(ctx.get(), arch);
      if (rc != 0 && rc != -EEXIST) return Bad(path, "add architecture " + name + ": " + std::strerror(-rc));
    }
  }
  if (j.contains("syscalls")) {
    if (!j["syscalls"].is_array()) return Bad(path, "syscalls must be a list");
    for (size_t i = 0; i < j["syscalls"].size(); ++i) {
      const auto& s = j["syscalls"][i];
      const std::string where = "syscalls[" + std::to_string(i) + "]";
      if (!s.is_object() || !s.contains("names") || !s["names"].is_array() || !s.contains("action") ||
          !s["action"].is_string()) {
        return Bad(path, where + " needs names (a list) and action");
      }
      if (s.contains("args") && !s["args"].is_null() && !s["args"].empty()) {
        return Bad(path, where + ": argument conditions (args) are not supported");
      }
      ASSIGN_OR_RETURN(int err, ErrnoRet(path, s, "errnoRet", default_errno));
      ASSIGN_OR_RETURN(uint32_t action, Action(path, s["action"].get<std::string>(), err));
      for (const auto& n : s["names"]) {
        if (!n.is_string()) return Bad(path, where + ": names must be strings");
        const std::string name = n.get<std::string>();
        int nr = seccomp_syscall_resolve_name(name.c_str());
        if (nr == __NR_SCMP_ERROR) return Bad(path, where + ": unknown syscall '" + name + "'");
        if (action == default_action) continue;  // libseccomp refuses rules that repeat the default
        int rc = seccomp_rule_add(ctx.get(), action, nr, 0);
        if (rc != 0) return Bad(path, where + ": add rule for " + name + ": " + std::strerror(-rc));
      }
    }
  }
  return ctx;
}

int Main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[2], "--") != 0) {
    std::fprintf(stderr, "usage: dw-seccomp-run PROFILE.json -- CMD [ARGS...]\n");
    return 2;
  }
  Result<Ctx> ctx = Build(argv[1]);
  if (!ctx) {
    std::fprintf(stderr, "dw-seccomp-run: %s\n", ctx.error().message().c_str());
    return 2;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    std::fprintf(stderr, "dw-seccomp-run: set no_new_privs: %s\n", std::strerror(errno));
    return 2;
  }
  if (int rc = seccomp_load(ctx->get()); rc != 0) {
    std::fprintf(stderr, "dw-seccomp-run: load the seccomp filter: %s\n", std::strerror(-rc));
    return 2;
  }
  execvp(argv[3], argv + 3);
  std::fprintf(stderr, "dw-seccomp-run: exec %s: %s\n", argv[3], std::strerror(errno));
  return 127;
}

}  // namespace
}  // namespace dw::tools

int main(int argc, char** argv) { return dw::tools::Main(argc, argv); }
