// store/store.h: driftwatch's SQLite database of workloads, their fingerprint
// history and findings. This comment is the documentation of the schema.
//
// File: one SQLite database (WAL mode, so a running `driftwatch detect` and a
// reader such as `driftwatch status` can share it). PRAGMA application_id is
// kApplicationId ("DWAT"); PRAGMA user_version is the schema version.
//
// Schema version 1:
//   workloads(
//     id            INTEGER PRIMARY KEY,
//     name          TEXT UNIQUE NOT NULL,   -- collector/workload.h naming
//     cgroup_path   TEXT,                   -- from the first finding; NULL until then
//     first_seen_ns INTEGER,                -- wall clock, ns since the Unix epoch:
//     last_seen_ns  INTEGER,                --   earliest/latest training event or finding
//     state         TEXT NOT NULL DEFAULT 'learning')  -- WorkloadStateName()
//   fingerprints(                           -- every checkpoint kept: the history
//     workload_id    INTEGER NOT NULL REFERENCES workloads(id),
//     version        INTEGER NOT NULL,      -- 1, 2, ... per workload
//     format_version INTEGER NOT NULL,      -- the blob's model::kFingerprintFormatVersion
//     created_ns     INTEGER NOT NULL,      -- when SaveFingerprints() stored it
//     events         INTEGER NOT NULL,      -- training.events
//     dropped        INTEGER NOT NULL,      -- training.dropped_events
//     items          INTEGER NOT NULL,      -- Fingerprint::ItemCount()
//     blob           BLOB NOT NULL,         -- store/fingerprint_codec.h
//     PRIMARY KEY (workload_id, version))
//   findings(
//     id            INTEGER PRIMARY KEY,    -- model::Finding::id
//     time_ns       INTEGER NOT NULL,       -- first occurrence
//     last_time_ns  INTEGER NOT NULL,       -- latest occurrence folded in
//     workload_id   INTEGER NOT NULL REFERENCES workloads(id),
//     kind          TEXT NOT NULL,          -- model::FindingKindName(): "exec", "file", "network", "rate", "unprofiled", "syscall"
//     subject       TEXT NOT NULL,
//     reason        TEXT NOT NULL,
//     severity      TEXT NOT NULL,          -- model::SeverityName(): "low" ... "critical"
//     score         REAL NOT NULL,
//     count         INTEGER NOT NULL,       -- identical findings folded in
//     pid INTEGER, ppid INTEGER, exe TEXT,
//     argv          TEXT,                   -- JSON array of strings
//     parent_exe    TEXT,
//     ancestry      TEXT,                   -- JSON array of strings, parent first
//     cgroup_path   TEXT)
//   INDEX findings_by_workload_time ON findings(workload_id, time_ns)
//
// Schema version 2 adds:
//   findings.incident INTEGER NOT NULL DEFAULT 0   -- model::Finding::incident
//   outbox(                                 -- findings waiting for a delivery sink
//     id              INTEGER PRIMARY KEY,  -- delivery order
//     finding_id      INTEGER NOT NULL REFERENCES findings(id),
//     sink            TEXT NOT NULL,        -- "webhook"
//     payload         TEXT NOT NULL,        -- the body to deliver
//     attempts        INTEGER NOT NULL DEFAULT 0,
//     next_attempt_ns INTEGER NOT NULL DEFAULT 0,
//     delivered_ns    INTEGER,              -- NULL until delivered; 0 if abandoned
//     error           TEXT)                 -- the last attempt's error
//   INDEX outbox_pending ON outbox(sink, delivered_ns, id)
// A finding and its outbox rows are written in one transaction, so a crash
// neither loses a delivery nor queues one for a finding that was not stored.
// Strings are UTF-8; JSON columns replace invalid UTF-8 with U+FFFD.
//
// Schema version 3 adds:
//   fingerprint_parts(                      -- the per-node fingerprints a merged
//     workload_id INTEGER NOT NULL,         --   version was combined from (model/merge.h)
//     version     INTEGER NOT NULL,         -- the fingerprints row they belong to
//     node        TEXT NOT NULL,            -- model::Fingerprint::node of the part
//     blob        BLOB NOT NULL,            -- store/fingerprint_codec.h
//     PRIMARY KEY (workload_id, version, node),
//     FOREIGN KEY (workload_id, version) REFERENCES fingerprints(workload_id, version))
// A version without rows here (trained or imported) is its own single part.
// Keeping the parts next to the combined blob is what makes `driftwatch
// merge` idempotent across databases: merging reads the parts, not the sums.
//
// Schema version 4 adds to findings:
//   item            TEXT NOT NULL DEFAULT ''  -- the typed item (model::ItemRef) as JSON:
//                                             --   {"table":"file","key":"/etc/shadow","access":1}
//                                             --   {"table":"network","direction":"outbound",
//                                             --    "protocol":6,"address":"10.0.0.7","port":5432}
//                                             --   '' for rate and unprofiled findings, and for
//                                             --   rows stored before version 4
//   folded          INTEGER NOT NULL DEFAULT 0 -- items (reads, syscalls, execs, writes) folded into it (model/detector.h)
//   folded_examples TEXT NOT NULL DEFAULT '[]' -- some of them (a path, or "<kind> <subject>"), JSON array
//   incident_root   TEXT NOT NULL DEFAULT ''  -- "<kind> <subject>" of its incident's first finding
//   exception       TEXT                      -- model::Finding::exception: the name of the
//                                             --   exception that suppressed it (tools/exceptions.h);
//                                             --   NULL for a delivered finding
//   context         TEXT NOT NULL DEFAULT ''  -- the process's node, container and pod:
//                                             --   collector/runtime_context.h
//                                             --   RuntimeContextToJson, '' when none
// A suppressed finding is stored and counted but never queued in the outbox.
// Databases of versions 1 to 3 migrate on a read-write open; their findings
// were all delivered (exception NULL).
//
// Schema version 5 adds to fingerprints the item counts of each blob, so that
// listing workloads decodes no blob:
//   executables INTEGER  -- Fingerprint::executables.size()
//   files       INTEGER  -- Fingerprint::files.size()
//   network     INTEGER  -- Fingerprint::network.size()
//   dns         INTEGER  -- Fingerprint::dns_names.size()
//   syscalls    INTEGER  -- Fingerprint::syscalls.size()
// The migration from version 4 counts the rows stored before from their
// blobs (in the same transaction); a blob that does not decode keeps NULLs.
//
// Schema version 6 adds to findings:
//   script TEXT NOT NULL DEFAULT ''  -- ProcessContext::script: the script an
//                                    --   interpreter runs as the process's program
//                                    --   ('' when none, and for rows stored before)
//
// Versioning: schema changes are appended as migration steps (store.cc,
// kMigrations[v] takes version v to v + 1) and applied in one transaction on a
// read-write open. A database newer than kSchemaVersion is refused.
#ifndef DRIFTWATCH_STORE_STORE_H_
#define DRIFTWATCH_STORE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/status.h"
#include "model/fingerprint.h"
#include "model/merge.h"

