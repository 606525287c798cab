// model/scorer.cc: novelty x sensitivity scoring of drifting items (the rules
// are documented once, in scorer.h).
//
// Sensitivity is a small table of principle-based rules (what an attacker
// needs: a shell, a way out, credentials, persistence in system paths), not a
// list tuned to any workload. Each table has a catch-all so every drift scores.
#include "model/scorer.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "model/address.h"
#include "model/generalize.h"
#include "model/items.h"
#include "collector/programs.h"
#include "collector/syscall_names.h"
#include "model/syscall_groups.h"

namespace dw::model {
namespace {

using Table = ItemRef::Table;

constexpr double kNoveltyUnseen = 1.0;
constexpr double kNoveltyNewAccess = 0.9;
constexpr double kNoveltyRare = 1.0;
// A training long enough that "seen once" means rare, not "not yet seen twice".
constexpr uint64_t kLongTrainingEvents = 1000;
constexpr int64_t kLongTrainingNs = 3'600'000'000'000;  // 1 hour
constexpr uint8_t kWriteBits = kAccessWrite | kAccessCreate;

// Shells and interpreters: the collector's lists, which name an
// interpreter's process by its script (collector/programs.h).
constexpr auto& kShells = collector::kShellNames;
constexpr auto& kInterpreters = collector::kInterpreterNames;
constexpr std::string_view kNetworkTools[] = {"nc",     "ncat", "netcat", "socat", "curl", "wget",
                                              "telnet", "ssh",  "scp",    "sftp",  "ftp",  "tftp"};
constexpr std::string_view kWorldWritableDirs[] = {"/tmp", "/var/tmp", "/dev/shm"};
// What an intruder runs once inside, beyond shells, interpreters and network
// tools: discovery of the host, its users and its network; changes of
// privilege, namespace, permission or account; persistence and services;
// hiding and tampering; decoding payloads; building or installing software;
// debuggers; container and cluster control. A new one of these is never a
// script's ordinary step (ScriptUtility). Matched by name or by the stem
// before '-', '_' or '.' (apt-get, iptables-save, gcc-12).
constexpr std::string_view kIntruderTools[] = {
    // discovery
    "id", "whoami", "groups", "users", "who", "w", "last", "lastlog", "finger", "uname", "hostname",
    "hostnamectl", "dnsdomainname", "domainname", "ps", "pstree", "top", "htop", "pgrep", "lsof",
    "netstat", "ss", "ip", "ifconfig", "arp", "route", "getent", "lscpu", "lsblk", "lsmod", "lspci",
    "lsusb", "dmesg", "env", "printenv", "mount", "findmnt", "ipcs", "getcap", "nmap", "dig", "nslookup",
    "host", "ping", "traceroute",
    // privilege and namespaces
    "sudo", "su", "doas", "pkexec", "runuser", "setpriv", "nsenter", "unshare", "chroot", "setcap",
    "capsh", "newgrp", "sg",
    // permissions and attributes
    "chmod", "chown", "chgrp", "chattr", "setfacl",
    // accounts and keys
    "passwd", "chpasswd", "chsh", "chfn", "gpasswd", "useradd", "usermod", "adduser", "ssh",
    // persistence and services
    "crontab", "at", "systemctl", "systemd", "service", "loginctl",
    // hiding and tampering
    "kill", "pkill", "killall", "shred", "wipe", "srm", "iptables", "ip6tables", "nft", "auditctl",
    "setenforce", "insmod", "modprobe", "rmmod", "kmod", "sysctl", "swapoff", "umount", "timedatectl",
    // payloads
    "base64", "base32", "basenc", "xxd", "uudecode", "openssl", "gpg",
    // building and installing
    "gcc", "cc", "c++", "g++", "clang", "make", "ld", "as", "tcc", "go", "rustc", "apt", "aptitude",
    "dpkg", "pip", "npm", "gem", "yum", "dnf", "apk", "git",
    // debuggers
    "gdb", "strace", "ltrace",
    // containers and clusters
    "docker", "podman", "kubectl", "crictl", "ctr", "runc", "nerdctl"};
// Where the distribution puts the utilities scripts use (not sbin: system
// administration; not /usr/local: the site's own).
constexpr std::string_view kUtilityDirs[] = {"/bin", "/usr/bin"};
constexpr std::string_view kCredentialFiles[] = {"/etc/shadow", "/etc/shadow-", "/etc/gshadow",
                                                 "/etc/gshadow-", "/etc/sudoers"};
constexpr std::string_view kCredentialDirs[] = {"/etc/sudoers.d",
                                                "/var/run/secrets/kubernetes.io/serviceaccount",
                                                "/run/secrets/kubernetes.io/serviceaccount",
                                                // private keys: the host's TLS keys, a cluster's own
                                                "/etc/ssl/private", "/etc/pki/tls/private",
                                                "/etc/kubernetes", "/var/lib/kubelet/pki"};
// Credentials in a home directory, wherever it is: cloud, cluster, registry,
// VCS and mail tokens, key rings, and shell histories (passwords typed on
// command lines). ".ssh/" is matched apart (IsCredential).
constexpr std::string_view kCredentialHomeNames[] = {
    "/.aws/", "/.kube/", "/.docker/config.json", "/.git-credentials", "/.netrc", "/.gnupg/",
    "/.config/gcloud/", "/.azure/", "/.bash_history", "/.zsh_history", "/.ash_history", "/.sh_history"};
// What holds every secret of another process or of the kernel: its
// environment and memory (normalized, model/normalize.h), physical and kernel memory.
constexpr std::string_view kMemoryFiles[] = {"/proc/<pid>/environ", "/proc/<pid>/mem",
                                             "/proc/<pid>/task/<tid>/environ", "/proc/<pid>/task/<tid>/mem",
                                             "/proc/kcore", "/dev/mem", "/dev/kmem", "/dev/port"};
// Where a write changes the kernel, a cgroup or another process from inside
// a workload: sysctls, sysfs (a cgroup v1 release_agent is the classic
// container escape), the SysRq trigger, and memory (kMemoryFiles).
constexpr std::string_view kKernelControlDirs[] = {"/proc/sys", "/sys"};
constexpr std::string_view kKernelControlFiles[] = {"/proc/sysrq-trigger"};
// Evidence an intruder wipes: login records, the authentication and audit
// logs (shell histories are credentials, kCredentialHomeNames: a write is
// critical already).
constexpr std::string_view kEvidenceFiles[] = {"/var/log/wtmp",     "/var/log/btmp", "/var/log/lastlog",
                                               "/var/run/utmp",     "/run/utmp",     "/var/log/auth.log",
                                               "/var/log/secure"};
constexpr std::string_view kEvidenceDirs[] = {"/var/log/audit"};
// Block devices under /dev: reading one reads every file of the file system
// on it, the host's included, past every permission (T1006); writing one
// rewrites them.
constexpr std::string_view kDiskDevicePrefixes[] = {"sd", "vd", "xvd", "hd", "nvme", "mmcblk", "dm-",
                                                    "md", "loop", "mapper/", "disk/"};
// What programs write under /dev every day: the null and random devices,
// terminals, shared memory, message queues, the syslog socket, and
// Kubernetes' termination message. A write anywhere else under /dev plants a
// file among the devices (Falco's "Create files below dev") or drives a
// device (a tun interface, a disk: IsDiskDevice).
constexpr std::string_view kCommonDevFiles[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                                "/dev/urandom", "/dev/tty", "/dev/console", "/dev/ptmx",
                                                "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/log",
                                                "/dev/kmsg", "/dev/termination-log"};
constexpr std::string_view kCommonDevDirs[] = {"/dev/pts", "/dev/shm", "/dev/fd", "/dev/mqueue", "/dev/hugepages"};
// Cloud instance metadata services (credentials of the node's role): EC2 and
// most clouds, ECS task metadata, EKS pod identity, EC2 over IPv6, Alibaba.
constexpr std::string_view kCloudMetadataAddresses[] = {"169.254.169.254", "169.254.170.2", "169.254.170.23",
                                                        "fd00:ec2::254",   "fd00:ec2::23",  "100.100.100.200"};
// Where a write makes the system run something later: cron, systemd and init,
// login shells, SSH keys, the dynamic loader, PAM, accounts, udev, autostart.
constexpr std::string_view kPersistenceDirs[] = {
    "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
    "/var/spool/cron", "/etc/systemd", "/lib/systemd/system", "/usr/lib/systemd/system",
    "/etc/init.d", "/etc/rc.d", "/etc/profile.d", "/etc/ld.so.conf.d", "/etc/pam.d",
    "/lib/security", "/usr/lib/security", "/etc/udev/rules.d", "/etc/xdg/autostart",
    "/etc/update-motd.d", "/etc/sudoers.d"};
constexpr std::string_view kPersistenceFiles[] = {
    "/etc/crontab", "/etc/rc.local", "/etc/ld.so.preload", "/etc/ld.so.conf", "/etc/profile",
    "/etc/bash.bashrc", "/etc/environment", "/etc/passwd", "/etc/group", "/etc/sudoers"};
// Per-user persistence, wherever the home directory is.
constexpr std::string_view kPersistenceNames[] = {
    "/.bashrc", "/.bash_profile", "/.bash_login", "/.profile", "/.zshrc", "/.zprofile",
    "/.ssh/authorized_keys", "/.ssh/authorized_keys2", "/.ssh/rc"};
constexpr std::string_view kPersistenceHomeDirs[] = {"/.config/systemd/user/", "/.config/autostart/"};
// File names that run: scripts, server pages, shared objects.
constexpr std::string_view kRawNetworkTools[] = {"nc", "ncat", "netcat", "socat", "telnet"};
constexpr std::string_view kSystemDirs[] = {
    "/etc", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
    "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec",
    "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib"};

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

using collector::IsProgramName;

// A shell, an interpreter or a network tool: what an intruder runs first.
bool IsShellish(std::string_view base) {
  return IsProgramName(base, kShells) || IsProgramName(base, kInterpreters) || IsProgramName(base, kNetworkTools);
}

bool IsUnder(std::string_view path, std::span<const std::string_view> dirs) {
  for (std::string_view d : dirs) {
    if (path.starts_with(d) && (path.size() == d.size() || path[d.size()] == '/')) return true;
  }
  return false;
}

bool IsOneOf(std::string_view path, std::span<const std::string_view> paths) {
  for (std::string_view p : paths) {
    if (path == p) return true;
  }
  return false;
}

// What the sensitivity rules look at.
struct Judged {
  const ItemRef& item;
  const Event& event;
  std::string_view exe;       // exec targets: the new executable
  bool known_subnet = false;  // outbound: the peer lies in a subnet the fingerprint knows
  bool served_dir = false;    // files: the workload reads in or runs from the file's directory
  bool wrote_exe = false;     // exec, a library's read: ScoreContext::wrote_exe
};

// A name the kernel gives a file that has no path: a memfd ("memfd:x", as
// model/items.h names it), an unlinked file, an fd.
bool IsFilelessName(std::string_view exe) {
  return exe.starts_with("memfd:") || exe.starts_with("/memfd:") || exe.ends_with(" (deleted)") ||
         exe == "/" || exe.starts_with("/dev/fd/") || exe.starts_with("/proc/self/fd/") ||
         (exe.starts_with("/proc/") && exe.find("/fd/") != std::string_view::npos);
}

bool Any(const Judged&) { return true; }
bool IsShell(const Judged& j) { return model::IsShell(j.exe); }
bool IsInterpreter(const Judged& j) { return IsProgramName(Basename(j.exe), kInterpreters); }
bool IsNetworkTool(const Judged& j) { return IsProgramName(Basename(j.exe), kNetworkTools); }
bool InWorldWritableDir(const Judged& j) { return IsUnder(j.exe, kWorldWritableDirs); }
bool IsFileless(const Judged& j) {
  return (j.event.exec_flags & kExecFileless) != 0 || IsFilelessName(j.exe);
}
bool OnUpperLayer(const Judged& j) { return (j.event.exec_flags & kExecUpperLayer) != 0; }
bool WroteExe(const Judged& j) { return j.wrote_exe; }
bool LoadsLibrary(const Judged& j) { return IsLibraryLoad(j.event); }
bool LibraryInWorldWritableDir(const Judged& j) { return LoadsLibrary(j) && IsUnder(j.item.key, kWorldWritableDirs); }
bool LoadsWrittenLibrary(const Judged& j) { return j.wrote_exe && LoadsLibrary(j); }
bool ContainsAny(std::string_view key, std::span<const std::string_view> parts) {
  for (std::string_view p : parts) {
    if (key.find(p) != std::string_view::npos) return true;
  }
  return false;
}
bool IsCredential(const Judged& j) {
  const std::string& k = j.item.key;
  return IsOneOf(k, kCredentialFiles) || IsUnder(k, kCredentialDirs) ||
         k.find("/.ssh/") != std::string::npos || k.ends_with("/.ssh") || ContainsAny(k, kCredentialHomeNames) ||
         IsOneOf(k, kMemoryFiles);
}
// Sockets whose API controls the host: a container runtime's (every
// container, and a privileged one is the host) and the service manager's
// private socket. containerd's shims listened on abstract sockets
// ("@/containerd-shim/...", CVE-2020-15257).
constexpr std::string_view kHostControlSocketNames[] = {
    "docker.sock", "containerd.sock", "crio.sock", "podman.sock", "cri-dockerd.sock", "dockershim.sock",
    "buildkitd.sock", "kubelet.sock", "frakti.sock"};
constexpr std::string_view kHostControlSocketDirs[] = {
    "/run/containerd",   "/var/run/containerd", "/run/crio",   "/var/run/crio",
    "/run/docker",       "/var/run/docker",     "/run/podman", "/var/run/podman",
    "/var/lib/kubelet/pod-resources", "/var/lib/kubelet/device-plugins"};
constexpr std::string_view kHostControlSocketFiles[] = {"/run/systemd/private", "/var/run/systemd/private"};
bool IsHostControlSocket(const Judged& j) {
  if ((j.item.access & kAccessConnect) == 0) return false;
  const std::string& k = j.item.key;
  if (k.starts_with("@/containerd-shim/") || k.starts_with("@/run/containerd/")) return true;
  return IsOneOf(Basename(k), kHostControlSocketNames) || IsUnder(k, kHostControlSocketDirs) ||
         IsOneOf(k, kHostControlSocketFiles);
}
bool IsKernelControl(const Judged& j) {
  const std::string& k = j.item.key;
  return IsUnder(k, kKernelControlDirs) || IsOneOf(k, kKernelControlFiles) || IsOneOf(k, kMemoryFiles);
}
bool IsDiskDevice(const Judged& j) {
  const std::string& k = j.item.key;
  if (!k.starts_with("/dev/")) return false;
  const std::string_view name = std::string_view(k).substr(5);
  return std::any_of(std::begin(kDiskDevicePrefixes), std::end(kDiskDevicePrefixes),
                     [&](std::string_view p) { return name.starts_with(p) && name.size() > p.size(); });
}
bool IsUncommonDevice(const Judged& j) {
  const std::string& k = j.item.key;
  return k.starts_with("/dev/") && !IsOneOf(k, kCommonDevFiles) && !IsUnder(k, kCommonDevDirs) &&
         !k.starts_with("/dev/tty");
}
bool IsEvidence(const Judged& j) { return IsOneOf(j.item.key, kEvidenceFiles) || IsUnder(j.item.key, kEvidenceDirs); }
bool IsPersistence(const Judged& j) {
  const std::string& k = j.item.key;
  if (IsOneOf(k, kPersistenceFiles) || IsUnder(k, kPersistenceDirs)) return true;
  for (std::string_view n : kPersistenceNames) {
    if (k.ends_with(n)) return true;
  }
  for (std::string_view d : kPersistenceHomeDirs) {
    if (k.find(d) != std::string::npos) return true;
  }
  return false;
}
bool IsExecutableName(const Judged& j) { return IsExecutableFileName(j.item.key); }
bool IsExecutableNameWhereServed(const Judged& j) { return j.served_dir && IsExecutableName(j); }
bool InSystemDir(const Judged& j) { return IsUnder(j.item.key, kSystemDirs); }
bool IsLoopback(const Judged& j) { return IsLoopbackAddress(j.item.net.address); }
bool IsCloudMetadata(const Judged& j) { return IsOneOf(j.item.net.address, kCloudMetadataAddresses); }
bool IsNotLoopback(const Judged& j) { return !IsLoopbackAddress(j.item.net.address); }
bool InKnownSubnetOnly(const Judged& j) { return IsNotLoopback(j) && j.known_subnet; }
bool OutsideKnownSubnets(const Judged& j) { return IsNotLoopback(j) && !j.known_subnet; }
// The process behind a network event is a shell or a raw network tool.
bool FromShell(const Judged& j) {
  std::string_view base = Basename(j.event.process.exe);
  return IsProgramName(base, kShells) || IsProgramName(base, kRawNetworkTools);
}
bool FromShellOrInterpreter(const Judged& j) { return IsShellish(Basename(j.event.process.exe)); }
bool IsEvasive(const Judged& j) { return IsEvasiveSyscall(j.item.key); }

// systemd sets up a unit's sandbox (PrivateTmp, ProtectSystem, its own
// session keyring: unshare, mount, pivot_root, keyctl) in the child it forks
// into the unit's cgroup, before that child execs the service: syscalls of
// the service manager's own binary there are its doing, not the workload's,
// and come again at every restart whether training saw one or not.
bool IsServiceManagerSetup(const Event& e) { return IsServiceManagerExe(e.process.exe); }

// Whether the baseline can tell that syscall `name` is new: what training
// watched (EffectiveSyscallWatch) covers it.
bool SyscallWatched(const Fingerprint& fp, std::string_view name) {
  switch (EffectiveSyscallWatch(fp)) {
    case SyscallWatch::kAll:
      return true;
    case SyscallWatch::kSentinels:
      return collector::IsSentinelSyscall(name);
    case SyscallWatch::kNone:
      return false;
  }
  return false;
}
bool IsTampering(const Judged& j) { return IsTamperingSyscall(j.item.key); }

// A new executable that no sensitivity rule but the default (0.5) matches.
constexpr double kPlainExecSensitivity = 0.5;
// A sibling of a learned program (SiblingProgram): the workload's own suite.
constexpr double kSiblingSensitivity = 0.3;
// A new program in a shell the service itself started, in a workload that is
// no script runner (NarrowServiceShellRuns): an injected command (T1059).
constexpr double kServiceShellProgramSensitivity = 0.9;
// A new unprivileged listening port of a workload that opened many in
// training (PortHabits): low, on an address it listened on, from its own
// program, outside a new program's tree and not a shell or interpreter.
constexpr double kTransientListenSensitivity = 0.3;
// An ordinary utility run by a script-runner workload's shell (ScriptUtility).
constexpr double kScriptUtilitySensitivity = 0.3;
// A new syscall of a harmless group (IsHarmlessSyscallGroup) in a new
// program's tree.
constexpr double kHarmlessSyscallSensitivity = 0.3;
// A file an application server unpacked from an archive a deployment
// dropped (ScoreContext::unpacked_from).
constexpr double kUnpackedSensitivity = 0.3;
// A new syscall of another group, made by a learned executable of the
// workload outside any new program's tree.
constexpr double kOwnProgramSyscallSensitivity = 0.3;

// Directories many programs share: a new program there is no kin of a
// learned one by place alone.
constexpr std::string_view kSharedBinDirs[] = {"/bin", "/sbin", "/usr/bin", "/usr/sbin",
                                               "/usr/local/bin", "/usr/local/sbin", "/usr/libexec"};

// "redis-cli" -> "redis": the name up to its first '-', '_' or '.'.
std::string_view NameStem(std::string_view base) { return base.substr(0, base.find_first_of("-_.")); }

// `path` is directly in one of kUtilityDirs.
bool InUtilityDir(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash != std::string_view::npos && IsOneOf(path.substr(0, slash), kUtilityDirs);
}

// One of kIntruderTools, by name or stem.
bool IsIntruderTool(std::string_view base) {
  return IsProgramName(base, kIntruderTools) || IsProgramName(NameStem(base), kIntruderTools);
}

// Whether two program names share a stem of 3+ characters, a daemon's name
// being its stem and a "d" (mariadbd beside mariadb-dump, sshd beside
// ssh-keygen, dockerd beside docker).
bool ShareStem(std::string_view a, std::string_view b) {
  auto stems = [](std::string_view base) {
    std::string_view stem = NameStem(base);
    std::string_view daemon = stem.size() >= 4 && stem.back() == 'd' ? stem.substr(0, stem.size() - 1) : stem;
    return std::pair{stem, daemon};
  };
  auto [a1, a2] = stems(a);
  auto [b1, b2] = stems(b);
  for (std::string_view x : {a1, a2}) {
    if (x.size() >= 3 && (x == b1 || x == b2)) return true;
  }
  return false;
}

// "/usr/bin/" -> "/usr/sbin/" and back: one package puts its daemon in sbin
// and its clients in bin, so the two are one place for kinship. "" for other
// directories.
std::string_view KinBinDir(std::string_view dir) {
  for (auto [bin, sbin] : {std::pair<std::string_view, std::string_view>{"/usr/bin/", "/usr/sbin/"},
                           {"/usr/local/bin/", "/usr/local/sbin/"},
                           {"/bin/", "/sbin/"}}) {
    if (dir == bin) return sbin;
    if (dir == sbin) return bin;
  }
  return {};
}

// A learned executable that `exe` is a sibling of: in the same directory, and
// either that directory is a program's own (not one of kSharedBinDirs:
// /usr/lib/postgresql/15/bin, /opt/app/bin) or both names share a stem
// (ShareStem: /usr/bin/redis-cli beside /usr/bin/redis-server); in a shared
// bin directory, its sbin or bin twin counts as the same directory
// (/usr/bin/mariadb-dump beside /usr/sbin/mariadbd). "" if none.
std::string_view SiblingProgram(const Fingerprint& fp, std::string_view exe) {
  const size_t slash = exe.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  const std::string_view dir = exe.substr(0, slash + 1);
  const bool shared = IsOneOf(exe.substr(0, slash), kSharedBinDirs);
  const std::string_view name = exe.substr(slash + 1);
  for (std::string_view where : {dir, shared ? KinBinDir(dir) : std::string_view()}) {
    if (where.empty()) continue;
    for (auto it = fp.executables.lower_bound(std::string(where));
         it != fp.executables.end() && std::string_view(it->first).starts_with(where); ++it) {
      std::string_view base = std::string_view(it->first).substr(where.size());
      if (base.find('/') != std::string_view::npos) continue;  // deeper
      if (!shared || ShareStem(name, base)) return it->first;
    }
  }
  return {};
}

// The extension of a path component ("web.git" -> ".git"; "" for none):
// what a tenant's directory shares with its siblings.
std::string_view ComponentExtension(std::string_view component) {
  const size_t dot = component.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? std::string_view() : component.substr(dot);
}

// A learned executable that `exe` is another tenant's copy of: the same
// name at the same place in a sibling tree of the same shape (a git
// server's hooks in each repository, `repos/<group>/<repo>.git/hooks/update`;
// a site's scripts in each site's directory). The paths have one depth and
// differ in one or two directory components, below the first two, each pair
// of the same extension (`web.git`, `common.git`). Outside the system's
// directories, whose programs are each their own. Returns the learned
// executable, or "" when there is none.
std::string_view TenantCopyOf(const Fingerprint& fp, std::string_view exe) {
  if (!exe.starts_with('/') || IsUnder(exe, kSystemDirs) || IsUnder(exe, kWorldWritableDirs)) return {};
  constexpr size_t kMaxDiffering = 2;
  const std::string_view name = Basename(exe);
  const std::vector<std::string_view> mine = Components(exe);
  if (mine.size() < 4) return {};
  for (const auto& [learned, stats] : fp.executables) {
    if (Basename(learned) != name || learned == exe || !std::string_view(learned).starts_with('/')) continue;
    const std::vector<std::string_view> theirs = Components(learned);
    if (theirs.size() != mine.size()) continue;
    size_t differing = 0;
    bool same_shape = true;
    // The last component, the name, is equal (above).
    for (size_t k = 0; k + 1 < mine.size() && same_shape; ++k) {
      if (theirs[k] == mine[k]) continue;
      same_shape = k >= 2 && ++differing <= kMaxDiffering && ComponentExtension(theirs[k]) == ComponentExtension(mine[k]);
    }
    if (same_shape && differing > 0) return learned;
  }
  return {};
}

// "/usr/sbin/nginx -> /bin/sh" -> "/usr/sbin/nginx" and "/bin/sh"; false for
// a key without an arrow.
bool SplitEdge(std::string_view edge, std::string_view* parent, std::string_view* child) {
  const size_t arrow = edge.rfind(" -> ");
  if (arrow == std::string_view::npos) return false;
  *parent = edge.substr(0, arrow);
  *child = edge.substr(arrow + 4);
  return true;
}

// "/usr/sbin/nginx -> /bin/sh" -> "/bin/sh".
std::string_view LineageChild(std::string_view edge) {
  std::string_view parent, child;
  return SplitEdge(edge, &parent, &child) ? child : edge;
}

// Programs that run their argument under changed conditions (priority, a
// lock, a time limit, a CPU set, buffering, a new session) and do nothing
// else. For whom a program was started they are transparent: a cron line that
// gains `flock LOCK nice -n 10` runs the same job, started by the same shell.
// Changers of privilege or namespace (setpriv, su, nsenter, unshare, chroot)
// are not: those are kIntruderTools.
constexpr std::string_view kCommandWrappers[] = {"nice",    "ionice",  "flock",  "timeout", "chrt", "taskset",
                                                 "numactl", "stdbuf", "nohup", "setsid",  "time"};

bool IsCommandWrapper(std::string_view exe) { return IsOneOf(Basename(exe), kCommandWrappers); }

// The program that started e's process, past command wrappers: its parent,
// or when that is a wrapper, the first of its ancestors (parent first) that
// is none; the parent when all are.
std::string_view EffectiveParent(const Event& e) {
  const std::string& parent = e.process.parent_exe;
  if (!IsCommandWrapper(parent)) return parent;
  for (const std::string& a : e.process.ancestry) {
    if (!a.empty() && !IsCommandWrapper(a)) return a;
  }
  return parent;
}

// A new executable that is one more step of the workload's scripts: in a
// utility directory (/bin, /usr/bin), none of kIntruderTools, started by a
// shell the workload knows as a parent, in a workload whose shells started
// kScriptRunnerUtilities or more distinct utilities in training (past command
// wrappers: EffectiveParent). Returns that number, or 0 when `exe` is no such step.
size_t ScriptUtility(const Fingerprint& fp, const Event& e, std::string_view exe) {
  if (!InUtilityDir(exe) || IsIntruderTool(Basename(exe))) return 0;
  const std::string_view parent = EffectiveParent(e);
  if (!model::IsShell(parent)) return 0;
  const ScriptRunner runner = ScriptRunnerOf(fp);
  if (!runner.runs_scripts() || std::find(runner.shells.begin(), runner.shells.end(), parent) == runner.shells.end()) {
    return 0;
  }
  return runner.utilities.size();
}

// Training saw a shell start `exe` (a learned edge "<shell> -> exe").
bool StartedByAShell(const Fingerprint& fp, std::string_view exe) {
  for (const auto& [edge, stats] : fp.lineage) {
    std::string_view parent, child;
    if (SplitEdge(edge, &parent, &child) && child == exe && model::IsShell(parent)) return true;
  }
  return false;
}

// A new program run by a shell that the service's own program started
// (the shell's parent, past command wrappers, is a learned executable that
// is no shell or interpreter), in a workload that is no script runner: the
// service runs a shell for a narrow purpose (a compiler, one helper), learned
// with the programs it ran; a program it never ran there is what an injected
// command runs. A utility (in /bin or /usr/bin) that a shell started is a
// script's step, not the service: the shell it runs (tar's `sh -c xz` for
// -J, make's recipe lines) is that script's plumbing. Returns how many
// utilities the workload's shells ran in training (perhaps 0), or -1 when
// `e` is no such exec.
int NarrowServiceShellRuns(const Fingerprint& fp, const Event& e) {
  const std::string_view shell = EffectiveParent(e);
  if (!model::IsShell(shell) || e.process.ancestry.empty()) return -1;
  bool past_shell = false;
  std::string_view starter, starters_parent;
  for (const std::string& a : e.process.ancestry) {
    if (!past_shell) {
      past_shell = a == shell;
      continue;
    }
    if (a.empty() || IsCommandWrapper(a)) continue;
    if (starter.empty()) {
      starter = a;
      continue;
    }
    starters_parent = a;
    break;
  }
  if (starter.empty() || IsShellish(Basename(starter)) || !fp.executables.contains(std::string(starter))) return -1;
  if (InUtilityDir(starter) && (model::IsShell(starters_parent) || StartedByAShell(fp, starter))) return -1;
  const ScriptRunner runner = ScriptRunnerOf(fp);
  if (runner.runs_scripts()) return -1;
  return static_cast<int>(runner.utilities.size());
}

// The program a shell runs for the workload's own suite, or "": the exec is
// a shell run as `sh -c CMD` by a sibling of the workload's programs
// (SiblingProgram) that is not itself a learned executable (so never the
// service's own process), and CMD is one simple command (no operator,
// substitution, redirection, glob, escape or second line) whose program, an
// absolute path, is a learned executable or another sibling, and no shell or
// interpreter. That is what system() and popen() look like when one program
// of a suite runs another (pg_dumpall running "pg_dump" -V): plumbing, not a
// person or an intruder at a shell, whose commands name other programs.
std::string SuiteShellCommand(const Fingerprint& fp, const Event& e) {
  if (e.kind != EventKind::kExec || !model::IsShell(e.path)) return {};
  if (e.argv.size() != 3 || e.argv[1] != "-c") return {};
  const std::string& parent = e.process.parent_exe;
  if (parent.empty() || IsShellish(Basename(parent)) || fp.executables.contains(parent) ||
      SiblingProgram(fp, parent).empty()) {
    return {};
  }
  std::string_view cmd = e.argv[2];
  if (cmd.find_first_of(";&|<>$`\\(){}*?[]~!#\n\r") != std::string_view::npos) return {};
  std::string_view program;
  if (!cmd.empty() && (cmd[0] == '"' || cmd[0] == '\'')) {
    const size_t close = cmd.find(cmd[0], 1);
    if (close == std::string_view::npos) return {};
    program = cmd.substr(1, close - 1);
    if (close + 1 < cmd.size() && cmd[close + 1] != ' ') return {};
  } else {
    program = cmd.substr(0, cmd.find(' '));
  }
  if (!program.starts_with('/') || program.find_first_of("\"' ") != std::string_view::npos ||
      IsShellish(Basename(program))) {
    return {};
  }
  const std::string path(program);
  if (!fp.executables.contains(path) && SiblingProgram(fp, path).empty()) return {};
  return path;
}

// `key` is a directory holding files or patterns the workload learned.
bool HoldsLearnedFiles(const Fingerprint& fp, const std::string& key) {
  const std::string dir = key + "/";
  auto f = fp.files.lower_bound(dir);
  if (f != fp.files.end() && f->first.starts_with(dir)) return true;
  auto p = fp.file_patterns.lower_bound(dir);
  return p != fp.file_patterns.end() && p->first.starts_with(dir);
}

// What a rule applies to: a table, and for kNetwork a direction. Lineage
// edges are judged as executables.
enum class Target : uint8_t {
  kExec, kFile, kOutbound, kInbound, kListen, kResolver, kDnsName, kSyscall
};

Target TargetOf(const ItemRef& item) {
  switch (item.table) {
    case Table::kExecutable:
    case Table::kLineage:
      return Target::kExec;
    case Table::kFile:
      return Target::kFile;
    case Table::kDns:
      return Target::kDnsName;
    case Table::kSyscall:
      return Target::kSyscall;
    case Table::kNetwork:
      break;
  }
  switch (item.net.direction) {
    case Direction::kOutbound:
      return Target::kOutbound;
    case Direction::kInbound:
      return Target::kInbound;
    case Direction::kListen:
      return Target::kListen;
    case Direction::kDns:
      break;
  }
  return Target::kResolver;
}

struct SensitivityRule {
  Target target;
  uint8_t access;  // files: applies when the judged access has one of these bits; 0 = always
  bool (*matches)(const Judged&);
  double sensitivity;
  const char* note;  // shown in the reason when this rule decides; nullptr = none
};

constexpr SensitivityRule kRules[] = {
    {Target::kExec, 0, Any, 0.5, nullptr},
    {Target::kExec, 0, IsShell, 0.9, "shell"},
    {Target::kExec, 0, IsInterpreter, 0.9, "interpreter"},
    {Target::kExec, 0, IsNetworkTool, 0.9, "network tool"},
    {Target::kExec, 0, InWorldWritableDir, 1.0, "runs from a world-writable directory"},
    {Target::kExec, 0, IsFileless, 1.0, "fileless execution"},
    {Target::kExec, 0, OnUpperLayer, 1.0, "written into the container's writable layer"},
    {Target::kExec, 0, WroteExe, 1.0, "runs a file the workload wrote"},
    {Target::kFile, 0, Any, 0.2, nullptr},
    {Target::kFile, kWriteBits, Any, 0.3, nullptr},
    {Target::kFile, kWriteBits, IsExecutableName, 0.7, "executable or script"},
    {Target::kFile, kWriteBits, IsExecutableNameWhereServed, 0.8,
     "executable or script where the workload serves or runs from"},
    {Target::kFile, 0, IsCredential, 0.9, "credential file"},
    {Target::kFile, kAccessRead, LibraryInWorldWritableDir, 0.8, "shared library from a world-writable directory"},
    {Target::kFile, kAccessRead, LoadsWrittenLibrary, 1.0, "loads a shared library the workload wrote"},
    {Target::kFile, 0, IsDiskDevice, 0.9, "raw disk device"},
    {Target::kFile, kWriteBits, IsDiskDevice, 1.0, "raw disk device"},
    {Target::kFile, kWriteBits, IsCredential, 1.0, "credential file"},
    {Target::kFile, kWriteBits, InSystemDir, 0.8, "system directory"},
    {Target::kFile, kWriteBits, IsPersistence, 1.0, "persistence location"},
    {Target::kFile, kWriteBits, IsEvidence, 0.8, "login records or audit log"},
    {Target::kFile, kWriteBits, IsUncommonDevice, 0.8, "device directory"},
    {Target::kFile, kWriteBits, IsKernelControl, 1.0, "kernel, cgroup or process memory control"},
    {Target::kFile, kAccessConnect, IsHostControlSocket, 1.0, "container runtime or service manager API"},
    {Target::kOutbound, 0, IsLoopback, 0.3, nullptr},
    {Target::kOutbound, 0, InKnownSubnetOnly, 0.5, "known subnet"},
    {Target::kOutbound, 0, OutsideKnownSubnets, 0.7, "outside every known subnet"},
    {Target::kOutbound, 0, IsCloudMetadata, 0.9, "cloud instance metadata service"},
    {Target::kOutbound, 0, FromShell, 1.0, "a shell connecting out"},
    {Target::kInbound, 0, IsLoopback, 0.3, nullptr},
    {Target::kInbound, 0, IsNotLoopback, 0.5, "non-loopback address"},
    {Target::kListen, 0, IsLoopback, 0.6, nullptr},
    {Target::kListen, 0, IsNotLoopback, 0.8, "reachable beyond loopback"},
    {Target::kListen, 0, FromShellOrInterpreter, 1.0, "a shell or interpreter listening"},
    {Target::kResolver, 0, IsLoopback, 0.3, nullptr},
    {Target::kResolver, 0, IsNotLoopback, 0.5, "non-loopback address"},
    {Target::kDnsName, 0, Any, 0.4, nullptr},
    {Target::kSyscall, 0, Any, 0.5, nullptr},
    {Target::kSyscall, 0, IsEvasive, 0.8, "escape, evasion or persistence"},
    {Target::kSyscall, 0, IsTampering, 1.0, "tampers with processes or the kernel"},
};

struct Sensitivity {
  double value = 0;
  const char* note = nullptr;
};

// The highest matching rule; on a tie the earlier rule's note wins.
Sensitivity SensitivityOf(const Judged& judged, uint8_t judged_access) {
  Target target = TargetOf(judged.item);
  Sensitivity best;
  for (const SensitivityRule& rule : kRules) {
    if (rule.target != target || rule.sensitivity <= best.value) continue;
    if (rule.access != 0 && (rule.access & judged_access) == 0) continue;
    if (!rule.matches(judged)) continue;
    best = {rule.sensitivity, rule.note};
  }
  return best;
}

// Seen once, by one process, in a training long enough for that to mean rare.
bool IsRare(const ItemStats& s, const Fingerprint& fp) {
  const TrainingStats& t = fp.training;
  bool long_training =
      t.events >= kLongTrainingEvents || t.last_event_ns - t.first_event_ns >= kLongTrainingNs;
  return long_training && s.count <= 1 && s.processes <= 1;
}

std::string AccessPastTense(uint8_t access) {
  std::string out;
  auto add = [&out](const char* word) {
    if (!out.empty()) out += "/";
    out += word;
  };
  if (access & kAccessRead) add("read");
  if (access & kAccessWrite) add("written");
  if (access & kAccessCreate) add("created");
  if (access & kAccessConnect) add("connected to");
  return out.empty() ? "opened" : out;
}

// "write to a file only read in training".
std::string NewAccessReason(uint8_t new_bits, uint8_t learned) {
  const char* verb = (new_bits & kAccessWrite)     ? "write to"
                     : (new_bits & kAccessCreate)  ? "create of"
                     : (new_bits & kAccessConnect) ? "connect to"
                                                   : "read of";
  return std::string(verb) + " a file only " + AccessPastTense(learned) + " in training";
}

std::string UnseenReason(const ItemRef& item) {
  switch (TargetOf(item)) {
    case Target::kExec:
      return item.table == Table::kLineage ? "executable never run by this parent in training"
                                           : "executable never seen in training";
    case Target::kFile:
      return item.access == kAccessConnect ? "unix socket never connected to in training"
                                           : "file never seen in training";
    case Target::kOutbound:
      return "new outbound peer";
    case Target::kInbound:
      return "new inbound client";
    case Target::kListen:
      return "new listening port";
    case Target::kResolver:
      return "new DNS resolver";
    case Target::kSyscall:
      return "syscall never used in training";
    case Target::kDnsName:
      break;
  }
  return "DNS name never queried in training";
}

}  // namespace

ScriptRunner ScriptRunnerOf(const Fingerprint& fp) {
  ScriptRunner out;
  for (const auto& [edge, stats] : fp.lineage) {
    std::string_view from, child;
    if (!SplitEdge(edge, &from, &child) || !model::IsShell(from)) continue;
    if (std::find(out.shells.begin(), out.shells.end(), from) == out.shells.end()) out.shells.emplace_back(from);
    if (InUtilityDir(child) && !IsShellish(Basename(child))) out.utilities.emplace_back(Basename(child));
  }
  std::sort(out.shells.begin(), out.shells.end());
  std::sort(out.utilities.begin(), out.utilities.end());
  out.utilities.erase(std::unique(out.utilities.begin(), out.utilities.end()), out.utilities.end());
  return out;
}

Severity SeverityOf(double score) {
  if (score >= 0.9) return Severity::kCritical;
  if (score >= 0.7) return Severity::kHigh;
  if (score >= 0.4) return Severity::kMedium;
  return Severity::kLow;
}

namespace {

// The workload learned traffic of one of `directions` on `port` and
// `protocol`, any address: an exact item or a range (ranges are outbound or
// inbound only).
bool LearnedPort(const Fingerprint& fp, std::initializer_list<Direction> directions, uint16_t port,
                 uint8_t protocol) {
  auto matches = [&](const NetItem& item) {
    return item.port == port && item.protocol == protocol &&
           std::find(directions.begin(), directions.end(), item.direction) != directions.end();
  };
  for (const auto& [item, stats] : fp.network) {
    if (matches(item)) return true;
  }
  for (const auto& [item, g] : fp.net_patterns) {
    if (matches(item)) return true;
  }
  return false;
}

// The workload is known to serve clients on `port`: it learned a listening
// socket or inbound clients there (any address), or it listens on ports as
// it goes (transient listeners, PortHabits) and this is an unprivileged one:
// the listen itself was judged.
bool KnownAudiencePort(const Fingerprint& fp, const NetItem& inbound, const PortHabits& habits) {
  return LearnedPort(fp, {Direction::kListen, Direction::kInbound}, inbound.port, inbound.protocol) ||
         (habits.transient_listens > 0 && inbound.protocol == 6 && inbound.port >= 1024);
}


// A loopback peer that is the workload itself: it learned a listening socket
// on that port and protocol, bound to that address or to every address.
// Loopback only: on the same network namespace a loopback address and port
// belong to one socket, the workload's; a non-loopback address may be
// another host's.
bool OwnListener(const Fingerprint& fp, const NetItem& peer) {
  if (!IsLoopbackAddress(peer.address)) return false;
  for (const auto& [item, stats] : fp.network) {
    if (item.direction == Direction::kListen && item.port == peer.port && item.protocol == peer.protocol &&
        (item.address == peer.address || item.address == "0.0.0.0" || item.address == "::")) {
      return true;
    }
  }
  return false;
}

// An outbound peer the workload reaches by name: its process queried, just
// before, `queried_name`, a name the workload queried in training, and
// connects on a port and protocol it connected out on in training (to an
// address, or a learned range). The name is a query, not an answer: a process
// of the workload that queries a learned name can then reach another address
// on that port unflagged (README: Network).
bool PeerKnownByName(const Fingerprint& fp, const NetItem& peer, std::string_view queried_name) {
  return !queried_name.empty() && fp.dns_names.contains(std::string(queried_name)) &&
         LearnedPort(fp, {Direction::kOutbound}, peer.port, peer.protocol);
}

// A workload that queried many distinct names in training resolves names
// its clients give it (a resolver, a forward proxy, a mail relay, a
// crawler): the names are its audience's, not its own configuration. 16:
// more than the upstreams, databases and APIs a service is configured with.
constexpr size_t kClientNames = 16;
bool ResolvesClientNames(const Fingerprint& fp) { return fp.dns_names.size() >= kClientNames; }

// The workload made reverse lookups in training (IsReverseLookupName): it
// asks who its peers are (a proxy or mail server logging or checking its
// clients by name). Reverse names sort first when IPv4 (digits).
bool LearnedReverseLookups(const Fingerprint& fp) {
  for (const auto& [name, stats] : fp.dns_names) {
    if (IsReverseLookupName(name)) return true;
  }
  return false;
}

// The workload reads in or runs from the directory of `path`: a learned
// file read directly in it, a pattern covering its names for reads, or a
// learned executable in it.
bool ServedDir(const Fingerprint& fp, std::string_view path, const FilePatternIndex* patterns) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::string prefix(path.substr(0, slash + 1));
  auto in_dir = [&](const std::string& key) {
    return key.starts_with(prefix) && key.find('/', prefix.size()) == std::string::npos;
  };
  for (auto it = fp.files.lower_bound(prefix); it != fp.files.end() && it->first.starts_with(prefix); ++it) {
    if (in_dir(it->first) && (it->second.access & kAccessRead)) return true;
  }
  for (auto it = fp.executables.lower_bound(prefix);
       it != fp.executables.end() && it->first.starts_with(prefix); ++it) {
    if (in_dir(it->first)) return true;
  }
  const std::string probe = prefix + "index.html";
  const Generalization* g = patterns != nullptr ? MatchFile(*patterns, probe) : MatchFile(fp, probe);
  return g != nullptr && (g->stats.access & kAccessRead);
}

// An interpreter started to run one of the workload's own programs: its
// script is a learned executable (a #! script training saw exec'd) or the
// parent's own program (gunicorn re-executing `python3 /usr/bin/gunicorn` to
// upgrade itself). That interpreter is the program, not a shell the service
// opened; `python3 -c CODE` or `python3 /tmp/x.py` runs no such script.
bool RunsOwnProgram(const Fingerprint& fp, const Event& e) {
  const std::string& script = e.process.script;
  return e.kind == EventKind::kExec && !script.empty() &&
         (script == e.process.parent_exe || fp.executables.contains(script));
}

// A baseline that named interpreters by their binary (lineage_by_exe) knows
// exec `e`'s edge from its parent's binary, the kernel's Event::parent_exe,
// where the process table now names that parent by its script.
bool LearnedUnderParentBinary(const Fingerprint& fp, const Event& e, std::string_view edge) {
  if (!fp.lineage_by_exe || e.kind != EventKind::kExec || e.parent_exe.empty() ||
      e.parent_exe == e.process.parent_exe) {
    return false;
  }
  std::string_view parent, child;
  if (!SplitEdge(edge, &parent, &child)) return false;
  std::string key;
  AssignLineageKey(e.parent_exe, child, &key);
  return fp.lineage.contains(key);
}

// A lineage edge "parent -> child" whose child is a shell, interpreter or
// network tool and whose parent is none of those: the service itself started
// it.
bool ServiceStartsShell(std::string_view edge) {
  std::string_view parent, child;
  if (!SplitEdge(edge, &parent, &child) || IsCommandWrapper(parent)) return false;  // a wrapper is no service
  parent = Basename(parent);
  return IsShellish(Basename(child)) && !IsShellish(parent) && parent != kRuntimeParent;
}

}  // namespace

