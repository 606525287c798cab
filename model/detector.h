// model/detector.h: scores a stream of events against the workloads'
// fingerprints and folds repeated findings into one.
#ifndef DRIFTWATCH_MODEL_DETECTOR_H_
#define DRIFTWATCH_MODEL_DETECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"
#include "model/generalize.h"
#include "model/items.h"
#include "model/rates.h"
#include "model/scorer.h"

namespace dw::model {

// A finding is identified in a run by (workload, kind, subject): the first
// event that raises it creates it; later ones only increment its count (the
// first event's time, reason, score and process are kept).
//
// Incidents: a new finding joins an open incident of its workload when it
// comes within `incident_window` of that incident's latest finding and its
// process belongs to the same process tree: its pid or parent pid is already
// one of the incident's pids or parents (a shell and the commands it runs, a
// server's workers). Otherwise it opens a new incident. The id is a stable
// 62-bit hash of the incident's first finding (workload, time, pid), so ids
// from different runs do not collide.
//
// ScoreContext::queried_name: the DNS name the connecting process queried in
// the 2 s before (DnsRecall, model/items.h).
//
// ScoreContext::parent_suspect: an exec's parent process (Event::process.ppid)
// raised a finding of medium or more, or started a new program, within the
// incident window (the same mark the rates use, below).
//
// Context across events (model/scorer.h ScoreContext): the Detector follows
// process trees started by a new program. When an exec finding of medium or
// more is raised (or repeated) for a process, that process is a new program
// and the root of a hostile tree (a low one, such as a sibling of the
// workload's own program, still folds its reads but roots no tree): its
// children (kFork) and their later images inherit the
// root, and the scorer raises their findings (a reverse shell's connection
// is critical). One finding per new program: plain reads (no write or
// create, scored below medium) by a process whose current image is a new
// program fold into that program's exec finding (Finding::folded, distinct
// items; Finding::folded_examples: a path, "syscall <name>" or "exec <path>",
// each once, a folded program taking a file's place when they are full) instead of
// being findings of their own, and so do its new syscalls, but for those that
// escape, hide or tamper (model/syscall_groups.h: a new program uses new
// syscalls; what matters is the program); sensitive reads (credentials) stay
// findings. The state is per live process
// in such a tree, dropped at kExit. One finding per new module: the shared
// objects of the system's library directories (/lib, /usr/lib and their
// 64-bit twins) that a process opens for reading within kLibraryLoadNs of a
// new shared object it loaded (the dynamic loader resolving that one's
// dependencies: a JIT provider and its LLVM) fold into that one's finding
// when they score below medium. One finding per directory: outside such a
// tree, plain reads of the workload's own programs that raise findings in one
// directory within the incident window fold the same way into the first
// one's finding (a release's new files, an extension's scripts: a person
// needs one finding with a count and examples, not one per file), and so do
// the low execs of one directory (the workload's own suite: an operator's
// psql, pg_dump and vacuumdb are one finding; a script runner's new
// utilities in /usr/bin; "exec <path>", with what each
// one reads, and writes below medium: pg_dump's dump), and, apart
// from the reads, their low writes in one directory (a dump of many files:
// one finding). A finding of medium or more (a credential read; a script,
// persistence or system location written) never folds there. Inside a new
// program's tree, its writes below high in one directory fold into the tree's
// first one there (an encryptor's or an unpacked archive's files: one finding
// at that first one's severity), when their severity is no higher; a script,
// an executable, a persistence, credential or system location written scores
// high or more and never folds. A folded write is still remembered for drop
// and execute. The window bounds how long a directory stays folded (at most
// kMaxDirFoldsPerWorkload directories per workload; when full, it starts
// over).
//
// One finding per new listener: the clients of a port the workload started
// listening on in this run, whose listen was a finding, are that port's
// audience, as a learned port's clients are: they fold into the listen
// finding (a count and examples) instead of one finding per client address.
// The port is the news, at its own severity (a bind shell's stays critical).
//
// Drop and execute: successful opens that write or create are remembered per
// workload (at most kMaxWrittenPerWorkload paths; when full, the set starts
// over, so memory is bounded and recent writes are kept), and an exec of one of
// them is scored with ScoreContext::wrote_exe unless training learned writes
// to that path. The write's own finding, if it raised one, is then raised to
// the exec finding's score ("later executed"): the drop is part of the attack.
//
// Each finding carries the "<kind> <subject>" of its incident's first
// finding (Finding::incident_root), unless it is that finding. A finding of a
// process in a new program's tree joins that program's incident while it is
// open, whatever its parent pid says.
//
// Rates (model/rates.h): each event counts as a suspect's when its process is
// in a new program's tree, or raised a finding of medium or more itself or
// started a new program (an exec finding of medium or more) within the
// incident window; forks inherit it, kExit drops it. A burst mostly from
// suspects is raised, any other is load.
//
// The Detector owns its findings; the pointers it hands out stay valid for its
// lifetime. Not thread-safe.
struct DetectorOptions {
  int64_t incident_window_ns = 60'000'000'000;  // 60 s
};

// Which installed package a program came from, for the sibling rule of new
// programs (ScoreContext::package_kin, model/scorer.h). tools/ answers from
// the package database of the process's filesystem (collector/packages.h).
class PackageOracle {
 public:
  struct Kin {
    std::string package;  // the source package
    std::string learned;  // the one of `learned` it installed
  };
  virtual ~PackageOracle() = default;
  // In the filesystem `e`'s process sees: the first of `learned` (a
  // workload's programs) that the source package which installed `exe` also
  // installed; nullopt when `exe`'s package is unknown or part of the base
  // system, or installed none of them.
  virtual std::optional<Kin> SamePackage(const Event& e, std::string_view exe,
                                         const std::map<std::string, ItemStats>& learned) = 0;
};

class Detector {
 public:
  struct Stats {
    uint64_t events = 0;             // all events observed
    uint64_t events_scored = 0;      // events of a workload with a fingerprint
    uint64_t events_unprofiled = 0;  // events of a named workload without one
    uint64_t findings = 0;           // distinct findings created
    uint64_t repeats = 0;            // drift events folded into an existing finding
    bool operator==(const Stats&) const = default;
  };