namespace dw::store {

inline constexpr int32_t kApplicationId = 0x44574154;  // "DWAT"
inline constexpr int64_t kSchemaVersion = 6;

namespace sqlite {
class Db;
}  // namespace sqlite

enum class OpenMode {
  kReadWrite,  // creates the file and schema if missing, migrates an older schema
  kReadOnly,   // the file must exist; never writes
};

// A workload's lifecycle state (tools/agent/agent.h), stored as its name in
// workloads.state. WorkloadStateName() and ParseWorkloadState() are the one
// place that converts between the two.
enum class WorkloadState {
  kLearning,    // "learning": its fingerprint is extended
  kMonitoring,  // "monitoring": its events are scored
  kLocked,      // "locked": a baseline from elsewhere, scored, never learns
  kIgnored,     // "ignored": an unprofiled workload the agent neither learns nor scores
};
const char* WorkloadStateName(WorkloadState s);
// kCorrupt for a name that is none of the above.
Result<WorkloadState> ParseWorkloadState(std::string_view name);

// One row of ListWorkloads(): a workload and its latest fingerprint.
struct WorkloadInfo {
  std::string name;
  WorkloadState state = WorkloadState::kLearning;  // workloads.state
  int64_t version = 0;          // latest fingerprint version; 0 if none
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  int64_t updated_ns = 0;       // created_ns of the latest fingerprint; 0 if none
  uint64_t events = 0;          // training events in the latest fingerprint
  uint64_t dropped = 0;         // dropped events while training it
  size_t executables = 0;       // items of each kind in the latest fingerprint
  size_t files = 0;
  size_t network = 0;
  size_t dns = 0;
  size_t syscalls = 0;          // learned syscalls (0 unless trained with --syscalls)
  size_t fingerprint_bytes = 0; // size of its blob
  int64_t findings = 0;         // rows in findings for this workload
  bool operator==(const WorkloadInfo&) const = default;
};

// One row of ListVersions(): a stored fingerprint version, any of which
// LoadFingerprint() (and `driftwatch export --version N`) can read back.
struct VersionInfo {
  int64_t version = 0;
  int64_t created_ns = 0;       // when it was stored
  uint32_t format_version = 0;  // of its blob
  uint64_t events = 0;          // training.events
  uint64_t dropped = 0;         // training.dropped_events
  size_t items = 0;             // Fingerprint::ItemCount()
  size_t bytes = 0;             // size of its blob
  std::string node;             // Fingerprint::node ("a,b" when merged)
  size_t parts = 0;             // per-node parts of a merged version; 0 otherwise
  bool operator==(const VersionInfo&) const = default;
};

// A merged fingerprint and the parts it was combined from (model/merge.h).
struct MergedFingerprint {
  model::Fingerprint combined;  // model::Combine(parts)
  model::Parts parts;
};

// A connection to a driftwatch database. Not thread-safe: use one Store per
// thread. Several processes may open the same file (WAL, 5 s busy timeout).
// Error messages name the database file.
class Store {
 public:
  // Opens (kReadWrite: creates or migrates) the database at `path`. Errors:
  //   kCorrupt          "open database X: file is not a database" (or sqlite's word)
  //   kInvalidArgument  "X is not a driftwatch database" (another application's)
  //   kVersion          "database X has schema version N; this driftwatch supports up to M"
  //                     (or, read-only, an older version that needs a read-write open)
  //   kNotFound         missing file (kReadOnly) or directory
  //   kPermissionDenied / kIo  the file or directory cannot be opened or written
  // A database that is refused is not modified. A file that Open creates is
  // mode 0600 whatever the umask. An empty (0-byte) file is a new database in
  // both modes: read-write creates the schema in it; read-only leaves it
  // untouched and reads as a database with nothing in it.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, OpenMode mode);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  const std::string& path() const { return path_; }

