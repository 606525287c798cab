// tools/e2e_bpf_test.cc: the real BPF programs against real processes in a fresh cgroup.
//
// Loads the programs, runs tools/testing/dw_test_workload in a test cgroup,
// checks the exact exec, open, listen, connect and accept events and their
// workload; then trains a fingerprint (stored in a real SQLite database) and
// checks that a run doing one new thing of each kind yields exactly those
// three findings; that intruders' techniques run for real are found at their
// catalogue floor; that a connect right after a query for a learned DNS
// name reaches a known service at another address; and that UDP flows come
// once per process, in their direction, and a new one is a finding. Needs root; skips with the reason otherwise (set
// DW_REQUIRE_BPF=1 to make that a failure, as CI does).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>

#include "collector/bpf_source.h"
#include "collector/cgroup.h"
#include "collector/pipeline.h"
#include "model/detector.h"
#include "profiler/profiler.h"
#include "store/store.h"
#include "tools/packages.h"
#include "tools/testing/live_bpf.h"
#include "tools/testing/ports.h"
#include "tools/testing/unix_address.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// What the test asserts of an event: the fields a workload determines.
struct Seen {
  EventKind kind;
  std::string workload;
  uint32_t pid = 0;
  std::string path;                 // exec, open
  std::vector<std::string> argv;    // exec
  std::string parent_exe;           // exec
  uint8_t access = 0;               // open
  std::string peer;                 // connect, accept: "addr:port"
  uint16_t local_port = 0;          // accept, listen
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  os << EventKindName(s.kind) << " workload=" << s.workload << " pid=" << s.pid << " path=" << s.path
     << " argv=[";
  for (const auto& a : s.argv) os << a << ",";
  return os << "] parent=" << s.parent_exe << " access=" << int(s.access) << " peer=" << s.peer
            << " local_port=" << s.local_port;
}

Seen Project(const Event& e) {
  Seen s{e.kind, e.workload, e.pid};
  switch (e.kind) {
    case EventKind::kExec:
      s.path = e.path;
      s.argv = e.argv;
      s.parent_exe = e.process.parent_exe;
      break;
    case EventKind::kOpen:
      s.path = e.path;
      s.access = e.access;
      break;
    case EventKind::kConnect:
      s.peer = e.peer.ToString();
      break;
    case EventKind::kAccept:
      s.peer = e.peer.AddressString();  // the client's port is ephemeral
      s.local_port = e.local.port;
      break;
    case EventKind::kListen:
      s.local_port = e.local.port;
      break;
    default:
      break;
  }
  return s;
}

using tools::testing::FreeLoopbackPort;

class E2eBpfTest : public tools::testing::LiveBpfTest {
 protected:
  void SetUp() override { Open({.prefix = "dwtest", .app_cgroup = true}); }

  // Runs the workload binary with `args` inside the app cgroup; returns its
  // pid once its exit event has been seen.
  uint32_t RunWorkload(const std::vector<std::string>& args) {
    std::vector<std::string> all = {DW_TEST_WORKLOAD};
    all.insert(all.end(), args.begin(), args.end());
    return LiveBpfTest::RunWorkload(all);
  }

  // The baselines (by workload) learned from two runs of the workload with `args`.
  std::map<std::string, model::Fingerprint> Train(const std::vector<std::string>& args) {
    profiler::Profiler profiler;
    profiler.BeginSession();
    for (int i = 0; i < 2; ++i) {
      RunWorkload(args);
      for (const Event& e : TakeEvents()) profiler.Observe(e);
    }
    std::map<std::string, model::Fingerprint> fps;
    for (auto& fp : profiler.TakeDirty()) fps[fp.workload] = fp;
    return fps;
  }

  // The subjects of the findings `detector` raises on a run with `args`.
  std::vector<std::string> FindingSubjects(model::Detector* detector, const std::vector<std::string>& args) {
    std::vector<std::string> subjects;
    RunWorkload(args);
    for (const Event& e : TakeEvents()) {
      for (model::Finding* f : detector->Observe(e)) subjects.push_back(f->subject);
    }
    return subjects;
  }
};

bool Contains(const std::vector<Seen>& seen, const Seen& want) {
  return std::find(seen.begin(), seen.end(), want) != seen.end();
}