  // `fingerprints` maps workload name to its fingerprint.
  explicit Detector(std::map<std::string, Fingerprint> fingerprints, Scorer scorer = Scorer(),
                    DetectorOptions options = DetectorOptions());

  // Scores `e` against its workload's fingerprint. Returns the findings that
  // are new in this run (in ItemsOf order, then rate findings of buckets that
  // `e` completed); repeats are counted, not returned. Events with an empty
  // workload, or one without a fingerprint, raise nothing. Rate findings are
  // keyed by their dimension ("writes"), so repeated bursts fold into one.
  std::vector<Finding*> Observe(const Event& e);
  // Takes back findings a previous run stored (oldest first), so that the
  // same drift after a restart is the same finding with a larger count
  // (reported by Updated(), never again by Observe()), and a finding within
  // incident_window of one of them, from the same process tree, joins its
  // incident. Call before the first Observe(). Findings with id 0 are skipped.
  void Restore(std::vector<Finding> stored);

  // Ends the stream: scores the last, partial, rate buckets (a partial bucket
  // can only under-count, so it cannot raise a false burst).
  std::vector<Finding*> Flush();

  // The findings whose count, folded reads or score changed since the
  // previous call (each once, in the order of their first change). A finding returned by Observe() as new
  // is listed here only if it repeated afterwards.
  std::vector<Finding*> Updated();

  // Every finding of the run, in creation order.
  const std::vector<std::unique_ptr<Finding>>& findings() const { return findings_; }
  // Named workloads seen without a fingerprint.
  const std::set<std::string>& unprofiled_workloads() const { return unprofiled_; }
  const Stats& stats() const { return stats_; }
  bool HasFingerprint(const std::string& workload) const { return fingerprints_.count(workload) > 0; }
  // The fingerprint `workload` is scored against, or nullptr.
  const Fingerprint* fingerprint(const std::string& workload) const {
    auto it = fingerprints_.find(workload);
    return it == fingerprints_.end() ? nullptr : &it->second;
  }
  // Starts scoring `fp.workload` against `fp` (replacing any earlier one), or
  // stops scoring `workload`. Findings already raised stay.
  void SetFingerprint(Fingerprint fp);
  void RemoveFingerprint(const std::string& workload);

