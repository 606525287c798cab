// model/scorer.h: compares one live event with a workload's fingerprint and
// turns every item the fingerprint lacks into a scored Finding.
#ifndef DRIFTWATCH_MODEL_SCORER_H_
#define DRIFTWATCH_MODEL_SCORER_H_

#include <string_view>
#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"

namespace dw::model {

// Severity of a score in 0..1:
//   >= 0.9 critical, >= 0.7 high, >= 0.4 medium, else low.
Severity SeverityOf(double score);

// Scores events against fingerprints. An item of the event (model/items.h) is
// drift when the fingerprint lacks it, exactly and through its patterns
// (model/generalize.h), or, for a file, when the event's access bits include
// one the file (or the pattern covering it) never had in training: a pattern
// learned from reads does not absolve a write. A new lineage edge is drift
// only when its executable is known: an unknown executable gives the
// executable finding alone, not a second one for its edge.
//
// This comment is the single source of the scoring rules:
//
//   score = novelty x sensitivity, rounded to 3 decimals; severity SeverityOf
//   novelty     = 1.0 for an item the fingerprint lacks;
//                 0.9 for a new lineage edge of a known executable (the
//                 program was expected, its parent was not), and for a known
//                 file or pattern used with new access bits (the path was
//                 expected, the mode was not);
//                 rarity raises these two to 1.0 when the known part was
//                 rare: seen once, by one process, in a long training (>= 1000
//                 events or >= 1 hour). Note "run once in training" / "seen
//                 once in training".
//   sensitivity = the highest of the rules below that match the item (for a
//                 known file, judged on the new access bits only):
//     executables and lineage edges (judged on the executable): any 0.5;
//       shells (sh, bash, dash, zsh, busybox...), interpreters (python*,
//       perl*, ruby*, php*, node...) and network tools (nc, ncat, socat,
//       curl, wget, ssh...) 0.9; anything under /tmp, /var/tmp, /dev/shm 1.0
//     files: read 0.2; write or create 0.3; credential files (/etc/shadow,
//       /etc/gshadow, /etc/sudoers[.d/*], any .ssh directory,
//       [/var]/run/secrets/kubernetes.io/serviceaccount/*) 0.9, written 1.0;
//       write or create under system directories (/etc, /bin, /sbin, /lib*,
//       /usr/{bin,sbin,lib*,libexec}, /usr/local/{bin,sbin,lib}, /boot) 0.8
//     network: outbound peer: loopback 0.3, in a known subnet 0.5 (the /24 or
//       /64 of any learned peer, or a learned range: model/generalize.h
//       InKnownSubnet), outside every known subnet 0.7; inbound client
//       loopback 0.3 / other 0.5; listening port loopback 0.6 / other 0.8;
//       DNS resolver loopback 0.3 / other 0.5; DNS name 0.4
//     syscalls: any 0.5 (medium); those an attacker uses to escape, hide or
//       persist 0.8 (high): mount, umount2, pivot_root, chroot, unshare,
//       setns, keyctl, add_key, request_key, perf_event_open, personality,
//       userfaultfd, memfd_create, reboot, swapon, settimeofday,
//       clock_settime; those that tamper with other processes or the kernel
//       1.0 (critical): ptrace, process_vm_readv, process_vm_writev, bpf,
//       init_module, finit_module, delete_module, kexec_load,
//       kexec_file_load, open_by_handle_at, iopl, ioperm
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
// "executable never run by this parent in training", "write to a file only
// read in training", "new outbound peer", "new listening port", "syscall
// never used in training", ...)
// followed, in parentheses and in this order, by the note of the deciding
// rule ("shell", "credential file", "outside every known subnet",
// "tampers with processes or the kernel", ...), the
// rarity note, "pattern <p>" when a pattern matched, "after DNS query for
// <name>" (see Score), and "open failed" for a failed open.
//
// Stateless: thread-safe, cheap to copy.
class Scorer {
 public:
  // The findings `e` raises against `fp`, one per drifting item, in the order
  // of ItemsOf(e). `fp` == nullptr means the workload has no fingerprint: no
  // findings (callers report unprofiled workloads on their own). Each finding
  // carries the event's time, workload, cgroup path and process; count 1, id 0.
  // `queried_name`: for kConnect, the DNS name the process queried just
  // before (DnsRecall::NameBefore, model/items.h), or "": it is mentioned in
  // the reason of a new outbound peer and changes nothing else (a process can
  // query any name; the score must not trust it).
  std::vector<Finding> Score(const Fingerprint* fp, const Event& e,
                             std::string_view queried_name = {}) const;
};

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_SCORER_H_