  // One transaction (a training checkpoint): for each fingerprint, creates or
  // updates its workload row and stores the fingerprint as the workload's next
  // version, created at `now_ns`. On any error nothing is stored.
  Status SaveFingerprints(const std::vector<model::Fingerprint>& fps, int64_t now_ns);

  // One transaction: stores `fp` as the next version of fp.workload (creating
  // the workload) and sets the workload's state to `state` (kLocked for a
  // baseline imported into production). On error nothing is stored.
  Status ImportFingerprint(const model::Fingerprint& fp, WorkloadState state, int64_t now_ns);

  // One transaction: each combined fingerprint as its workload's next
  // version, with its parts. On error nothing is stored.
  Status SaveMerged(const std::vector<MergedFingerprint>& merged, int64_t now_ns);

  // The parts of `workload`'s fingerprint at `version` (default: latest): the
  // stored parts of a merged version, else {node: the fingerprint}. Empty
  // when the workload or version does not exist.
  Result<model::Parts> LoadParts(const std::string& workload, std::optional<int64_t> version = {});

  // Every stored version of `workload`, oldest first. kNotFound "unknown
  // workload X" for a name the database does not know.
  Result<std::vector<VersionInfo>> ListVersions(const std::string& workload);

  // The latest fingerprint of every workload that has one, by workload name.
  Result<std::map<std::string, model::Fingerprint>> LoadFingerprints();
  // `workload`'s fingerprint at `version` (default: latest); nullopt when the
  // workload or version does not exist.
  Result<std::optional<model::Fingerprint>> LoadFingerprint(const std::string& workload,
                                                            std::optional<int64_t> version = {});