std::string Dump(const std::vector<Seen>& seen) {
  std::ostringstream os;
  for (const auto& s : seen) os << "  " << s << "\n";
  return os.str();
}

TEST_F(E2eBpfTest, ReportsExactEventsOfTheWorkload) {
  const std::string known = (tmp_ / "known.txt").string();
  std::ofstream(known) << "data\n";
  const uint16_t port = FreeLoopbackPort();
  uint32_t pid = RunWorkload({"--open", known, "--serve", std::to_string(port), "--spawn", "/bin/true"});

  std::vector<Seen> seen;
  for (const Event& e : TakeEvents()) {
    EXPECT_EQ(e.workload, app_rel_) << Project(e);  // nothing from outside the watched subtree
    EXPECT_EQ(e.cgroup_path, app_rel_);
    seen.push_back(Project(e));
  }
  const std::string wl = app_rel_;
  const std::string self = fs::canonical(DW_TEST_WORKLOAD).string();
  const std::string lo = "127.0.0.1";
  EXPECT_TRUE(Contains(seen, Seen{EventKind::kExec, wl, pid, fs::canonical(DW_TEST_WORKLOAD).string(),
                                  {DW_TEST_WORKLOAD, "--open", known, "--serve", std::to_string(port),
                                   "--spawn", "/bin/true"},
                                  fs::read_symlink("/proc/self/exe").string()}))
      << Dump(seen);
  EXPECT_TRUE(Contains(seen, Seen{EventKind::kOpen, wl, pid, known, {}, "", kAccessRead})) << Dump(seen);
  EXPECT_TRUE(Contains(seen, Seen{EventKind::kListen, wl, pid, "", {}, "", 0, "", port})) << Dump(seen);
  EXPECT_TRUE(Contains(seen, Seen{EventKind::kConnect, wl, pid, "", {}, "", 0,
                                  lo + ":" + std::to_string(port)}))
      << Dump(seen);
  EXPECT_TRUE(Contains(seen, Seen{EventKind::kAccept, wl, pid, "", {}, "", 0, lo, port})) << Dump(seen);
  // The spawned child: its own exec of /bin/true, parent known by lineage.
  // Exec paths are the binary's own, symlinks resolved (/bin -> /usr/bin).
  const std::string true_bin = fs::canonical("/bin/true").string();
  auto child = std::find_if(seen.begin(), seen.end(), [&](const Seen& s) {
    return s.kind == EventKind::kExec && s.path == true_bin;
  });
  ASSERT_NE(child, seen.end()) << Dump(seen);
  EXPECT_EQ(*child, (Seen{EventKind::kExec, wl, child->pid, true_bin, {"/bin/true"}, self}));
  EXPECT_NE(child->pid, pid);
}

// A #! script run by an interpreter is its children's parent, whether its
// #! line names the interpreter or `env` finds it; a shell script's children
// see the shell (perl is Essential on Debian, so on every host this runs).
TEST_F(E2eBpfTest, AnInterpretedScriptIsItsChildrensParent) {
  const std::string perl = fs::canonical("/usr/bin/perl").string();
  const std::string sh = fs::canonical("/bin/sh").string();
  auto script = [&](const std::string& name, const std::string& text) {
    const std::string path = (tmp_ / name).string();
    std::ofstream(path) << text;
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    return path;
  };
  const std::string body = "system('/bin/sh', '-c', 'exit 0') == 0 or exit 1;\n";
  const std::string direct = script("direct.pl", "#!/usr/bin/perl -w\n" + body);
  const std::string via_env = script("env.pl", "#!/usr/bin/env perl\n" + body);
  const std::string shell = script("job.sh", "#!/bin/sh\n/bin/sh -c 'exit 0'\n");
  for (const auto& [path, parent] : {std::pair{direct, direct}, std::pair{via_env, via_env}, std::pair{shell, sh}}) {
    const uint32_t pid = LiveBpfTest::RunWorkload({path});
    std::vector<Seen> seen;
    std::string exe_after;
    for (const Event& e : TakeEvents()) {
      seen.push_back(Project(e));
      if (e.pid == pid && e.kind == EventKind::kExit) exe_after = e.process.exe + " " + e.process.script;
    }
    auto child = std::find_if(seen.begin(), seen.end(), [&](const Seen& s) {
      return s.kind == EventKind::kExec && s.path == sh && s.pid != pid;
    });
    ASSERT_NE(child, seen.end()) << path << "\n" << Dump(seen);
    EXPECT_EQ(child->parent_exe, parent) << Dump(seen);
    if (parent != sh) {
      EXPECT_EQ(exe_after, perl + " " + path) << "the script's own process";
    }
  }
}

