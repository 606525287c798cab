// tools/policy/seccomp_run_test.cc: dw-seccomp-run with real programs (no BPF needed):
// a workload runs normally under an exported default-deny profile that lists
// its syscalls, and a syscall outside the profile is refused with EPERM.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

#include "tools/policy/export.h"

namespace dw::tools {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string err;
};

std::string Dir() {
  static std::string d = [] {
    auto p = fs::temp_directory_path() / ("dw-seccomp-test-" + std::to_string(getpid()));
    fs::create_directories(p);
    return p.string();
  }();
  return d;
}

std::string Write(const std::string& name, const std::string& text) {
  std::string path = Dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// One personality(0xffffffff) query: the syscall outside the profiles.
const std::string kPersonality = std::string(DW_TEST_WORKLOAD) + " --syscall personality";

Outcome Launch(const std::string& profile, const std::string& cmd) {
  std::string err = Dir() + "/stderr";
  int status = std::system((std::string(DW_SECCOMP_RUN) + " " + profile + " -- " + cmd + " 2>" + err).c_str());
  std::ifstream in(err);
  std::stringstream buf;
  buf << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, buf.str()};
}

// What a dynamically linked C++ program like dw_test_workload needs for
// --open, --write and --serve: what syscall training would learn from it.
const char* kLearned[] = {
    "access", "accept", "accept4", "arch_prctl", "bind", "brk", "clock_nanosleep", "close", "connect",
    "exit", "exit_group", "fcntl", "fstat", "futex", "getpid", "getrandom", "getsockname", "ioctl",
    "listen", "lseek", "mmap", "mprotect", "munmap", "newfstatat", "openat", "pread64", "prlimit64",
    "read", "readlink", "rseq", "rt_sigaction", "rt_sigprocmask", "set_robust_list", "set_tid_address",
    "setsockopt", "socket", "statx", "uname", "write", "getuid", "geteuid", "getgid", "getegid"};

TEST(SeccompRunTest, AllowAllButPersonality) {
  std::string profile = Write("deny-personality.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})");
  Outcome ok = Launch(profile, std::string(DW_TEST_WORKLOAD) + " --open /etc/hostname");
  EXPECT_EQ(ok.code, 0) << ok.err;
  Outcome refused = Launch(profile, kPersonality);
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("syscall personality: Operation not permitted"), std::string::npos) << refused.err;
  // Without the profile the same call works.
  EXPECT_EQ(std::system(kPersonality.c_str()), 0);
}

TEST(SeccompRunTest, ExportedDefaultDenyProfileRunsTheWorkload) {
  model::Fingerprint fp;
  fp.workload = "dw-test/app";
  for (const char* s : kLearned) fp.syscalls[s] = model::ItemStats{1, 1, 1, 1, 0, 1};
  fp.syscall_arch = "x86_64";
  auto doc = ExportSeccomp(fp, {"dw-test/app", 1, 1, "stable", "test.db"});
  ASSERT_TRUE(doc) << doc.error().message();
  std::string profile = Write("exported.json", *doc);
  const std::string data = Dir() + "/data.txt";
  const std::string port = std::to_string(20000 + getpid() % 20000);
  Outcome ok = Launch(profile, std::string(DW_TEST_WORKLOAD) + " --open /etc/hostname --write " + data +
                                   " --serve " + port);
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(data));
  Outcome refused = Launch(profile, kPersonality);
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("syscall personality: Operation not permitted"), std::string::npos) << refused.err;
}

TEST(SeccompRunTest, BadProfilesAreRefusedWithOneLine) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"not json", "not a JSON object"},
      {R"({"syscalls": []})", "defaultAction must be a string"},
      {R"({"defaultAction": "SCMP_ACT_NOPE"})", "unsupported action 'SCMP_ACT_NOPE'"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["execve", "no_such_call"],
          "action": "SCMP_ACT_ALLOW"}]})", "syscalls[0]: unknown syscall 'no_such_call'"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_VAX"]})", "unknown architecture"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]})", "args"},
  };
  for (const auto& c : cases) {
    Outcome r = Launch(Write("bad.json", c.text), "/bin/true");
    EXPECT_EQ(r.code, 2) << c.text;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  Outcome missing = Launch(Dir() + "/missing.json", "/bin/true");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;
  EXPECT_EQ(WEXITSTATUS(std::system((std::string(DW_SECCOMP_RUN) + " x.json /bin/true 2>/dev/null").c_str())), 2);
}

// Removes the temporary directory after the last test.
class Cleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(Dir(), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

}  // namespace
}  // namespace dw::tools