bool IsShell(std::string_view exe) { return IsProgramName(Basename(exe), kShells); }

double RaiseOneLevel(double score) {
  if (score < 0.4) return 0.4;
  if (score < 0.7) return 0.7;
  return std::max(score, 0.9);
}

Finding UnprofiledFinding(const Event& e, bool learning) {
  Finding f;
  f.time_ns = e.time_ns;
  f.workload = e.workload;
  f.cgroup_path = e.cgroup_path;
  f.kind = FindingKind::kUnprofiled;
  f.subject = e.workload;
  f.reason = learning ? "workload has no baseline; learning it now"
                      : "workload has no baseline; not learned (detect.unprofiled: ignore)";
  f.score = 0.5;
  f.severity = SeverityOf(f.score);
  f.process = e.process;
  return f;
}

bool PortHabits::IsLearnedClient(std::string_view address) const {
  if (clients.contains(address)) return true;
  Address a;
  if (client_ranges.empty() || !ParseAddress(address, &a)) return false;
  for (const auto& [net, len] : client_ranges) {
    if (Contains(net, len, a)) return true;
  }
  return false;
}

PortHabits PortHabitsOf(const Fingerprint& fp) {
  PortHabits h;
  for (const auto& [item, stats] : fp.network) {
    if (item.direction == Direction::kInbound) h.clients.insert(item.address);
  }
  for (const auto& [item, g] : fp.net_patterns) {
    Address net;
    int len = 0;
    if (item.direction == Direction::kInbound && ParseCidr(item.address, &net, &len)) {
      h.client_ranges.emplace_back(net, len);
    }
  }
  std::set<uint16_t> ports, kernel_ports;
  std::set<std::string> addresses, kernel_addresses;
  for (const auto& [item, stats] : fp.network) {
    if (item.protocol != 6) continue;
    if (item.direction == Direction::kOutbound && item.port >= kEphemeralPortMin && h.IsLearnedClient(item.address)) {
      ++h.callbacks;
    } else if (item.direction == Direction::kListen && item.port >= 1024) {
      ports.insert(item.port);
      addresses.insert(item.address);
      if (item.port >= kEphemeralPortMin) {
        kernel_ports.insert(item.port);
        kernel_addresses.insert(item.address);
      }
    }
  }
  if (kernel_ports.size() >= kKernelPortHabitThreshold) {
    h.kernel_port_listens = kernel_ports.size();
    h.kernel_port_addresses.assign(kernel_addresses.begin(), kernel_addresses.end());
  }
  if (h.callbacks < kPortHabitThreshold) {
    h.callbacks = 0;
    h.clients.clear();
    h.client_ranges.clear();
  }
  if (ports.size() >= kPortHabitThreshold) {
    h.transient_listens = ports.size();
    h.listen_min = *ports.begin();
    h.listen_max = *ports.rbegin();
    h.listen_addresses.assign(addresses.begin(), addresses.end());
  }
  return h;
}