// `perl job.pl` run in the script's directory (a container's WORKDIR): the
// kernel sends the working directory with the exec, so the interpreter's
// children see the script, by its absolute path, as their parent.
TEST_F(E2eBpfTest, ARelativeScriptIsNamedFromTheWorkingDirectory) {
  const std::string dir = fs::canonical(tmp_).string();
  std::ofstream(dir + "/job.pl") << "system('/bin/sh', '-c', 'exit 0') == 0 or exit 1;\n";
  const std::string sh = fs::canonical("/bin/sh").string();
  const uint32_t pid = LiveBpfTest::RunWorkload({"/bin/sh", "-c", "cd '" + dir + "' && exec perl job.pl"});
  std::vector<Seen> seen;
  std::string script;
  for (const Event& e : TakeEvents()) {
    seen.push_back(Project(e));
    if (e.pid == pid && e.kind == EventKind::kExit) script = e.process.script;
  }
  auto child = std::find_if(seen.begin(), seen.end(), [&](const Seen& s) {
    return s.kind == EventKind::kExec && s.path == sh && s.pid != pid;
  });
  ASSERT_NE(child, seen.end()) << Dump(seen);
  EXPECT_EQ(child->parent_exe, dir + "/job.pl") << Dump(seen);
  EXPECT_EQ(script, dir + "/job.pl") << "the script's own process";
}

// The dynamic loader opens a preloaded library (a copy of libz in the test's
// directory) for reading before it maps it: the open the scorer judges as a
// library load (model/scorer.cc LoadsLibrary) is there, successful.
TEST_F(E2eBpfTest, ALibraryTheLoaderLoadsIsAnOpenForReading) {
  const std::string lib = fs::canonical(tmp_).string() + "/libdwpreload.so.1";
  std::string libz;  // zlib, which the build needs, in the multiarch directory of this machine
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/usr/lib", ec)) {
    if (fs::exists(d.path() / "libz.so.1")) libz = (d.path() / "libz.so.1").string();
  }
  ASSERT_FALSE(libz.empty()) << "no /usr/lib/*/libz.so.1";
  fs::copy_file(libz, lib, fs::copy_options::overwrite_existing);
  const uint32_t pid = LiveBpfTest::RunWorkload({"/usr/bin/env", "LD_PRELOAD=" + lib, "/bin/true"});
  std::vector<Seen> opens;
  bool loaded = false;
  for (const Event& e : TakeEvents()) {
    if (e.kind != EventKind::kOpen || e.pid != pid) continue;
    opens.push_back(Project(e));
    loaded = loaded || (e.path == lib && e.access == kAccessRead && e.result >= 0);
  }
  EXPECT_TRUE(loaded) << Dump(opens);
}

// A connection the client resets before the server accepts it is closed by
// the time accept(2) returns, and closing gives its bound port back (the
// socket's port number is zeroed): the accept is still the server's listening
// port, not port 0 (a server that unblocks its own acceptor at shutdown does
// exactly this).
TEST_F(E2eBpfTest, AnAcceptOfAResetConnectionKeepsTheListeningPort) {
  const uint16_t port = FreeLoopbackPort();
  uint32_t pid = RunWorkload({"--serve-reset", std::to_string(port)});
  std::vector<Seen> accepts;
  for (const Event& e : TakeEvents()) {
    if (e.kind == EventKind::kAccept && e.pid == pid) accepts.push_back(Project(e));
  }
  ASSERT_EQ(accepts.size(), 1u) << Dump(accepts);
  EXPECT_EQ(accepts[0], (Seen{EventKind::kAccept, app_rel_, pid, "", {}, "", 0, "127.0.0.1", port}));
}

