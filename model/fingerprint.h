// model/fingerprint.h: a workload's learned baseline and the findings scored against it.
//
// A Fingerprint is a plain value: what a workload was seen to do during
// training (executables, files, network peers, listening ports, DNS names),
// each item with counts and first/last seen. The profiler (profiler/) builds
// fingerprints from events; the scorer (model/scorer.h) compares live events
// with them; the store (store/) persists them. Not thread-safe; copy freely.
#ifndef DRIFTWATCH_MODEL_FINGERPRINT_H_
#define DRIFTWATCH_MODEL_FINGERPRINT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collector/event.h"
#include "collector/syscall_names.h"

namespace dw::model {

// The hash of a hash table keyed by strings (or views) that is searched with
// a string_view without building a string (with std::equal_to<>).
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Bumped when the meaning or layout of Fingerprint changes; stored with each blob.
// Version 2 added lineage, generalizations and rates; version 3 syscalls, the
// node a fingerprint was trained on and per-item node counts; version 4 which
// syscalls training watched; version 5 lineage_by_exe (lineage names an
// interpreter's process by its script since then); version 6 the same layout,
// with a relative script and one after the interpreter's own value-taking
// flags named too (`python3 app.py`, `perl -Ilib x.pl`): a version-5 baseline
// may name those by their binary, so it reads with lineage_by_exe. Older
// blobs load.
inline constexpr uint32_t kFingerprintFormatVersion = 6;

using collector::SyscallWatch;

struct ItemStats {
  uint64_t count = 0;         // events that matched this item
  int64_t first_seen_ns = 0;  // wall clock, ns since the Unix epoch
  int64_t last_seen_ns = 0;
  uint32_t processes = 0;  // distinct process instances (pid, exec) that used it
  uint8_t access = 0;      // files: union of AccessBits seen; 0 otherwise
  uint32_t nodes = 1;      // distinct nodes that saw it (> 1 only in merged fingerprints)
  bool operator==(const ItemStats&) const = default;
};

enum class Direction : uint8_t {
  kOutbound = 1,  // we connected to addr:port
  kInbound = 2,   // addr connected to our port `port`
  kListen = 3,    // we listen on addr:port (addr is the bound address)
  kDns = 4,       // we sent a DNS query to addr:port
};
const char* DirectionName(Direction d);  // "outbound", "inbound", "listen", "dns"

struct NetItem {
  Direction direction = Direction::kOutbound;
  uint8_t protocol = 6;  // 6 = TCP, 17 = UDP
  std::string address;   // "10.0.0.7", "::1", "0.0.0.0"
  uint16_t port = 0;     // outbound/dns: peer port; inbound/listen: local port
  auto operator<=>(const NetItem&) const = default;
  bool operator==(const NetItem&) const = default;
  // "outbound tcp 10.0.0.7:5432", "inbound tcp 127.0.0.1 -> :80", "listen tcp 0.0.0.0:80".
  std::string ToString() const;
};

// A wildcard path or widened network range made by generalization, with the
// reason a person can check: which rule, and which learned items it replaced.
struct Generalization {
  std::string rule;                   // "8 distinct children under /var/cache/app (threshold 8)"
  std::vector<std::string> examples;  // some of the items it replaced (at most kMaxExamples)
  uint32_t covered = 0;               // distinct items it replaced
  ItemStats stats;                    // their stats merged, and later matches
  static constexpr size_t kMaxExamples = 8;
  bool operator==(const Generalization&) const = default;
};

// Behaviour rates per time bucket (model/rates.h). Plain std types so that the
// store can serialize it; Eigen stays inside model/rates.cc.
inline constexpr size_t kRateDims = 8;  // execs, forks, opens, writes, distinct paths,
                                        // connects+accepts, distinct peers, distinct
                                        // written paths (format 3; 7 before)
struct RateBaseline {
  int64_t bucket_ns = 10'000'000'000;  // 10 s buckets
  uint64_t buckets = 0;                // training buckets folded in
  std::vector<double> mean;            // kRateDims, of the transformed features
  std::vector<double> m2;              // kRateDims*kRateDims co-moment sums (Welford), row-major
  std::vector<double> max;             // kRateDims, max transformed value seen in training
  bool operator==(const RateBaseline&) const = default;
};

struct TrainingStats {
  uint64_t events = 0;  // events folded into this fingerprint
  int64_t first_event_ns = 0;
  int64_t last_event_ns = 0;
  uint64_t dropped_events = 0;  // ring-buffer drops while training (whole host)
  uint32_t sessions = 0;        // training runs that extended this fingerprint
  bool operator==(const TrainingStats&) const = default;
};

struct Fingerprint {
  std::string workload;
  uint32_t format_version = kFingerprintFormatVersion;
  std::string node;  // host it was trained on (hostname); "" if unknown
  std::map<std::string, ItemStats> executables;  // exe path
  std::map<std::string, ItemStats> files;        // normalised path (model/normalize.h)
  std::map<NetItem, ItemStats> network;
  std::map<std::string, ItemStats> dns_names;  // lower-case query names
  std::map<std::string, ItemStats> lineage;    // "parent exe -> exe" edges of execs
  std::map<std::string, ItemStats> syscalls;   // syscall names ("openat"), when learned
  std::string syscall_arch;                    // their ABI ("x86_64"); "" if none learned
  // Which syscalls training watched, so which `syscalls` can tell: every one
  // (kAll; with `syscalls` empty, as format 3 and older left it when training
  // watched none, the same as kNone: EffectiveSyscallWatch), the sentinels
  // only, or none.
  SyscallWatch syscall_watch = SyscallWatch::kAll;
  // Its lineage was learned, all or in part, when an interpreter's process
  // was named by its binary (`/usr/bin/lua5.4 -> /usr/bin/dash`), not by the
  // script it runs (`/usr/bin/prosody -> ...`, collector/programs.h): a
  // baseline of format 4 or older, or merged with one. The scorer then also
  // asks for an exec's edge from its parent's binary (the kernel's
  // Event::parent_exe), so an upgrade raises nothing the old baseline knew;
  // a relearn makes a baseline without it.
  bool lineage_by_exe = false;
  std::map<std::string, Generalization> file_patterns;  // path patterns (model/generalize.h)
  std::map<NetItem, Generalization> net_patterns;       // address is a CIDR ("10.0.3.0/24")
  RateBaseline rates;
  TrainingStats training;
  bool operator==(const Fingerprint&) const = default;

