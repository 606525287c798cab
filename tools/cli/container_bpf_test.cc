// tools/cli/container_bpf_test.cc: a finding names the real container it came
// from. podman (with runc, cgroupfs) runs an image imported from a root
// filesystem built here out of a few host binaries; `driftwatch train --live`
// learns the container's loop, `driftwatch detect --live` sees it run a new
// executable, and the finding (printed, and read back from the database)
// carries the container's name, image, runtime and the node. Needs root, BPF,
// podman and runc (tools/scripts/install-deps.sh); skips with the reason otherwise
// (DW_REQUIRE_BPF=1 makes that a failure, as in CI). Removes its container,
// image and files.
#include <fcntl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collector/cgroup.h"
#include "tools/testing/bpf_gate.h"
#include "tools/testing/process.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using tools::testing::Slurp;

// Runs `command` with /bin/sh; its exit code, stdout in `out` (stderr too).
int Shell(const std::string& command, std::string* out = nullptr) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) text.append(buf, n);
  int status = pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// A root filesystem of host binaries and the libraries they load.
constexpr char kMakeRootfs[] = R"sh(
set -e
root="$1/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/trigger"
for b in sh cat sleep uname; do
  src=$(command -v "$b")
  cp -L "$src" "$root/bin/$b"
  for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -Ln "$lib" "$root$lib"
  done
done
echo 'NAME=driftwatch-test' > "$root/etc/os-release"
tar -C "$root" -cf "$1/rootfs.tar" .
)sh";

constexpr char kPodman[] = "podman --runtime runc --cgroup-manager=cgroupfs";

class ContainerBpfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (geteuid() != 0) why = "not root";
    Result<std::string> mount = collector::FindCgroup2Mount();
    if (why.empty() && !mount) why = mount.error().message();
    if (why.empty() && (Shell("command -v podman") != 0 || Shell("command -v runc") != 0)) {
      why = "podman and runc are not installed (tools/scripts/install-deps.sh)";
    }
    DW_SKIP_WITHOUT_BPF(why, "sudo ctest --test-dir build -L bpf");
    name_ = "dwtest-" + std::to_string(getpid());
    image_ = "localhost/" + name_ + ":v1";
    tmp_ = (fs::temp_directory_path() / name_).string();
    fs::create_directories(tmp_);
  }

  void TearDown() override {
    if (name_.empty()) return;
    Shell(std::string(kPodman) + " rm -f -t 0 " + name_);
    Shell("podman rmi -f " + image_);
    // podman (cgroupfs) leaves its parent cgroups behind; rmdir removes them
    // only when no other container uses them.
    Shell("for d in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent; do "
          "[ -d \"$d\" ] && rmdir \"$d/conmon\" \"$d\"; done 2>/dev/null");
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  // Starts driftwatch with `args`, stdout to `out`, stderr to `err`; returns
  // its pid once it printed "ready:" (or -1 when it exited first).
  pid_t StartDriftwatch(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
    std::vector<std::string> all = {DW_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    tools::testing::ProcessOptions options;
    options.stdout_path = out;
    options.stderr_path = err;
    return tools::testing::StartUntil(std::move(all), options, "ready:");
  }

  static int Wait(pid_t pid) { return tools::testing::WaitProcess(pid); }

  std::string name_, image_, tmp_;
};

TEST_F(ContainerBpfTest, FindingNamesThePodmanContainerAndItsImage) {
  std::string out;
  std::ofstream(tmp_ + "/make-rootfs.sh") << kMakeRootfs;
  ASSERT_EQ(Shell("sh " + tmp_ + "/make-rootfs.sh " + tmp_, &out), 0) << out;
  ASSERT_EQ(Shell("podman import " + tmp_ + "/rootfs.tar " + image_, &out), 0) << out;
  fs::create_directories(tmp_ + "/trigger");
  // Reads a file every 0.2 s; once /trigger/go exists, also runs uname: an
  // executable the baseline never saw.
  const std::string loop =
      "while true; do cat /etc/os-release >/dev/null; "
      "if [ -e /trigger/go ]; then uname -a >/dev/null; fi; sleep 0.2; done";
  const std::string run = std::string(kPodman) + " run -d --name " + name_ +
                          " --network none --ulimit nofile=1024:20000 --ulimit nproc=512:512 -v " + tmp_ +
                          "/trigger:/trigger " + image_ + " /bin/sh -c '" + loop + "'";
  // Runs the container; its id and cgroup path.
  auto start = [&](std::string* id, std::string* cgroup) {
    std::string o;
    ASSERT_EQ(Shell(run, &o), 0) << o;
    *id = o.substr(0, o.find_last_not_of("\n") + 1);
    ASSERT_EQ(Shell(std::string(kPodman) + " inspect -f '{{.State.Pid}}' " + name_, &o), 0) << o;
    Result<std::string> path = collector::CgroupPathOfPid(static_cast<uint32_t>(std::stoul(o)));
    ASSERT_TRUE(path) << path.error().message();
    ASSERT_NE(path->find(*id), std::string::npos) << *path << " is not container " << *id << "'s cgroup";
    *cgroup = *path;
  };
  std::string id, cgroup;
  ASSERT_NO_FATAL_FAILURE(start(&id, &cgroup));

  const std::string db = tmp_ + "/dw.db";
  pid_t train = StartDriftwatch({"train", "--db", db, "--live", "--cgroup", cgroup, "--duration", "4"},
                                tmp_ + "/train.out", tmp_ + "/train.err");
  ASSERT_GT(train, 0) << Slurp(tmp_ + "/train.err");
  ASSERT_EQ(Wait(train), 0) << Slurp(tmp_ + "/train.err");

  pid_t detect = StartDriftwatch(
      {"detect", "--db", db, "--live", "--cgroup", cgroup, "--duration", "4", "--format", "jsonl"},
      tmp_ + "/detect.out", tmp_ + "/detect.err");
  ASSERT_GT(detect, 0) << Slurp(tmp_ + "/detect.err");
  std::ofstream(tmp_ + "/trigger/go") << "go\n";
  ASSERT_EQ(Wait(detect), 0) << Slurp(tmp_ + "/detect.err");

  struct utsname u;
  ASSERT_EQ(uname(&u), 0);
  nlohmann::json want = {{"node", u.nodename},
                         {"runtime", "podman"},
                         {"container",
                          {{"id", id},
                           {"name", name_},
                           {"image", image_},
                           {"repository", "localhost/" + name_},
                           {"tag", "v1"}}}};
  // The exec finding, as printed and as stored.
  auto uname_finding = [](const std::string& jsonl) {
    std::istringstream lines(jsonl);
    for (std::string line; std::getline(lines, line);) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("kind", "") == "exec" && j.value("subject", "").ends_with("/uname")) return j;
    }
    return nlohmann::json();
  };
  const std::string printed = Slurp(tmp_ + "/detect.out");
  nlohmann::json f = uname_finding(printed);
  ASSERT_TRUE(f.is_object()) << "no exec finding for uname in:\n" << printed << Slurp(tmp_ + "/detect.err");
  EXPECT_EQ(f["context"], want) << f.dump();
  // Named by the container's name, not its id.
  EXPECT_EQ(f.value("workload", ""), "podman/" + name_) << f.dump();

  ASSERT_EQ(Shell(std::string(DW_BINARY) + " findings --db " + db + " --format jsonl 2>/dev/null", &out), 0);
  nlohmann::json stored = uname_finding(out);
  ASSERT_TRUE(stored.is_object()) << out;
  EXPECT_EQ(stored["context"], want) << stored.dump();
  ASSERT_EQ(Shell(std::string(DW_BINARY) + " findings --db " + db + " --format text 2>/dev/null", &out), 0);
  EXPECT_NE(out.find("podman container " + name_ + " image " + image_), std::string::npos) << out;

  // The container recreated under its name (a new id and cgroup, as `run
  // --rm`, `--replace` or an image update make) is the same workload: its
  // events are scored against the baseline trained on the first one, so
  // uname is an exec finding again and nothing is unprofiled.
  ASSERT_EQ(Shell(std::string(kPodman) + " rm -f -t 0 " + name_, &out), 0) << out;
  std::string id2, cgroup2;
  ASSERT_NO_FATAL_FAILURE(start(&id2, &cgroup2));
  ASSERT_NE(id2, id);
  detect = StartDriftwatch(
      {"detect", "--db", db, "--live", "--cgroup", cgroup2, "--duration", "4", "--format", "jsonl"},
      tmp_ + "/detect2.out", tmp_ + "/detect2.err");
  ASSERT_GT(detect, 0) << Slurp(tmp_ + "/detect2.err");
  ASSERT_EQ(Wait(detect), 0) << Slurp(tmp_ + "/detect2.err");
  const std::string printed2 = Slurp(tmp_ + "/detect2.out");
  nlohmann::json f2 = uname_finding(printed2);
  ASSERT_TRUE(f2.is_object()) << "no exec finding for uname in:\n" << printed2 << Slurp(tmp_ + "/detect2.err");
  EXPECT_EQ(f2.value("workload", ""), "podman/" + name_) << f2.dump();
  EXPECT_EQ(f2["context"]["container"]["id"], id2) << f2.dump();
  EXPECT_EQ(printed2.find("\"kind\":\"unprofiled\""), std::string::npos) << printed2;
}

}  // namespace
}  // namespace dw