// The open hooks read their arguments (directory fd, name, flags) from the
// saved registers at the syscall's exit: each syscall and argument form, the
// access its flags give, and the path of a failed open, resolved against its
// directory fd or the working directory.
TEST_F(E2eBpfTest, EveryOpenSyscallAndArgumentFormIsRecorded) {
  const fs::path dir = tmp_ / "forms";
  fs::create_directories(dir);
  const std::string d = fs::canonical(dir).string();
  uint32_t pid = RunWorkload({"--open-forms", d});

  std::vector<Seen> opens;
  std::map<std::string, int64_t> result;
  for (const Event& e : TakeEvents()) {
    if (e.kind != EventKind::kOpen || e.pid != pid || e.path.rfind(d + "/", 0) != 0) continue;
    opens.push_back(Project(e));
    result[e.path] = e.result;
  }
  const std::string wl = app_rel_;
  const uint8_t write_create = kAccessWrite | kAccessCreate;
  for (const Seen& want : {
           Seen{EventKind::kOpen, wl, pid, d + "/creat", {}, "", write_create},
           Seen{EventKind::kOpen, wl, pid, d + "/open", {}, "", write_create},
           Seen{EventKind::kOpen, wl, pid, d + "/creat", {}, "", kAccessRead},
           Seen{EventKind::kOpen, wl, pid, d + "/openat2", {}, "", kAccessRead | write_create},
           Seen{EventKind::kOpen, wl, pid, d + "/missing-at", {}, "", kAccessRead},
           Seen{EventKind::kOpen, wl, pid, d + "/missing-cwd", {}, "", kAccessRead},
       }) {
    EXPECT_TRUE(Contains(opens, want)) << want << "\nopens:\n" << Dump(opens);
  }
  EXPECT_LT(result[d + "/missing-at"], 0);
  EXPECT_LT(result[d + "/missing-cwd"], 0);
  EXPECT_GE(result[d + "/openat2"], 0);
}

TEST_F(E2eBpfTest, TrainThenDetectReportsExactlyTheThreeNewThings) {
  const std::string known = (tmp_ / "known.txt").string();
  const std::string secret = (tmp_ / "secret.txt").string();
  std::ofstream(known) << "data\n";
  std::ofstream(secret) << "secret\n";
  const uint16_t port = FreeLoopbackPort();

  // A loopback peer outside the watched cgroup, never contacted in training.
  int other = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(other, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(other, 16), 0);
  socklen_t alen = sizeof(a);
  getsockname(other, reinterpret_cast<sockaddr*>(&a), &alen);
  const uint16_t other_port = ntohs(a.sin_port);

  // Train on two runs of the normal behaviour; store and reload the baseline.
  profiler::Profiler profiler;
  profiler.BeginSession();
  for (int i = 0; i < 2; ++i) {
    RunWorkload({"--open", known, "--serve", std::to_string(port), "--spawn", "/bin/true"});
    for (const Event& e : TakeEvents()) profiler.Observe(e);
  }
  const std::string db_path = (tmp_ / "dw.db").string();
  {
    auto db = store::Store::Open(db_path, store::OpenMode::kReadWrite);
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE((*db)->SaveFingerprints(profiler.TakeDirty(), 1).ok());
  }
  auto db = store::Store::Open(db_path, store::OpenMode::kReadWrite);
  ASSERT_TRUE(db) << db.error().message();
  auto fps = (*db)->LoadFingerprints();
  ASSERT_TRUE(fps) << fps.error().message();
  ASSERT_EQ(fps->count(app_rel_), 1u);

  // The same behaviour raises nothing.
  model::Detector detector(*fps);
  RunWorkload({"--open", known, "--serve", std::to_string(port), "--spawn", "/bin/true"});
  for (const Event& e : TakeEvents()) {
    auto found = detector.Observe(e);
    EXPECT_TRUE(found.empty()) << "false positive: " << found[0]->subject;
  }

  // One new executable, one new file, one new peer: exactly three findings.
  uint32_t pid = RunWorkload({"--open", known, "--open", secret, "--serve", std::to_string(port),
                              "--connect", std::to_string(other_port), "--spawn", "/bin/false"});
  std::vector<model::Finding> findings;
  for (const Event& e : TakeEvents()) {
    for (model::Finding* f : detector.Observe(e)) {
      ASSERT_TRUE((*db)->UpsertFinding(f).ok());
      findings.push_back(*f);
    }
  }
  close(other);

  struct Brief {
    model::FindingKind kind;
    std::string subject;
    std::string workload;
    bool operator==(const Brief&) const = default;
  };
  std::vector<Brief> got;
  for (const auto& f : findings) got.push_back({f.kind, f.subject, f.workload});
  std::vector<Brief> want = {
      {model::FindingKind::kFile, secret, app_rel_},
      {model::FindingKind::kNetwork, "127.0.0.1:" + std::to_string(other_port), app_rel_},
      {model::FindingKind::kExec, fs::canonical("/bin/false").string(), app_rel_},
  };
  ASSERT_EQ(got.size(), want.size()) << [&] {
    std::string s;
    for (const auto& f : findings) s += std::string(model::FindingKindName(f.kind)) + " " + f.subject + "\n";
    return s;
  }();
  EXPECT_EQ(got, want);
  // Context: who did it.
  EXPECT_EQ(findings[0].process.pid, pid);
  EXPECT_EQ(findings[0].process.exe, fs::canonical(DW_TEST_WORKLOAD).string());
  EXPECT_EQ(findings[2].process.parent_exe, fs::canonical(DW_TEST_WORKLOAD).string());
  // And they are in the database.
  auto stored = (*db)->ListFindings(app_rel_);
  ASSERT_TRUE(stored) << stored.error().message();
  EXPECT_EQ(stored->size(), 3u);
}