std::vector<Finding> Scorer::Score(const Fingerprint* fp, const Event& e,
                                   const ScoreContext& context) const {
  std::vector<Finding> findings;
  if (fp == nullptr) return findings;
  bool exe_unseen = false;
  // The port habits: the caller's, else computed for the first network item.
  std::optional<PortHabits> own_habits;
  auto habits = [&]() -> const PortHabits& {
    if (context.port_habits != nullptr) return *context.port_habits;
    if (!own_habits) own_habits = PortHabitsOf(*fp);
    return *own_habits;
  };
  // The items' memory, reused event after event (Score is not reentrant).
  thread_local ItemScratch scratch;
  for (const ItemRef& item : ItemsOf(e, &scratch)) {
    // A syscall training did not watch says nothing: none without learned
    // syscalls, only the sentinels' when training watched only those.
    if (item.table == Table::kSyscall && (!SyscallWatched(*fp, item.key) || IsServiceManagerSetup(e))) continue;
    ItemMatch learned = LookupItem(*fp, item, context.file_patterns);
    Judged judged{item, e, item.key};
    // A written executable or script is only absolved by an exact item or a
    // family with its own suffix, never by a wildcard.
    if (learned.file_pattern != nullptr && learned.file_pattern->ends_with('*') &&
        (item.access & kWriteBits) != 0 && IsExecutableName(judged)) {
      learned = ItemMatch{};
    }
    // A socket that controls the host is absolved by its exact item only.
    if (learned.file_pattern != nullptr && IsHostControlSocket(judged)) learned = ItemMatch{};
    // A pattern generalizes what the workload's own programs write; a new
    // program's tree writing there (an encryptor in the data directory, a
    // dropped file in a spool) is judged on exact items only.
    const std::string* hostile_pattern = nullptr;
    if (learned.file_pattern != nullptr && !context.hostile_root.empty() &&
        (item.access & kWriteBits) != 0) {
      hostile_pattern = learned.file_pattern;
      learned = ItemMatch{};
    }
    // A credential file is learned for the workload's own programs (a login
    // process reading /etc/shadow to check a password); a new program's tree
    // opening it is the intruder's, learned or not, and so is a shell in an
    // incident opening it (a known shell, as an SSH server's users' own, that
    // started new programs or raised medium or more: `< /etc/shadow`).
    const bool credential_in_tree = learned.stats != nullptr && item.table == Table::kFile &&
                                    (!context.hostile_root.empty() || context.suspect_shell) &&
                                    IsCredential(judged);
    if (credential_in_tree) learned = ItemMatch{};
    if (item.table == Table::kExecutable) exe_unseen = learned.stats == nullptr;
    // An exec of, or a library load from, a file the workload wrote (the detector tells).
    if (item.table == Table::kExecutable || item.table == Table::kFile) judged.wrote_exe = context.wrote_exe;
    double novelty;
    uint8_t judged_access = item.access;
    std::string reason;
    const char* rarity = nullptr;
    const char* fixed_note = nullptr;
    std::string sibling_note;
    double fixed_sensitivity = 0;
    std::optional<Sensitivity> computed;  // SensitivityOf once, when a rule needed it early
    if (learned.stats == nullptr) {
      novelty = kNoveltyUnseen;
      if (item.table == Table::kLineage) {
        // A known program under another known parent is context, unless the
        // service starts a shell, or the parent belongs to a new program's
        // tree (what an intruder's shell runs is the intrusion).
        if (exe_unseen || LearnedUnderParentBinary(*fp, e, item.key)) continue;
        judged.exe = LineageChild(item.key);
        // Under a command wrapper, the edge from the program that started it:
        // learned, the same start wrapped; else the edge judged.
        std::string_view edge = item.key;
        std::string effective_edge;
        if (std::string_view parent, child; SplitEdge(item.key, &parent, &child) && IsCommandWrapper(parent)) {
          AssignLineageKey(EffectiveParent(e), child, &effective_edge);
          if (fp->lineage.contains(effective_edge)) continue;
          edge = effective_edge;
        }
        if (ServiceStartsShell(edge) && !RunsOwnProgram(*fp, e) &&
            !(context.hostile_root.empty() && !context.parent_suspect && !SuiteShellCommand(*fp, e).empty())) {
          fixed_sensitivity = 1.0;
          fixed_note = "started by the service itself";
        } else if (context.hostile_root.empty()) {
          continue;
        }
      } else if (item.table == Table::kNetwork && item.net.direction == Direction::kInbound &&
                 KnownAudiencePort(*fp, item.net, habits())) {
        continue;  // a client of a port the workload serves
      } else if (item.table == Table::kDns && context.hostile_root.empty() && IsReverseLookupName(item.key) &&
                 LearnedReverseLookups(*fp)) {
        // Who another address is, asked by a workload that asked that of its
        // peers in training: the addresses are judged where the workload
        // talks to them (a new client, a new peer), not by their names.
        continue;
      } else if (item.table == Table::kDns && context.hostile_root.empty() && !FromShell(judged) &&
                 ResolvesClientNames(*fp)) {
        // A new name of a workload that resolves its clients' names: the
        // addresses it then talks to are judged as peers; a new resolver
        // is still its own finding.
        continue;
      } else if (item.table == Table::kSyscall && context.hostile_root.empty() &&
                 !IsEvasive(judged) && !IsTampering(judged) &&
                 (!LearnedGroupMember(fp->syscalls, item.key).empty() ||
                  IsHarmlessSyscallGroup(SyscallGroup(item.key)))) {
        // Another entry point to a power the workload already uses, or a
        // wait, sleep or sync: no power outside the process.
        continue;
      } else if (item.table == Table::kNetwork && item.net.direction == Direction::kOutbound &&
                 context.hostile_root.empty() && !FromShell(judged) &&
                 (OwnListener(*fp, item.net) || PeerKnownByName(*fp, item.net, context.queried_name))) {
        // The workload connecting to itself (a health check, its admin CLI),
        // or a new address of a service it reaches by name.
        continue;
      } else if (item.table == Table::kNetwork && item.net.direction == Direction::kOutbound &&
                 context.hostile_root.empty() && !context.shell_incident && !FromShell(judged) &&
                 item.net.protocol == 6 && item.net.port >= kEphemeralPortMin && habits().callbacks > 0 &&
                 fp->executables.contains(e.process.exe) &&
                 (context.peer_is_client || habits().IsLearnedClient(item.net.address))) {
        // A workload that connected back to its clients' ephemeral ports in
        // training (active-mode FTP's data connections), its own program
        // connecting back to a client now: the same habit.
        continue;
      } else if (item.table == Table::kNetwork && item.net.direction == Direction::kOutbound &&
                 !IsLoopbackAddress(item.net.address)) {
        judged.known_subnet = InKnownSubnet(*fp, item.net.address);
      } else if (item.table == Table::kFile && (item.access & kWriteBits) != 0) {
        judged.served_dir = ServedDir(*fp, item.key, context.file_patterns);
      } else if (item.table == Table::kFile && !IsCredential(judged) && !IsPersistence(judged) &&
                 !IsHostControlSocket(judged) &&
                 ((e.result < 0 && context.hostile_root.empty()) || HoldsLearnedFiles(*fp, item.key))) {
        // A read that failed read nothing (a locale or config probe by the
        // workload's own programs; a connect to a socket that is not there:
        // not to the host's control sockets, whose attempt is the news); a directory holding learned files lists
        // what the workload uses, whoever lists it (a verdict that does not
        // depend on the process tree, so the kernel verdict cache may keep it).
        continue;
      }
      if (item.table == Table::kExecutable && context.hostile_root.empty() && !context.wrote_exe) {
        computed = SensitivityOf(judged, judged_access);
        std::string_view sibling = computed->value <= kPlainExecSensitivity ? SiblingProgram(*fp, item.key) : "";
        std::string_view tenant_copy =
            computed->value <= kPlainExecSensitivity && sibling.empty() ? TenantCopyOf(*fp, item.key) : "";
        std::string suite_command =
            context.parent_suspect || IsFileless(judged) ? std::string() : SuiteShellCommand(*fp, e);
        const int service_shell_ran = IsCommandWrapper(item.key) ? -1 : NarrowServiceShellRuns(*fp, e);
        if ((e.exec_flags & kExecByServiceManager) != 0 && !IsFileless(judged) && !OnUpperLayer(judged)) {
          // The unit file's command (a reload or stop training never saw):
          // what the service manager runs is the administrator's, whatever
          // program it is; the workload cannot make pid 1 run anything.
          fixed_sensitivity = kSiblingSensitivity;
          fixed_note = "run by the service manager (pid 1) for the unit: a command of its unit file "
                       "(ExecReload, ExecStop, ExecStartPre...)";
        } else if (service_shell_ran >= 0 && computed->value < kServiceShellProgramSensitivity) {
          fixed_sensitivity = kServiceShellProgramSensitivity;
          sibling_note = "run by a shell the service started, whose shells ran " + std::to_string(service_shell_ran) +
                         " utilities in training: a command it never ran";
          fixed_note = sibling_note.c_str();
        } else if (!suite_command.empty()) {
          fixed_sensitivity = kSiblingSensitivity;
          sibling_note = "a shell one program of the workload's suite ran to start another: " +
                         std::string(Basename(e.process.parent_exe)) + " runs " + suite_command;
          fixed_note = sibling_note.c_str();
        } else if (!sibling.empty()) {
          fixed_sensitivity = kSiblingSensitivity;
          sibling_note = "a sibling of the workload's own " + std::string(sibling);
          fixed_note = sibling_note.c_str();
        } else if (!tenant_copy.empty()) {
          fixed_sensitivity = kSiblingSensitivity;
          sibling_note = "another tenant's copy of the workload's own " + std::string(tenant_copy) +
                         " (the same name at the same place in a sibling tree)";
          fixed_note = sibling_note.c_str();
        } else if (computed->value <= kPlainExecSensitivity && IsCommandWrapper(item.key)) {
          // It runs another program and does nothing itself; that program is
          // judged on its own, as started by whoever started the wrapper.
          fixed_sensitivity = kSiblingSensitivity;
          fixed_note = "a command wrapper: the program it runs is judged on its own";
        } else if (computed->value <= kPlainExecSensitivity && !context.package_kin.empty()) {
          fixed_sensitivity = kSiblingSensitivity;
          sibling_note = "installed by " + std::string(context.package_kin);
          fixed_note = sibling_note.c_str();
        } else if (computed->value <= kPlainExecSensitivity && !context.parent_suspect) {
          const size_t utilities = ScriptUtility(*fp, e, item.key);
          if (utilities > 0) {
            fixed_sensitivity = kScriptUtilitySensitivity;
            sibling_note = "an ordinary utility run by the workload's scripts: its shells started " +
                           std::to_string(utilities) + " distinct utilities in training";
            fixed_note = sibling_note.c_str();
          }
        }
      }
      if (item.table == Table::kNetwork && item.net.direction == Direction::kListen && item.net.protocol == 6 &&
          item.net.port >= 1024 && context.hostile_root.empty() && !context.shell_incident &&
          !FromShellOrInterpreter(judged) && fp->executables.contains(e.process.exe)) {
        const PortHabits& h = habits();
        if (h.transient_listens > 0 && std::binary_search(h.listen_addresses.begin(), h.listen_addresses.end(),
                                                          item.net.address)) {
          // Another port of a workload that opens listening ports as it goes
          // (passive-mode data ports), on an address it listened on: a
          // change of its range, not a new service.
          fixed_sensitivity = kTransientListenSensitivity;
          sibling_note = "beside the " + std::to_string(h.transient_listens) + " ports it listened on in training (" +
                         std::to_string(h.listen_min) + "-" + std::to_string(h.listen_max) +
                         "): it opens listening ports as it goes";
          fixed_note = sibling_note.c_str();
        } else if (item.net.port >= kEphemeralPortMin && h.kernel_port_listens > 0 &&
                   std::binary_search(h.kernel_port_addresses.begin(), h.kernel_port_addresses.end(),
                                      item.net.address)) {
          // A port the kernel chose (a bind to port 0), as the ones it
          // listened on in training: the service hands such ports out; none
          // is a configured service port.
          fixed_sensitivity = kTransientListenSensitivity;
          sibling_note = "a port the kernel chose, like the " + std::to_string(h.kernel_port_listens) +
                         " ephemeral ports it listened on in training";
          fixed_note = sibling_note.c_str();
        }
      }
      if (item.table == Table::kSyscall && !IsEvasive(judged) && !IsTampering(judged)) {
        const std::string_view group = SyscallGroup(item.key);
        if (IsHarmlessSyscallGroup(group)) {  // only in a new program's tree
          fixed_sensitivity = kHarmlessSyscallSensitivity;
          fixed_note = "waits, sleeps or syncs: no power outside the process";
        } else if (!group.empty() && context.hostile_root.empty() &&
                   fp->executables.contains(e.process.exe)) {
          // The workload's own program on a code path training did not run
          // (crash recovery, a rare request): an ordinary power, not a
          // privilege or kernel control (those are in no group).
          fixed_sensitivity = kOwnProgramSyscallSensitivity;
          fixed_note = "the workload's own program, an ordinary syscall group";
        }
      }
      reason = !credential_in_tree             ? UnseenReason(item)
               : !context.hostile_root.empty() ? "credential file the workload's own programs opened in training, now "
                                                 "opened in a new program's tree"
                                               : "credential file the workload's own programs opened in training, now "
                                                 "opened by a shell in an incident";
    } else if (item.table == Table::kExecutable && context.wrote_exe) {
      // Known by name, but the workload wrote the file it now runs.
      novelty = kNoveltyUnseen;
      reason = "executable rewritten by the workload before it ran";
    } else {
      uint8_t new_bits = item.access & static_cast<uint8_t>(~learned.stats->access);
      if (item.table != Table::kFile || new_bits == 0) continue;
      novelty = kNoveltyNewAccess;
      if (IsRare(*learned.stats, *fp)) {
        novelty = kNoveltyRare;
        rarity = "seen once in training";
      }
      judged_access = new_bits;
      judged.served_dir = (new_bits & kWriteBits) != 0 && ServedDir(*fp, item.key, context.file_patterns);
      reason = NewAccessReason(new_bits, learned.stats->access);
    }
    Sensitivity s = fixed_note != nullptr ? Sensitivity{fixed_sensitivity, fixed_note}
                    : computed            ? *computed
                                          : SensitivityOf(judged, judged_access);
    if (!context.unpacked_from.empty() && item.table == Table::kFile && (judged_access & kWriteBits) != 0 &&
        context.hostile_root.empty() && !IsCredential(judged) && !IsPersistence(judged) && !InSystemDir(judged)) {
      sibling_note = "unpacked from " + std::string(context.unpacked_from) +
                     ", an archive the workload read and did not write: a deployment";
      s = Sensitivity{kUnpackedSensitivity, sibling_note.c_str()};
    }
    std::string notes;
    auto note = [&notes](std::string_view n) {
      if (!notes.empty()) notes += "; ";
      notes += n;
    };
    if (s.note != nullptr) note(s.note);
    if (rarity != nullptr) note(rarity);
    if (learned.file_pattern != nullptr) note("pattern " + *learned.file_pattern);
    if (hostile_pattern != nullptr) note("pattern " + *hostile_pattern + " covers the workload's own writes only");
    if (e.kind == EventKind::kConnect && !context.queried_name.empty() && learned.stats == nullptr) {
      note("after DNS query for " + std::string(context.queried_name));
    }
    if (e.kind == EventKind::kOpen && e.result < 0) note(e.access == kAccessConnect ? "connect failed" : "open failed");
    double score = std::round(novelty * s.value * 1000) / 1000;
    const Target target = TargetOf(item);
    if (!context.hostile_root.empty()) {
      const bool network = target == Target::kOutbound || target == Target::kListen ||
                           target == Target::kResolver || target == Target::kDnsName;
      const bool plain_read = target == Target::kFile && (judged_access & kWriteBits) == 0;
      if (network) {
        score = 1.0;
      } else if (!plain_read) {
        score = RaiseOneLevel(score);
      }
      if (network || !plain_read) note("in the process tree of " + std::string(context.hostile_root));
    } else if (context.suspect_shell && target == Target::kFile && (judged_access & kWriteBits) != 0) {
      score = RaiseOneLevel(score);
      note("written by a shell in an incident: it started a new program or raised medium or more");
    } else if (context.shell_incident && (target == Target::kOutbound || target == Target::kListen)) {
      score = RaiseOneLevel(score);
      note("from a shell's incident: the shell started a new program or raised medium or more");
    }
    if (!notes.empty()) reason += " (" + notes + ")";

    Finding& f = findings.emplace_back();
    f.time_ns = e.time_ns;
    f.workload = e.workload;
    f.cgroup_path = e.cgroup_path;
    f.kind = item.kind;
    f.subject = item.subject;
    f.reason = std::move(reason);
    f.score = score;
    f.severity = SeverityOf(f.score);
    f.process = e.process;
    f.item = item;
  }
  return findings;
}

}  // namespace dw::model
