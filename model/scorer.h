// model/scorer.h: compares one live event with a workload's fingerprint and
// turns every item the fingerprint lacks into a scored Finding.
#ifndef DRIFTWATCH_MODEL_SCORER_H_
#define DRIFTWATCH_MODEL_SCORER_H_

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/event.h"
#include "model/address.h"
#include "model/fingerprint.h"
#include "model/generalize.h"

namespace dw::model {

// Severity of a score in 0..1:
//   >= 0.9 critical, >= 0.7 high, >= 0.4 medium, else low.
Severity SeverityOf(double score);

// What a workload's learned network items say of its ports (PortHabitsOf),
// for workloads whose ports are not fixed: active-mode FTP connects back to
// each client's ephemeral port for every transfer; passive-mode FTP (and
// per-session or worker ports) listens on a port of a range for a while.
// Learned from training's items, nothing named:
//   - callbacks: kPortHabitThreshold or more outbound TCP items to ephemeral
//     ports (kEphemeralPortMin and up) of addresses that were its clients
//     (learned inbound items, or an inbound range);
//   - transient listeners: kPortHabitThreshold or more distinct unprivileged
//     TCP ports (1024 and up) it listened on, and the addresses it listened
//     on them;
//   - kernel-chosen ports: kKernelPortHabitThreshold or more distinct TCP
//     ports in the ephemeral range (kEphemeralPortMin and up) it listened on
//     (a bind to port 0: no client is configured with such a port; the
//     service hands it out), and the addresses.
inline constexpr uint16_t kEphemeralPortMin = 32768;  // Linux's default range starts here (IANA's at 49152)
inline constexpr size_t kPortHabitThreshold = 8;
inline constexpr size_t kKernelPortHabitThreshold = 3;
struct PortHabits {
  size_t callbacks = 0;          // outbound items to clients' ephemeral ports (0 below the threshold)
  size_t transient_listens = 0;  // distinct unprivileged listening ports (0 below the threshold)
  uint16_t listen_min = 0, listen_max = 0;  // their range
  std::vector<std::string> listen_addresses;  // sorted
  size_t kernel_port_listens = 0;  // distinct ephemeral-range listening ports (0 below the threshold)
  std::vector<std::string> kernel_port_addresses;  // sorted
  // The learned clients (inbound items' addresses, inbound ranges), kept
  // while callbacks > 0: the only habit that asks.
  std::set<std::string, std::less<>> clients;
  std::vector<std::pair<Address, int>> client_ranges;  // network, prefix length
  // `address` is a learned client (always false without the callbacks habit).
  bool IsLearnedClient(std::string_view address) const;
};
PortHabits PortHabitsOf(const Fingerprint& fp);

// What the caller knows about an event beyond the event itself (the Detector
// keeps this state across events; the Scorer is stateless).
struct ScoreContext {
  // For kConnect: the DNS name the process queried just before
  // (DnsRecall::NameBefore, model/items.h), or "": a name the workload
  // queried in training, on a port it connected out on, makes a new address
  // known (a peer known by name, below); any other name is mentioned in the
  // reason of a new outbound peer and changes nothing else.
  std::string_view queried_name;
  // For kExec, and for a read opening a shared object (the dynamic loader's):
  // the workload wrote or created e.path earlier in this run.
  bool wrote_exe = false;
  // The event's process belongs to a tree started by a new program: that
  // program's finding, "<kind> <subject>"; "" otherwise.
  std::string_view hostile_root;
  // For kExec: the process that started it (the event's parent) raised a
  // finding of medium or more, or started a new program, within the incident
  // window: its new utilities are not a script's ordinary steps.
  bool parent_suspect = false;
  // The event's process is a shell that raised a finding of medium or more,
  // or started a new program, within the incident window (an intruder's
  // shell where the workload runs shells of its own): its writes rise one
  // severity, as a new program's tree's do.
  bool suspect_shell = false;
  // The event's process is suspect (above, or forked from a suspect process)
  // and is a shell or was started by one: a known program an intruder's shell
  // runs. Its new outbound peers and listening ports rise one severity.
  bool shell_incident = false;
  // For kExec of a new program: "<package>, the package of the workload's
  // own <learned exe>" when the package that installed it (model/detector.h
  // PackageOracle) also installed a program the workload ran in training
  // (postfix's postmap beside its postconf); "" otherwise. Such a program is a sibling, as one in the same
  // program directory is, unless it is a shell, interpreter or network tool.
  std::string_view package_kin;
  // For a write: the archive (NAME.war, .ear, .jar or .zip) the process read
  // just before, in the incident window, whose directory NAME/ the write is
  // under, when the workload did not write the archive itself (an
  // application server unpacking what a deployment dropped); "" otherwise.
  // What it unpacks is the archive's content, judged once, low, with the
  // archive in the reason, unless it lands in a credential, persistence or
  // system location. One the workload wrote itself (an upload) is no deployment.
  std::string_view unpacked_from;
  // For kConnect: the peer's address connected in to the workload before
  // (in this run, or as a learned client): with the callbacks habit
  // (PortHabits), a connection back to its ephemeral port is known.
  bool peer_is_client = false;
  // The fingerprint's PortHabits, when the caller keeps them (else computed
  // when needed). Changes no verdict.
  const PortHabits* port_habits = nullptr;
  // The fingerprint's FilePatternIndex (model/generalize.h), when the caller
  // keeps one: pattern lookups go through it. Changes no verdict.
  const FilePatternIndex* file_patterns = nullptr;
};

// The finding for the first event of a workload that has no baseline, where
// baselines are expected (the agent in detect mode): kind kUnprofiled,
// subject the workload, score 0.5 (medium: every unknown workload is worth a
// look, none is an attack by itself). `learning`: whether it is learned now
// (the reason says so).
Finding UnprofiledFinding(const Event& e, bool learning);

// Whether a workload runs scripts of steps (a batch job, a CI runner, an
// entrypoint that prepares its service), from its learned lineage: the shells
// that started a program in training, and the distinct programs of /bin and
// /usr/bin they started (but shells, interpreters and network tools), by
// name. With kScriptRunnerUtilities or more, one more ordinary utility
// started by one of those shells scores low (the rule below); a launcher
// (bash -> setpriv -> the service) starts one to three.
inline constexpr size_t kScriptRunnerUtilities = 8;
struct ScriptRunner {
  std::vector<std::string> shells;     // sorted paths
  std::vector<std::string> utilities;  // sorted, distinct names
  bool runs_scripts() const { return utilities.size() >= kScriptRunnerUtilities; }
};
ScriptRunner ScriptRunnerOf(const Fingerprint& fp);

// The floor of the next severity above `score`'s (low -> 0.4, medium -> 0.7,
// high and critical -> at least 0.9): how context raises a finding.
double RaiseOneLevel(double score);
// A shell (sh, bash, dash, ...), by the basename of its executable.
bool IsShell(std::string_view exe);

// Scores events against fingerprints. An item of the event (model/items.h) is
// drift when the fingerprint lacks it, exactly and through its patterns
// (model/generalize.h), or, for a file, when the event's access bits include
// one the file (or the pattern covering it) never had in training: a pattern
// learned from reads does not absolve a write, and a pattern never absolves a
// write or create by a process in a new program's tree (ScoreContext::
// hostile_root; note "pattern P covers the workload's own writes only"):
// patterns generalize what the workload's own programs do. A new lineage edge of a known
// executable is context, not drift, but for a service starting a shell (see
// below); an unknown executable gives the executable finding alone.
//
// This comment is the single source of the scoring rules:
//
//   score = novelty x sensitivity, rounded to 3 decimals; severity SeverityOf
//   novelty     = 1.0 for an item the fingerprint lacks;
//                 0.9 for a known file or pattern used with new access bits
//                 (the path was expected, the mode was not);
//                 rarity raises it to 1.0 when the known part was rare: seen
//                 once, by one process, in a long training (>= 1000 events
//                 or >= 1 hour). Note "seen once in training".
//   sensitivity = the highest of the rules below that match the item (for a
//                 known file, judged on the new access bits only):
//     executables (judged on the new executable): any 0.5;
//       shells (sh, bash, dash, zsh, busybox...), interpreters (python*,
//       perl*, ruby*, php*, node...) and network tools (nc, ncat, socat,
//       curl, wget, ssh...) 0.9; anything under /tmp, /var/tmp, /dev/shm
//       1.0; fileless (a memfd, a deleted file, /dev/fd/N: Event::exec_flags
//       or the name) 1.0; on an overlayfs upper layer (written into the
//       container after it started, not from its image) 1.0; a file this
//       workload wrote earlier in the run that training never wrote
//       (ScoreContext::wrote_exe; drop and execute) 1.0, even when the
//       executable itself is known; 0.3 for a sibling of a learned
//       executable that no rule above matched (same directory, and that
//       directory is the program's own, not /bin, /usr/bin, ...; or both
//       names share a stem of 3+ characters: redis-cli beside redis-server):
//       the workload's own suite; 0.3 for an ordinary utility of a workload
//       that runs scripts (a batch job, a CI runner): in /bin or /usr/bin,
//       started by a shell the workload knows as a parent (the event's
//       parent_exe), in a workload whose shells started 8 or more distinct
//       utilities of those directories in training, none of the intruder's
//       tools (discovery: id, whoami, uname, ps, ss...; privilege and
//       namespaces: sudo, su, nsenter...; chmod, chown; accounts; crontab,
//       systemctl; kill, shred, iptables, modprobe; base64, openssl;
//       compilers and package managers; debuggers; container control:
//       scorer.cc kIntruderTools), and not when the parent shell is suspect
//       (ScoreContext::parent_suspect): one more step of its scripts; 0.3
//       for a shell run as `sh -c CMD` by a sibling that is no learned
//       executable (never the service's own process), when CMD is one simple
//       command (no operator, substitution, redirection, glob or escape)
//       naming a learned or sibling program by its absolute path, and the
//       parent is not suspect: a suite program running another through
//       system() or popen() (pg_dumpall -> sh -c '"pg_dump" -V'); all three
//       outside a new program's tree only, and a low exec finding roots no
//       hostile tree
//     lineage edges (a known executable under a parent it never had): context,
//       not drift: no finding, except a shell, interpreter or network tool
//       started by a parent that is none of those (the service itself, as
//       nginx -> sh): 1.0 with novelty 1.0, unless it is the suite shell
//       above (then no finding); and inside a new program's tree
//       (context below), where the edge is judged as its executable
//     files: no finding for reading a directory that holds learned files or
//       patterns (listing what the workload uses), nor, outside a new
//       program's tree, for a read that failed (it read nothing: a locale or
//       configuration probe), unless the path is a credential or persistence
//       location; read 0.2; write or create 0.3; credential files (/etc/shadow,
//       /etc/gshadow, /etc/sudoers[.d/*], any .ssh directory,
//       [/var]/run/secrets/kubernetes.io/serviceaccount/*) 0.9, written 1.0;
//       write or create under system directories (/etc, /bin, /sbin, /lib*,
//       /usr/{bin,sbin,lib*,libexec}, /usr/local/{bin,sbin,lib}, /boot) 0.8;
//       write or create of a persistence location (cron, systemd units,
//       init scripts, shell rc and profile files, authorized_keys,
//       ld.so.preload and ld.so.conf, PAM, /etc/passwd and group, udev
//       rules, autostart) 1.0; write or create of an executable or script by
//       its name (.sh .py .pl .php .jsp .asp[x] .cgi .so ...) 0.7, and 0.8
//       where the workload serves or runs from (a directory it has learned
//       reads in, or an executable in); such a write is never absolved by a
//       wildcard pattern (only by an exact item or a numbered family with the
//       same suffix); a write unpacked from an archive a deployment dropped
//       (ScoreContext::unpacked_from) 0.3, but in those three locations
//     network: outbound to the workload's own listener (a loopback address
//       and port it learned a listening socket on, bound there or to every
//       address): no finding, outside a new program's tree and not from a
//       shell or raw network tool (an exec probe's client, its admin CLI);
//       outbound peer known by name: no finding when the process
//       queried, in the 2 s before, a DNS name the workload queried in
//       training and connects on a port and protocol it connected out on in
//       training, outside a new program's tree and not from a shell or raw
//       network tool (a service behind DNS moved or has several addresses;
//       the query is not an answer: a process of the workload that queries
//       a learned name reaches another address on that port unflagged);
//       otherwise outbound peer: loopback 0.3, in a known subnet 0.5 (the /24 or
//       /64 of any learned peer, or a learned range: model/generalize.h
//       InKnownSubnet), outside every known subnet 0.7; from a shell or a
//       raw network tool (nc, ncat, socat, telnet) process 1.0 (a reverse
//       shell); inbound client: none on a port the workload is known to
//       listen on or to be reached on (a port's clients are its audience),
//       else loopback 0.3 / other 0.5; listening port loopback 0.6 / other
//       0.8, from a shell, interpreter or network tool process 1.0 (a bind
//       shell); DNS resolver loopback 0.3 / other 0.5; DNS name 0.4, but
//       none for a reverse lookup (model/items.h IsReverseLookupName) by a
//       workload that made reverse lookups in training, outside a new
//       program's tree, and none for any name of a workload that queried 16
//       or more distinct names in training (it resolves its clients' names:
//       a resolver, a forward proxy, a mail relay), outside a new program's
//       tree and not from a shell or raw network tool
//     syscalls: none for a syscall whose group (model/syscall_groups.h:
//       basic-io, file-system, network-io, memory, sync, signal, ...) the
//       workload used in training (writev after write, rmdir after mkdir):
//       another entry point to a power it has, unless the syscall is in one
//       of the two lists below or comes from a new program's tree; none for
//       a harmless group (timer, io-event, sync: waits, sleeps, syncs; 0.3
//       in a new program's tree); else
//       any 0.5 (medium); those an attacker uses to escape, hide or
//       persist 0.8 (high): mount, umount2, pivot_root, chroot, unshare,
//       setns, keyctl, add_key, request_key, perf_event_open, personality,
//       userfaultfd, memfd_create, reboot, swapon, settimeofday,
//       clock_settime; those that tamper with other processes or the kernel
//       1.0 (critical): ptrace, process_vm_readv, process_vm_writev, bpf,
//       init_module, finit_module, delete_module, kexec_load,
//       kexec_file_load, open_by_handle_at, iopl, ioperm
//   context (ScoreContext::hostile_root: the event's process descends from a
//   new program: a new executable, a fileless one, or a shell started by the
//   service; model/detector.h tracks the trees):
//     network findings (outbound, listen, DNS) from such a tree are 1.0 ("a
//     reverse shell's connection"); exec, write and syscall findings are raised
//     to the next severity's floor (low -> 0.4, medium -> 0.7, high -> 0.9);
//     plain reads are not raised (the detector folds a new program's own
//     reads into its exec finding). The note names the root.
//
// A syscall is drift only when the fingerprint learned syscalls at all
// (Fingerprint::syscalls not empty): a baseline trained without syscall
// learning never flags one.
//
// Why rarity never creates findings: an item seen once in training is still
// something the workload does (a nightly job, a rare code path); flagging it
// would alert on normal traffic at the rate rare paths occur. Rarity only
// sharpens drift that is already there: a shell run once by the entrypoint
// and now started by nginx is more alarming than one the entrypoint runs all
// day. The Good-Turing share of unseen items per table (model/convergence.h)
// says how far to trust a baseline as a whole; it is not applied per event.
//
// The reason names the drift ("executable never seen in training",
// "executable never run by this parent in training", "runs a file the
// workload wrote", "write to a file only
// read in training", "new outbound peer", "new listening port", "syscall
// never used in training", ...)
// followed, in parentheses and in this order, by the note of the deciding
// rule ("shell", "credential file", "outside every known subnet",
// "tampers with processes or the kernel", ...), the
// rarity note, "pattern <p>" when a pattern matched, "after DNS query for
// <name>" (see Score), "open failed" for a failed open, and "in the process
// tree of <root>" when the context raised it.
//
// Stateless: thread-safe, cheap to copy.
class Scorer {
 public:
  // The findings `e` raises against `fp`, one per drifting item, in the order
  // of ItemsOf(e). `fp` == nullptr means the workload has no fingerprint: no
  // findings (callers report unprofiled workloads on their own). Each finding
  // carries the event's time, workload, cgroup path and process; count 1, id 0.
  // `context`: what the caller knows beyond the event (see ScoreContext).
  std::vector<Finding> Score(const Fingerprint* fp, const Event& e,
                             const ScoreContext& context = {}) const;
};

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_SCORER_H_