// Intruders' techniques run for real, as the catalogue plays them
// (tools/eval/techniques.h): the service starts a shell that runs id, probes
// cloud credentials (missing: the probe is the news), reads another
// process's environment, opens a sysctl and the login records for writing
// (writing nothing), and drops a binary into /tmp and runs it. Each is a
// finding at the catalogue's floor, from the events the real collector
// delivers.
TEST_F(E2eBpfTest, IntrudersTechniquesRunForRealAreFoundAtTheirFloor) {
  const std::string known = (tmp_ / "known.txt").string();
  std::ofstream(known) << "data\n";
  const std::string port = std::to_string(FreeLoopbackPort());
  profiler::Profiler profiler;
  profiler.BeginSession();
  for (int i = 0; i < 2; ++i) {
    RunWorkload({"--open", known, "--serve", port});
    for (const Event& e : TakeEvents()) profiler.Observe(e);
  }
  std::map<std::string, model::Fingerprint> fps;
  for (model::Fingerprint& fp : profiler.TakeDirty()) fps[fp.workload] = std::move(fp);
  ASSERT_EQ(fps.count(app_rel_), 1u);

  const std::string drop = "/tmp/dwtest-drop-" + std::to_string(getpid());
  const bool wtmp = fs::exists("/var/log/wtmp");
  std::string script = "id >/dev/null; cat /root/.aws/credentials 2>/dev/null; cat /proc/1/environ >/dev/null; " +
                       std::string(": >> /proc/sys/kernel/core_pattern; ") + "cp /bin/true " + drop + " && " +
                       drop + "; rm -f " + drop + (wtmp ? "; : >> /var/log/wtmp" : "") + "; true";
  RunWorkload({"--open", known, "--serve", port, "--shell", script});
  model::Detector detector(fps);
  for (const Event& e : TakeEvents()) detector.Observe(e);

  struct Want {
    std::string subject;
    model::Severity floor;
  };
  std::vector<Want> want = {{fs::canonical("/bin/sh").string(), model::Severity::kCritical},
                            {fs::canonical("/usr/bin/id").string(), model::Severity::kMedium},
                            {"/root/.aws/credentials", model::Severity::kHigh},
                            {"/proc/<pid>/environ", model::Severity::kHigh},
                            {"/proc/sys/kernel/core_pattern", model::Severity::kCritical},
                            {drop, model::Severity::kCritical}};
  if (wtmp) want.push_back({"/var/log/wtmp", model::Severity::kHigh});
  std::string all;
  for (const auto& f : detector.findings()) {
    all += std::string(model::SeverityName(f->severity)) + " " + f->subject + " (" + f->reason + ")\n";
  }
  for (const Want& w : want) {
    auto it = std::find_if(detector.findings().begin(), detector.findings().end(),
                           [&](const auto& f) { return f->subject == w.subject; });
    ASSERT_NE(it, detector.findings().end()) << "no finding for " << w.subject << "; findings:\n" << all;
    EXPECT_GE((*it)->severity, w.floor) << w.subject << ": " << (*it)->reason;
  }
}