  size_t ItemCount() const {
    return executables.size() + files.size() + network.size() + dns_names.size() +
           lineage.size() + syscalls.size() + file_patterns.size() + net_patterns.size();
  }
};

// What `fp.syscalls` can tell: fp.syscall_watch, but kNone for kAll with no
// syscall learned (a baseline from before the field, trained without syscalls).
inline SyscallWatch EffectiveSyscallWatch(const Fingerprint& fp) {
  return fp.syscall_watch == SyscallWatch::kAll && fp.syscalls.empty() ? SyscallWatch::kNone : fp.syscall_watch;
}

// kUnprofiled: the agent saw a workload with no baseline (subject: the workload).
// kSyscall: a syscall outside the learned set (subject: its name).
enum class FindingKind : uint8_t {
  kExec = 1, kFile = 2, kNetwork = 3, kRate = 4, kUnprofiled = 5, kSyscall = 6
};
// "exec", "file", "network", "rate", "unprofiled", "syscall"
const char* FindingKindName(FindingKind k);

// One fingerprint item an event touches.
struct ItemRef {
  enum class Table : uint8_t {
    kExecutable,  // Fingerprint::executables[key]
    kFile,        // Fingerprint::files[key]
    kNetwork,     // Fingerprint::network[net]
    kDns,         // Fingerprint::dns_names[key]
    kLineage,     // Fingerprint::lineage[key]
    kSyscall,     // Fingerprint::syscalls[key]
  };
  FindingKind kind = FindingKind::kExec;  // kExec (also for kLineage), kFile, kNetwork
                                          // (also for kDns), or kSyscall
  Table table = Table::kExecutable;
  std::string key;     // the map key for kExecutable, kFile, kDns, kLineage, kSyscall;
                       // "" for kNetwork
  NetItem net;         // the map key for kNetwork; default otherwise
  uint8_t access = 0;  // kFile: this event's AccessBits; 0 otherwise
  // What a person reads, unique per (kind, item): the exe path, the lineage
  // edge "/usr/sbin/nginx -> /bin/sh", the normalised file path,
  // "10.0.0.7:5432" (outbound), "10.0.0.9 -> :8080" (inbound),
  // "listen 0.0.0.0:8080", "dns 10.0.0.2:53" (resolver), "example.com" (name),
  // "ptrace" (syscall).
  // A protocol other than the kind's usual one (tcp; udp for dns) prefixes the
  // network forms: "udp 10.0.0.7:5432".
  std::string subject;
  bool operator==(const ItemRef&) const = default;
};

enum class Severity : uint8_t { kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };
const char* SeverityName(Severity s);  // "low", "medium", "high", "critical"

struct Finding {
  int64_t id = 0;       // assigned by the store; 0 before it is stored
  int64_t time_ns = 0;  // wall clock of the event
  std::string workload;
  std::string cgroup_path;
  FindingKind kind = FindingKind::kExec;
  std::string subject;  // exe path, file path, or peer ("10.0.0.7:5432")
  std::string reason;   // one line a person reads: why this is drift
  Severity severity = Severity::kLow;
  double score = 0;  // 0..1, higher is more anomalous
  ProcessContext process;
  uint64_t count = 1;  // identical findings folded into this one
  int64_t incident = 0;  // findings of one process tree close in time share it; 0: none
  // The item this finding is about, typed (kind, table, key or net, access
  // bits): what programs use (accept, exceptions, folding); subject is its
  // text for people. Default (table kExecutable, key "") for kRate and
  // kUnprofiled findings, which are about no single item.
  ItemRef item;
  // Plain reads of this finding's process folded into it (model/detector.h:
  // one finding per new program), and some of their paths.
  uint64_t folded = 0;
  std::vector<std::string> folded_examples;
  static constexpr size_t kMaxFoldedExamples = 8;
  // "<kind> <subject>" of the first finding of this finding's incident; ""
  // when it has none or is that first finding itself.
  std::string incident_root;
  // The exception (tools/exceptions.h) that matched it: such a finding is
  // stored and counted but not delivered. "" for a delivered finding.
  std::string exception;
  bool operator==(const Finding&) const = default;
};

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_FINGERPRINT_H_