  // All workloads, by name, including those with findings but no fingerprint.
  // Decodes no fingerprint blob (the counts are columns).
  Result<std::vector<WorkloadInfo>> ListWorkloads();
  // The ListWorkloads() row of `name`; nullopt when the database does not know it.
  Result<std::optional<WorkloadInfo>> GetWorkload(const std::string& name);
  Result<bool> HasWorkload(const std::string& workload);

  // f->id == 0: inserts `*f` (creating its workload row if needed) and sets
  // f->id. Otherwise updates the stored finding's count to f->count and its
  // last_time_ns to f->time_ns if later; the other columns keep their first
  // values. kNotFound if no finding has that id.
  Status UpsertFinding(model::Finding* f);
  // The same for each, in one transaction: on error nothing is stored and the
  // ids this call assigned are reset to 0. With `outbox`, every finding this
  // call inserts is also queued for `outbox->sink` with the payload it makes,
  // except suppressed ones (a non-empty Finding::exception).
  struct OutboxSpec {
    std::string sink;
    std::function<std::string(const model::Finding&)> payload;
  };
  Status UpsertFindings(const std::vector<model::Finding*>& fs, const OutboxSpec* outbox = nullptr);

  // The finding with `id`; nullopt when there is none.
  Result<std::optional<model::Finding>> GetFinding(int64_t id);

  struct OutboxRow {
    int64_t id = 0;
    int64_t finding_id = 0;
    std::string payload;
    int attempts = 0;
    int64_t next_attempt_ns = 0;
    bool operator==(const OutboxRow&) const = default;
  };
  // Undelivered rows of `sink` in delivery order (whatever their next attempt time).
  Result<std::vector<OutboxRow>> PendingOutbox(const std::string& sink, size_t limit);
  Status MarkDelivered(int64_t outbox_id, int64_t now_ns);
  Status MarkFailed(int64_t outbox_id, int attempts, int64_t next_attempt_ns, const std::string& error);
  // Undelivered rows of `sink`.
  Result<int64_t> OutboxBacklog(const std::string& sink);

  // The lifecycle state of a workload, creating its row if needed.
  Status SetWorkloadState(const std::string& workload, WorkloadState state);

  // Findings of `workload` (all workloads if nullopt) whose latest occurrence
  // is at or after `since_ns`, ordered by time_ns (first occurrence), then id;
  // with `limit` > 0, only the newest `limit` of them; `which` chooses
  // between delivered and suppressed findings. kNotFound "unknown workload X"
  // for a name the database does not know.
  enum class Which {
    kDelivered,   // Finding::exception empty (the default: what sinks saw)
    kSuppressed,  // matched an exception
    kAll,
  };
  Result<std::vector<model::Finding>> ListFindings(const std::optional<std::string>& workload,
                                                   int64_t since_ns = 0, size_t limit = 0,
                                                   Which which = Which::kDelivered);

 private:
  Store(std::string path, OpenMode mode, std::unique_ptr<sqlite::Db> db);
  // Read-only Open() of an empty file: an in-memory database with the schema.
  static Result<std::unique_ptr<Store>> OpenEmpty(const std::string& path);
  Status CheckWritable() const;
  // `s` prefixed with "<action> <path>".
  Status Context(const Status& s, const std::string& action) const;

  std::string path_;
  OpenMode mode_;
  std::unique_ptr<sqlite::Db> db_;
};

}  // namespace dw::store

#endif  // DRIFTWATCH_STORE_STORE_H_