// The suite by package, live: training runs cmake; detecting, the workload
// runs cpack, which the same package (cmake) installed in a directory all
// programs share, with no name stem in common (both without arguments: cmake
// prints its usage, cpack finds no configuration; not ctest, which would run
// the tests of the directory it starts in, this one's). Scored after the tool and its
// parent exited, while another process of its cgroup lives (as the agent
// often scores a short-lived tool): low, "installed by cmake"; without a
// package database, medium.
TEST_F(E2eBpfTest, ANewProgramOfALearnedProgramsPackageIsLowLive) {
  tools::PackageOracle host("/");
  const std::string cmake = host.SourcePackage(Event{}, "/usr/bin/cmake");
  if (cmake.empty() || host.SourcePackage(Event{}, "/usr/bin/cpack") != cmake) {
    GTEST_SKIP() << "this machine's dpkg database does not list /usr/bin/cmake and /usr/bin/cpack in one package";
  }
  profiler::Profiler profiler;
  profiler.BeginSession();
  RunWorkload({"--spawn", "/usr/bin/cmake"});
  for (const Event& e : TakeEvents()) profiler.Observe(e);
  std::map<std::string, model::Fingerprint> fps;
  for (model::Fingerprint& fp : profiler.TakeDirty()) fps[fp.workload] = std::move(fp);
  ASSERT_EQ(fps.count(app_rel_), 1u);
  ASSERT_EQ(fps[app_rel_].executables.count("/usr/bin/cmake"), 1u);

  tools::testing::ProcessOptions in_app;
  in_app.cgroup = mount_ + "/" + app_rel_;
  const pid_t sleeper = tools::testing::StartProcess({"/bin/sleep", "60"}, in_app);
  ASSERT_GT(sleeper, 0);
  RunWorkload({"--spawn", "/usr/bin/cpack"});
  const std::vector<Event> events = TakeEvents();
  auto cpack_finding = [&](model::Detector& d) {
    std::optional<model::Finding> out;
    for (const Event& e : events) {
      for (model::Finding* f : d.Observe(e)) {
        if (f->kind == model::FindingKind::kExec && f->subject == "/usr/bin/cpack") out = *f;
      }
    }
    return out;
  };
  tools::PackageOracle live{std::string(tools::PackageOracle::kLive)};
  model::Detector with(fps);
  with.SetPackageOracle(&live);
  model::Detector without(fps);
  const std::optional<model::Finding> low = cpack_finding(with);
  const std::optional<model::Finding> plain = cpack_finding(without);
  kill(sleeper, SIGKILL);
  tools::testing::WaitProcess(sleeper);
  ASSERT_TRUE(low.has_value() && plain.has_value());
  EXPECT_EQ(low->severity, model::Severity::kLow) << low->reason;
  EXPECT_NE(low->reason.find("installed by " + cmake + ", the package of the workload's own /usr/bin/cmake"),
            std::string::npos)
      << low->reason;
  EXPECT_EQ(plain->severity, model::Severity::kMedium) << plain->reason;
}

// Peers known by name, live: training queries svc.dwtest and connects to
// 127.0.0.1:P; detecting, the same query followed by a connect to
// 127.0.0.2:P (the service at another address) raises nothing, and the same
// connect without the query is a new outbound peer.
// A listening unix stream socket at `path` ("@name": abstract), in this
// process (outside the watched cgroup); -1 on failure.
int ListenUnix(const std::string& path) {
  sockaddr_un a;
  const socklen_t len = tools::testing::UnixAddress(path, &a);
  if (len == 0) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd, 16) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