  // Seam for the kernel verdict cache (collector/verdict_cache.h). Whether
  // the last Observe()d event scored known: its workload has a fingerprint,
  // its items raised no finding (rate findings aside), and its process is
  // in no new program's tree nor runs a file the workload wrote, nor is a
  // connect that followed a DNS query (its verdict depends on the query), so
  // another event with the same object scores the same until the fingerprint
  // changes.
  bool LastEventKnown() const { return last_known_; }
  // Events of `workload` the kernel verdict cache answered (not delivered)
  // count in its rates (RateBucketer::AddUndelivered).
  void AddUndelivered(const std::string& workload, EventKind kind, uint64_t n) {
    rates_.AddUndelivered(workload, kind, n);
  }
  // Asks `packages` (not owned; nullptr: nobody, the default) which package
  // a new program and the workload's learned programs came from: a new
  // program of the package of a learned one is its suite (a sibling).
  void SetPackageOracle(PackageOracle* packages) { packages_ = packages; }
  // Called with the workload's name before its fingerprint is set or removed.
  void OnFingerprintChange(std::function<void(const std::string&)> f) { on_change_ = std::move(f); }

 private:
  std::map<std::string, Fingerprint> fingerprints_;
  PackageOracle* packages_ = nullptr;
  // What the Detector keeps per fingerprint, by the address of its map node
  // (stable until erased), made and dropped with it (SetFingerprint,
  // RemoveFingerprint): its file patterns, indexed (model/generalize.h), and
  // the opens it judged known (path, access bits and a failed flag), outside
  // any new program's tree, so that the next such open skips the scorer (at
  // most kMaxKnownOpens, then forgotten at once). Writes only when the path
  // does not spell the writer's pid or tid (their normal form depends on it).
  struct Baseline {
    explicit Baseline(const Fingerprint& fp) : index(fp), habits(PortHabitsOf(fp)) {}
    FilePatternIndex index;
    PortHabits habits;
    std::unordered_set<std::string> known_opens;
  };
  std::unordered_map<const Fingerprint*, Baseline> baselines_;
  static constexpr size_t kMaxKnownOpens = 4096;  // ~0.4 MB a baseline
  std::string open_key_;  // reused
  // The last event's workload, its fingerprint and what is kept for it
  // (events come in runs of one workload); reset whenever a fingerprint is
  // set or removed.
  struct Current {
    std::string workload;
    const Fingerprint* fp = nullptr;
    Baseline* baseline = nullptr;
    // Its entry in written_, once it has written (nodes stay put).
    std::unordered_map<std::string, Finding*>* written = nullptr;
  };
  Current current_;
  // Per workload, the addresses that connected in to it in this run (an
  // accept the Detector saw): a connection back to one of them may be a
  // learned habit (ScoreContext::peer_is_client). At most kMaxClients, then
  // forgotten at once.
  std::unordered_map<std::string, std::unordered_set<std::string>> clients_;
  static constexpr size_t kMaxClients = 4096;
  struct Incident {
    int64_t id = 0;
    std::string workload;
    std::set<uint32_t> pids;  // pids and parent pids of its findings
    int64_t last_ns = 0;
    std::string root;  // "<kind> <subject>" of its first finding
  };
  // A finding later ones fold into, when its window began (or last grew),
  // and the distinct items folded into it: the first finding of a kind
  // (reads and execs, or writes) in a directory, a new listener's, a
  // program change's, and a process's library, lookup and connection attempt.
  struct DirFold {
    Finding* finding = nullptr;
    int64_t since_ns = 0;
    std::unordered_set<std::string> folded;
  };
  // A live process in a tree started by a new program.
  struct ProcessState {
    std::string root;            // "<kind> <subject>" of the tree's first new program
    int64_t incident = 0;        // that program's incident: the tree's findings join it
    Finding* program = nullptr;  // the exec finding of its current image, if new
    int64_t suspect_ns = -1;     // when it last raised medium+ or started a new program
    // The finding that made it suspect last, and the known programs it has
    // started since, folded into that finding (what it ran in the incident).
    Finding* suspect_by = nullptr;
    std::unordered_set<std::string> suspect_folded;
    std::unordered_set<std::string> folded;  // distinct items folded into `program`
    // The finding of the last new shared object its current image loaded
    // (a plain read scored as a finding), when, and what folded into it.
    DirFold library;
    // The archive (NAME.war, .ear, .jar, .zip) its current image last read,
    // that the workload did not write, and when: its writes under NAME/ in
    // the incident window are that archive unpacked (ScoreContext::unpacked_from).
    std::string archive;
    int64_t archive_ns = 0;
    // Its last new DNS name's finding, when it last grew, and the names
    // folded into it: the other queries of one lookup through the
    // resolver's search list (model/items.h SameLookupThroughSearchList).
    DirFold lookup;
    std::vector<std::string> lookup_names;  // its name and the names folded, at most kMaxLookupNames
    // Its last new outbound peer's finding (a connection attempt), when it
    // last grew, the peers folded into it, the port, and whether UDP was in it.
    DirFold attempt;
    uint16_t attempt_port = 0;
    bool attempt_udp = false;
  };
  // How long after a new outbound peer the process's other new peers on its
  // port are the same connection attempt (address selection probes all the
  // addresses of one name at once; a client races UDP and TCP at once).
  static constexpr int64_t kAttemptNs = 1'000'000'000;
  static constexpr size_t kMaxLookupNames = 16;
  // How long after a new name the other queries of its lookup fold into it
  // (a search list's queries follow each other within a resolver's timeout).
  static constexpr int64_t kLookupNs = 5'000'000'000;
  // How long after a new shared object the dynamic loader's opens of its
  // dependencies fold into its finding: they happen inside its dlopen.
  static constexpr int64_t kLibraryLoadNs = 1'000'000'000;
  static constexpr size_t kMaxWrittenPerWorkload = 4096;
  static constexpr size_t kMaxDirFoldsPerWorkload = 4096;
  // Plain reads, low writes and low execs scored below this fold (into a new
  // program's finding, or their directory's): below medium.
  static constexpr double kFoldBelow = 0.4;
  // Counts `name` once in `into`'s folded items (and marks it updated).
  void Fold(Finding* into, std::unordered_set<std::string>* folded, std::string name);
  // What folds together in a directory: the workload's own reads and execs,
  // its own low writes, or "tree <root>": the writes of one new program's tree.
  static constexpr std::string_view kReadScope = "r";
  static constexpr std::string_view kWriteScope = "w";
  // The entry of `path`'s directory (reads: or of `path` itself) for
  // `workload` in `scope`, if one is open at `time_ns`.
  DirFold* DirFoldOf(const std::string& workload, std::string_view path, int64_t time_ns, std::string_view scope);
  // Makes `f` its directory's entry (reads: and its own path's, for a listing).
  void RememberDirFold(Finding* f, int64_t time_ns, std::string_view scope);
  // workload -> scope + '\n' + directory -> its entry
  std::unordered_map<std::string, std::unordered_map<std::string, DirFold>> dir_folds_;
  // One finding per change of a known program: per workload, per executable,
  // its first low finding (a read, a write, a syscall) of the incident window
  // and what folded into it. At most kMaxDirFoldsPerWorkload per workload.
  std::unordered_map<std::string, std::unordered_map<std::string, DirFold>> program_changes_;
  // workload -> protocol << 16 | port -> the finding of a port it started
  // listening on in this run, which its clients fold into (at most
  // kMaxNewListenersPerWorkload ports; when full, it starts over).
  std::unordered_map<std::string, std::unordered_map<uint32_t, DirFold>> new_listeners_;
  static constexpr size_t kMaxNewListenersPerWorkload = 256;
  // Sets f->incident, joining or opening an incident.
  void AssignIncident(Finding* f);
  // Folds `f` into the finding with the same key or keeps it as a new one
  // (appended to `fresh`). Returns the finding `f` is now part of.
  Finding* Record(Finding f, std::string key, std::vector<Finding*>* fresh);
  // Follows forks, exits and written files after `e` was scored (see above);
  // `raised`: the finding `e` raised for its file, if any.
  void Track(const Event& e, Finding* raised);
  // Whether training learned writes to `path` (an exec's path).
  static bool LearnedWrite(const Fingerprint& fp, const FilePatternIndex* patterns,
                           const std::string& path);
  std::unordered_map<uint32_t, ProcessState> processes_;
  // workload -> path written -> the finding that write raised (nullptr: none)
  std::unordered_map<std::string, std::unordered_map<std::string, Finding*>> written_;
  void ScoreRates(const std::vector<RateSample>& samples, std::vector<Finding*>* fresh);

  RateBucketer rates_;

  Scorer scorer_;
  DetectorOptions options_;
  std::vector<Incident> incidents_;  // open ones, pruned by the window
  std::vector<std::unique_ptr<Finding>> findings_;
  std::unordered_map<std::string, Finding*> by_key_;  // "workload\0kind\0subject"
  std::vector<Finding*> updated_;
  std::set<const Finding*> updated_set_;
  std::set<std::string> unprofiled_;
  Stats stats_;
  bool last_known_ = false;
  DnsRecall dns_;  // each process's last DNS query, for ScoreContext::queried_name
  std::function<void(const std::string&)> on_change_;
};

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_DETECTOR_H_