// Unix-socket connects reach user space once per process and path, as opens
// with the connect bit; a learned socket is nothing, a new one low, and the
// container runtime's socket critical even when the connect is refused.
TEST_F(E2eBpfTest, UnixSocketConnectsAreSeenAndTheRuntimeSocketIsCritical) {
  const std::string known = (tmp_ / "known.sock").string();
  const std::string abstract = "@dwtest-" + std::to_string(getpid());
  const std::string runtime = (tmp_ / "docker.sock").string();  // nothing listens: refused
  int known_fd = ListenUnix(known);
  int abstract_fd = ListenUnix(abstract);
  ASSERT_GE(known_fd, 0);
  ASSERT_GE(abstract_fd, 0);

  profiler::Profiler profiler;
  profiler.BeginSession();
  const uint32_t pid = RunWorkload({"--connect-unix", known, "--connect-unix", known, "--connect-unix", known});
  std::vector<Event> events = TakeEvents();
  size_t connects = 0;
  for (const Event& e : events) {
    profiler.Observe(e);
    if (e.kind != EventKind::kOpen || e.access != kAccessConnect) continue;
    ++connects;
    EXPECT_EQ(e.path, known);
    EXPECT_EQ(e.pid, pid);
    EXPECT_EQ(e.result, 0);
  }
  EXPECT_EQ(connects, 1u);  // three connects of one process to one path: one record
  const std::map<std::string, model::Fingerprint>& fps = profiler.fingerprints();
  ASSERT_EQ(fps.count(app_rel_), 1u);
  ASSERT_EQ(fps.at(app_rel_).files.count(known), 1u);
  EXPECT_EQ(fps.at(app_rel_).files.at(known).access, kAccessConnect);

  model::Detector detector(fps);
  RunWorkload({"--connect-unix", known, "--connect-unix", abstract, "--connect-unix", runtime});
  std::map<std::string, model::Finding> found;
  for (const Event& e : TakeEvents()) {
    for (model::Finding* f : detector.Observe(e)) found.emplace(f->subject, *f);
  }
  close(known_fd);
  close(abstract_fd);
  EXPECT_EQ(found.count(known), 0u);
  ASSERT_EQ(found.count(abstract), 1u);
  EXPECT_EQ(found.at(abstract).severity, model::Severity::kLow);
  EXPECT_EQ(found.at(abstract).reason, "unix socket never connected to in training");
  ASSERT_EQ(found.count(runtime), 1u);
  EXPECT_EQ(found.at(runtime).severity, model::Severity::kCritical);
  EXPECT_EQ(found.at(runtime).reason,
            "unix socket never connected to in training (container runtime or service manager API; connect failed)");
}

TEST_F(E2eBpfTest, AConnectRightAfterALearnedDnsNameReachesAKnownService) {
  const uint16_t port = FreeLoopbackPort();
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);  // 127.0.0.1 and 127.0.0.2
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0) << std::strerror(errno);
  ASSERT_EQ(listen(listener, 16), 0);
  const std::string p = std::to_string(port);

  std::map<std::string, model::Fingerprint> fps = Train({"--dns", "svc.dwtest", "--connect-to", "127.0.0.1:" + p});
  ASSERT_EQ(fps.count(app_rel_), 1u);
  ASSERT_EQ(fps[app_rel_].dns_names.count("svc.dwtest"), 1u) << "the DNS hook saw no query";

  model::Detector detector(fps);
  EXPECT_EQ(FindingSubjects(&detector, {"--dns", "svc.dwtest", "--connect-to", "127.0.0.2:" + p}),
            std::vector<std::string>{});
  EXPECT_EQ(FindingSubjects(&detector, {"--connect-to", "127.0.0.2:" + p}), std::vector<std::string>{"127.0.0.2:" + p});
  close(listener);
}

// A free UDP port on 127.0.0.1 below the kernel's ephemeral range (where
// services listen), or 0.
uint16_t FreeUdpServicePort() {
  for (uint16_t port = static_cast<uint16_t>(20000 + getpid() % 10000), tries = 0; tries < 200; ++tries, ++port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    if (fd >= 0) close(fd);
    if (free) return port;
  }
  return 0;
}

// UDP other than DNS: a datagram's flow reaches user space once per
// process, however many datagrams it sends (the second sendto is not
// reported); a connect(2) names the peer of the datagrams write(2) sends;
// a server's answer from the port it bound is a client of that port.
TEST_F(E2eBpfTest, UdpFlowsAreReportedOncePerProcessInTheirDirection) {
  const uint16_t service = FreeUdpServicePort();
  ASSERT_NE(service, 0);
  const std::string s = std::to_string(service);
  uint32_t pid = RunWorkload({"--udp-send", "127.0.0.1:9", "--udp-send", "127.0.0.2:9", "--udp-connect",
                              "127.0.0.1:7", "--udp-serve", s, "--dns", "flows.dwtest"});
  std::vector<std::string> udp;
  size_t dns = 0;
  for (const Event& e : TakeEvents()) {
    if (e.pid != pid) continue;
    if (e.kind == EventKind::kDns) ++dns;
    if ((e.kind == EventKind::kConnect || e.kind == EventKind::kAccept) && e.protocol == 17) {
      udp.push_back(std::string(EventKindName(e.kind)) + " " +
                    (e.kind == EventKind::kConnect ? e.peer.ToString()
                                                   : e.peer.AddressString() + " on " + std::to_string(e.local.port)));
    }
  }
  std::vector<std::string> want = {"accept 127.0.0.1 on " + s, "connect 127.0.0.1:7", "connect 127.0.0.1:9",
                                   "connect 127.0.0.1:" + s, "connect 127.0.0.2:9"};
  std::sort(udp.begin(), udp.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(udp, want);
  EXPECT_EQ(dns, 1u) << "a DNS query is still a DNS record, not a flow";
}

// A UDP server that only receives (a log collector) shows its clients: a
// datagram read with recvfrom or recvmsg, asking the sender, is an ACCEPT on
// the bound port, once per client; one read with recv(2) (127.0.0.3's) asks
// nothing and adds nothing.
TEST_F(E2eBpfTest, AReceiveOnlyUdpServersClientsAreReported) {
  const uint16_t service = FreeUdpServicePort();
  ASSERT_NE(service, 0);
  const std::string s = std::to_string(service);
  uint32_t pid = RunWorkload({"--udp-collect", s});
  std::vector<std::string> udp;
  for (const Event& e : TakeEvents()) {
    if (e.pid != pid || e.protocol != 17) continue;
    if (e.kind == EventKind::kConnect || e.kind == EventKind::kAccept) {
      udp.push_back(std::string(EventKindName(e.kind)) + " " +
                    (e.kind == EventKind::kConnect ? e.peer.ToString()
                                                   : e.peer.AddressString() + " on " + std::to_string(e.local.port)));
    }
  }
  std::vector<std::string> want = {"accept 127.0.0.1 on " + s, "accept 127.0.0.2 on " + s, "connect 127.0.0.1:" + s};
  std::sort(udp.begin(), udp.end());
  EXPECT_EQ(udp, want);
}

// A collector reading a batch with one recvmmsg: each message's sender is
// reported, not only the first's.
TEST_F(E2eBpfTest, EverySenderOfARecvmmsgBatchIsReported) {
  const uint16_t service = FreeUdpServicePort();
  ASSERT_NE(service, 0);
  const std::string s = std::to_string(service);
  uint32_t pid = RunWorkload({"--udp-collect-batch", s});
  std::vector<std::string> accepts;
  for (const Event& e : TakeEvents()) {
    if (e.pid == pid && e.protocol == 17 && e.kind == EventKind::kAccept) {
      accepts.push_back(e.peer.AddressString() + " on " + std::to_string(e.local.port));
    }
  }
  std::sort(accepts.begin(), accepts.end());
  EXPECT_EQ(accepts, (std::vector<std::string>{"127.0.0.4 on " + s, "127.0.0.5 on " + s, "127.0.0.6 on " + s}));
}

// Trained on its flows, the workload's same flows raise nothing (another
// process, another client port); a new outbound UDP peer is a finding.
TEST_F(E2eBpfTest, ANewUdpPeerIsAFindingAndLearnedFlowsAreNot) {
  const uint16_t service = FreeUdpServicePort();
  ASSERT_NE(service, 0);
  const std::string s = std::to_string(service);
  std::map<std::string, model::Fingerprint> fps = Train({"--udp-send", "127.0.0.1:9", "--udp-serve", s});
  ASSERT_EQ(fps.count(app_rel_), 1u);
  model::Detector detector(fps);
  EXPECT_EQ(FindingSubjects(&detector, {"--udp-send", "127.0.0.1:9", "--udp-serve", s}), std::vector<std::string>{});
  const std::vector<std::string> found =
      FindingSubjects(&detector, {"--udp-send", "127.0.0.1:9", "--udp-send", "127.0.0.2:4444"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("udp"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("127.0.0.2:4444"), std::string::npos) << found[0];
}

}  // namespace
}  // namespace dw
