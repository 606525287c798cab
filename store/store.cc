// store/store.cc: Store on SQLite. Open() inspects a file before it changes
// anything, so a refused database is left as it was; every write that spans
// statements runs in one transaction.
#include "store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <utility>

#include <nlohmann/json.hpp>

#include "collector/runtime_context.h"
#include "store/fingerprint_codec.h"
#include "store/sqlite.h"

namespace dw::store {
namespace {

namespace fs = std::filesystem;
using sqlite::Db;
using sqlite::Statement;
using sqlite::Transaction;

// kMigrations[v] takes the schema from version v to v + 1. Append only; a
// released step never changes. store.h documents the resulting schema.
constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    // 0 -> 1
    R"sql(
CREATE TABLE workloads (
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  cgroup_path TEXT,
  first_seen_ns INTEGER,
  last_seen_ns INTEGER,
  state TEXT NOT NULL DEFAULT 'learning'
);
CREATE TABLE fingerprints (
  workload_id INTEGER NOT NULL REFERENCES workloads(id),
  version INTEGER NOT NULL,
  format_version INTEGER NOT NULL,
  created_ns INTEGER NOT NULL,
  events INTEGER NOT NULL,
  dropped INTEGER NOT NULL,
  items INTEGER NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (workload_id, version)
);
CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  last_time_ns INTEGER NOT NULL,
  workload_id INTEGER NOT NULL REFERENCES workloads(id),
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  reason TEXT NOT NULL,
  severity TEXT NOT NULL,
  score REAL NOT NULL,
  count INTEGER NOT NULL,
  pid INTEGER,
  ppid INTEGER,
  exe TEXT,
  argv TEXT,
  parent_exe TEXT,
  ancestry TEXT,
  cgroup_path TEXT
);
CREATE INDEX findings_by_workload_time ON findings(workload_id, time_ns);
)sql",
    // 1 -> 2
    R"sql(
ALTER TABLE findings ADD COLUMN incident INTEGER NOT NULL DEFAULT 0;
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  finding_id INTEGER NOT NULL REFERENCES findings(id),
  sink TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ns INTEGER NOT NULL DEFAULT 0,
  delivered_ns INTEGER,
  error TEXT
);
CREATE INDEX outbox_pending ON outbox(sink, delivered_ns, id);
)sql",
    // 2 -> 3
    R"sql(
CREATE TABLE fingerprint_parts (
  workload_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  node TEXT NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (workload_id, version, node),
  FOREIGN KEY (workload_id, version) REFERENCES fingerprints(workload_id, version)
);
)sql",
    // 3 -> 4
    R"sql(
ALTER TABLE findings ADD COLUMN item TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN folded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN folded_examples TEXT NOT NULL DEFAULT '[]';
ALTER TABLE findings ADD COLUMN incident_root TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN exception TEXT;
ALTER TABLE findings ADD COLUMN context TEXT NOT NULL DEFAULT '';
)sql",
    // 4 -> 5 (Migrate() then fills the counts of the rows stored before: BackfillItemCounts)
    R"sql(
ALTER TABLE fingerprints ADD COLUMN executables INTEGER;
ALTER TABLE fingerprints ADD COLUMN files INTEGER;
ALTER TABLE fingerprints ADD COLUMN network INTEGER;
ALTER TABLE fingerprints ADD COLUMN dns INTEGER;
ALTER TABLE fingerprints ADD COLUMN syscalls INTEGER;
)sql",
    // 5 -> 6
    R"sql(
ALTER TABLE findings ADD COLUMN script TEXT NOT NULL DEFAULT '';
)sql",
};

constexpr std::array kFindingKinds = {model::FindingKind::kExec, model::FindingKind::kFile,
                                      model::FindingKind::kNetwork, model::FindingKind::kRate,
                                      model::FindingKind::kUnprofiled, model::FindingKind::kSyscall};
constexpr std::array kSeverities = {model::Severity::kLow, model::Severity::kMedium,
                                    model::Severity::kHigh, model::Severity::kCritical};

// The enumerator whose Name() is `name`.
template <typename Enum, size_t N>
Result<Enum> ParseName(const std::array<Enum, N>& all, const char* (*name_of)(Enum),
                       const std::string& name, const char* what) {
  for (Enum e : all) {
    if (name == name_of(e)) return e;
  }
  return Status(ErrorCode::kCorrupt, std::string("unknown ") + what + " '" + name + "'");
}

std::string ToJson(const std::vector<std::string>& v) {
  // argv comes from the kernel and need not be UTF-8; dump() would throw.
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<std::string>> FromJson(const std::string& text, const char* column) {
  if (text.empty()) return std::vector<std::string>{};
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  bool ok = j.is_array();
  std::vector<std::string> out;
  for (size_t i = 0; ok && i < j.size(); ++i) {
    ok = j[i].is_string();
    if (ok) out.push_back(j[i].get<std::string>());
  }
  if (!ok) return Status(ErrorCode::kCorrupt, std::string(column) + " is not a JSON array of strings");
  return out;
}

constexpr std::pair<model::ItemRef::Table, const char*> kItemTables[] = {
    {model::ItemRef::Table::kExecutable, "executable"}, {model::ItemRef::Table::kFile, "file"},
    {model::ItemRef::Table::kNetwork, "network"},       {model::ItemRef::Table::kDns, "dns"},
    {model::ItemRef::Table::kLineage, "lineage"},       {model::ItemRef::Table::kSyscall, "syscall"}};
constexpr model::Direction kDirections[] = {model::Direction::kOutbound, model::Direction::kInbound,
                                            model::Direction::kListen, model::Direction::kDns};

// The findings.item column (store.h): "" for findings about no single item
// (or made without one).
std::string ItemJson(const model::Finding& f) {
  if (f.kind == model::FindingKind::kRate || f.kind == model::FindingKind::kUnprofiled ||
      f.item == model::ItemRef{}) {
    return "";
  }
  const model::ItemRef& item = f.item;
  nlohmann::ordered_json j;
  for (const auto& [table, name] : kItemTables) {
    if (table == item.table) j["table"] = name;
  }
  if (item.table == model::ItemRef::Table::kNetwork) {
    j["direction"] = model::DirectionName(item.net.direction);
    j["protocol"] = item.net.protocol;
    j["address"] = item.net.address;
    j["port"] = item.net.port;
  } else {
    j["key"] = item.key;
  }
  if (item.access != 0) j["access"] = item.access;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Reads the findings.item column back; kind and subject come from the row.
Result<model::ItemRef> ParseItemJson(const std::string& text, const model::Finding& f) {
  model::ItemRef item;
  if (text.empty()) return item;
  const Status corrupt(ErrorCode::kCorrupt, "item is not a driftwatch item: " + text);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("table") || !j["table"].is_string()) return corrupt;
  bool known = false;
  for (const auto& [table, name] : kItemTables) {
    if (j["table"] == name) {
      item.table = table;
      known = true;
    }
  }
  if (!known) return corrupt;
  item.kind = f.kind;
  item.subject = f.subject;
  if (j.contains("access")) {
    if (!j["access"].is_number_unsigned() || j["access"].get<uint64_t>() > 7) return corrupt;
    item.access = static_cast<uint8_t>(j["access"].get<uint64_t>());
  }
  if (item.table != model::ItemRef::Table::kNetwork) {
    if (!j.contains("key") || !j["key"].is_string()) return corrupt;
    item.key = j["key"].get<std::string>();
    return item;
  }
  if (!j.contains("direction") || !j["direction"].is_string() || !j.contains("protocol") ||
      !j["protocol"].is_number_unsigned() || !j.contains("address") || !j["address"].is_string() ||
      !j.contains("port") || !j["port"].is_number_unsigned() || j["port"].get<uint64_t>() > 65535 ||
      j["protocol"].get<uint64_t>() > 255) {
    return corrupt;
  }
  known = false;
  for (model::Direction d : kDirections) {
    if (j["direction"] == model::DirectionName(d)) {
      item.net.direction = d;
      known = true;
    }
  }
  if (!known) return corrupt;
  item.net.protocol = static_cast<uint8_t>(j["protocol"].get<uint64_t>());
  item.net.address = j["address"].get<std::string>();
  item.net.port = static_cast<uint16_t>(j["port"].get<uint64_t>());
  return item;
}

// What Open() reads before deciding whether to touch a file.
struct Header {
  int64_t application_id = 0;
  int64_t user_version = 0;
  int64_t objects = 0;  // rows in sqlite_schema: tables, indexes, ...
};

Result<int64_t> QueryInt(const Db& db, const char* sql) {
  ASSIGN_OR_RETURN(Statement st, Statement::Prepare(db, sql));
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status(ErrorCode::kInternal, std::string("no result from ") + sql);
  return st.Int(0);
}

Result<Header> ReadHeader(const Db& db) {
  Header h;
  ASSIGN_OR_RETURN(h.application_id, QueryInt(db, "PRAGMA application_id"));
  ASSIGN_OR_RETURN(h.user_version, QueryInt(db, "PRAGMA user_version"));
  ASSIGN_OR_RETURN(h.objects, QueryInt(db, "SELECT count(*) FROM sqlite_schema"));
  return h;
}

// Whether Open() may use (and, read-write, migrate) a database with header `h`.
Status CheckHeader(const Header& h, const std::string& path, OpenMode mode) {
  bool fresh = h.application_id == 0 && h.user_version == 0 && h.objects == 0;
  if (h.application_id != kApplicationId && !fresh) {
    return Status(ErrorCode::kInvalidArgument, path + " is not a driftwatch database");
  }
  if (h.user_version > kSchemaVersion) {
    return Status(ErrorCode::kVersion, "database " + path + " has schema version " +
                                           std::to_string(h.user_version) +
                                           "; this driftwatch supports up to " +
                                           std::to_string(kSchemaVersion));
  }
  if (mode == OpenMode::kReadOnly) {
    if (fresh) return Status(ErrorCode::kInvalidArgument, path + " is not a driftwatch database (empty)");
    if (h.user_version < kSchemaVersion) {
      return Status(ErrorCode::kVersion, "database " + path + " has schema version " +
                                             std::to_string(h.user_version) +
                                             "; open it read-write once to migrate it to " +
                                             std::to_string(kSchemaVersion));
    }
  }
  return Status::Ok();
}

bool NonEmptyFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

Status BackfillItemCounts(Db* db);

Status Migrate(Db* db, const std::string& path) {
  Transaction tx(db);
  RETURN_IF_ERROR(tx.Begin());
  // Another process may have created or migrated the file since we looked.
  ASSIGN_OR_RETURN(Header h, ReadHeader(*db));
  RETURN_IF_ERROR(CheckHeader(h, path, OpenMode::kReadWrite));
  if (h.user_version == kSchemaVersion) return Status::Ok();
  for (int64_t v = h.user_version; v < kSchemaVersion; ++v) {
    RETURN_IF_ERROR(db->Exec(kMigrations[static_cast<size_t>(v)]));
  }
  if (h.user_version < 5) RETURN_IF_ERROR(BackfillItemCounts(db));
  std::string pragmas = "PRAGMA user_version = " + std::to_string(kSchemaVersion) +
                        "; PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
  RETURN_IF_ERROR(db->Exec(pragmas.c_str()));
  return tx.Commit();
}

// One row of fingerprints, undecoded.
struct StoredBlob {
  int64_t workload_id = 0;
  int64_t version = 0;
  std::string blob;
};

// `workload`'s fingerprint row at `version` (the latest when nullopt);
// nullopt when the workload or version does not exist.
Result<std::optional<StoredBlob>> ReadBlob(sqlite::Db& db, const std::string& workload,
                                           std::optional<int64_t> version) {
  ASSIGN_OR_RETURN(Statement st, Statement::Prepare(db, R"sql(
SELECT f.workload_id, f.version, f.blob
FROM fingerprints f JOIN workloads w ON w.id = f.workload_id
WHERE w.name = ?1 AND (?2 IS NULL OR f.version = ?2)
ORDER BY f.version DESC LIMIT 1)sql"));
  st.Bind(1, workload);
  if (version) {
    st.Bind(2, *version);
  } else {
    st.BindNull(2);
  }
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<StoredBlob>();
  return std::optional<StoredBlob>(StoredBlob{st.Int(0), st.Int(1), std::string(st.Blob(2))});
}

Result<model::Fingerprint> DecodeRow(std::string_view blob, const std::string& workload,
                                     int64_t version) {
  Result<model::Fingerprint> fp = DecodeFingerprint(blob);
  if (!fp) {
    return fp.error().WithContext("fingerprint of " + workload + " version " +
                                  std::to_string(version));
  }
  fp->workload = workload;  // the row's name is the key; the blob's is a copy
  return fp;
}

// Schema 5: the item counts of fingerprints stored before, from their blobs,
// once, so that listing workloads never decodes a blob. A blob that does not
// decode keeps NULL counts (ListWorkloads then reports it, as before).
Status BackfillItemCounts(Db* db) {
  ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(*db,
      "SELECT workload_id, version, blob FROM fingerprints WHERE executables IS NULL"));
  ASSIGN_OR_RETURN(Statement update, Statement::Prepare(*db, R"sql(
UPDATE fingerprints SET executables = ?3, files = ?4, network = ?5, dns = ?6, syscalls = ?7
WHERE workload_id = ?1 AND version = ?2)sql"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    Result<model::Fingerprint> fp = DecodeFingerprint(rows.Blob(2));
    if (!fp) continue;
    update.Reset();
    update.Bind(1, rows.Int(0))
        .Bind(2, rows.Int(1))
        .Bind(3, static_cast<int64_t>(fp->executables.size()))
        .Bind(4, static_cast<int64_t>(fp->files.size()))
        .Bind(5, static_cast<int64_t>(fp->network.size()))
        .Bind(6, static_cast<int64_t>(fp->dns_names.size()))
        .Bind(7, static_cast<int64_t>(fp->syscalls.size()));
    RETURN_IF_ERROR(update.Run());
  }
  return Status::Ok();
}

// The statements UpsertFindings() runs per finding, prepared once per call.
struct FindingStatements {
  Statement workload;  // ?1 name, ?2 cgroup_path, ?3 time -> id
  Statement insert;
  Statement update;    // ?1 id, ?2 count, ?3 time -> workload_id
  Statement touch;     // ?1 workload_id, ?2 time
};

constexpr const char* kUpsertWorkloadForFinding = R"sql(
INSERT INTO workloads(name, cgroup_path, first_seen_ns, last_seen_ns) VALUES(?1, ?2, ?3, ?3)
ON CONFLICT(name) DO UPDATE SET
  cgroup_path = COALESCE(cgroup_path, excluded.cgroup_path),
  first_seen_ns = COALESCE(first_seen_ns, excluded.first_seen_ns),
  last_seen_ns = MAX(COALESCE(last_seen_ns, excluded.last_seen_ns), excluded.last_seen_ns)
RETURNING id)sql";

constexpr const char* kInsertFinding = R"sql(
INSERT INTO findings(time_ns, last_time_ns, workload_id, kind, subject, reason, severity, score,
                     count, pid, ppid, exe, argv, parent_exe, ancestry, cgroup_path, incident,
                     item, folded, folded_examples, incident_root, exception, context, script)
VALUES(?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
       ?20, ?21, ?22, ?23)
RETURNING id)sql";

constexpr const char* kUpdateFinding = R"sql(
UPDATE findings SET count = ?2, last_time_ns = MAX(last_time_ns, ?3), folded = ?4,
  folded_examples = ?5, score = ?6, severity = ?7, reason = ?8 WHERE id = ?1
RETURNING workload_id)sql";

constexpr const char* kTouchWorkload =
    "UPDATE workloads SET last_seen_ns = MAX(COALESCE(last_seen_ns, ?2), ?2) WHERE id = ?1";

Result<FindingStatements> PrepareFindingStatements(const Db& db) {
  ASSIGN_OR_RETURN(Statement workload, Statement::Prepare(db, kUpsertWorkloadForFinding));
  ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kInsertFinding));
  ASSIGN_OR_RETURN(Statement update, Statement::Prepare(db, kUpdateFinding));
  ASSIGN_OR_RETURN(Statement touch, Statement::Prepare(db, kTouchWorkload));
  return FindingStatements{std::move(workload), std::move(insert), std::move(update),
                           std::move(touch)};
}

// Inserts or updates `*f` inside the caller's transaction; true if inserted
// (f->id is then set).
Result<bool> UpsertOne(FindingStatements* st, model::Finding* f) {
  if (f->id != 0) {
    st->update.Reset();
    st->update.Bind(1, f->id)
        .Bind(2, static_cast<int64_t>(f->count))
        .Bind(3, f->time_ns)
        .Bind(4, static_cast<int64_t>(f->folded))
        .Bind(5, ToJson(f->folded_examples))
        .Bind(6, f->score)
        .Bind(7, model::SeverityName(f->severity))
        .Bind(8, f->reason);
    ASSIGN_OR_RETURN(bool row, st->update.Step());
    if (!row) return Status(ErrorCode::kNotFound, "no finding with id " + std::to_string(f->id));
    int64_t workload_id = st->update.Int(0);
    st->update.Reset();
    st->touch.Reset();
    st->touch.Bind(1, workload_id).Bind(2, f->time_ns);
    RETURN_IF_ERROR(st->touch.Run());
    return false;
  }
  st->workload.Reset();
  st->workload.Bind(1, f->workload).Bind(3, f->time_ns);
  if (f->cgroup_path.empty()) {
    st->workload.BindNull(2);
  } else {
    st->workload.Bind(2, f->cgroup_path);
  }
  ASSIGN_OR_RETURN(bool row, st->workload.Step());
  if (!row) return Status(ErrorCode::kInternal, "upsert workload returned no id");
  int64_t workload_id = st->workload.Int(0);
  st->workload.Reset();

  const ProcessContext& p = f->process;
  Statement& ins = st->insert;
  ins.Reset();
  ins.Bind(1, f->time_ns)
      .Bind(2, workload_id)
      .Bind(3, model::FindingKindName(f->kind))
      .Bind(4, f->subject)
      .Bind(5, f->reason)
      .Bind(6, model::SeverityName(f->severity))
      .Bind(7, f->score)
      .Bind(8, static_cast<int64_t>(f->count))
      .Bind(9, static_cast<int64_t>(p.pid))
      .Bind(10, static_cast<int64_t>(p.ppid))
      .Bind(11, p.exe)
      .Bind(12, ToJson(p.argv))
      .Bind(13, p.parent_exe)
      .Bind(14, ToJson(p.ancestry))
      .Bind(15, f->cgroup_path)
      .Bind(16, f->incident)
      .Bind(17, ItemJson(*f))
      .Bind(18, static_cast<int64_t>(f->folded))
      .Bind(19, ToJson(f->folded_examples))
      .Bind(20, f->incident_root);
  if (f->exception.empty()) {
    ins.BindNull(21);
  } else {
    ins.Bind(21, f->exception);
  }
  ins.Bind(22, collector::RuntimeContextToJson(*p.runtime)).Bind(23, p.script);
  ASSIGN_OR_RETURN(row, ins.Step());
  if (!row) return Status(ErrorCode::kInternal, "insert finding returned no id");
  f->id = ins.Int(0);
  ins.Reset();
  return true;
}

constexpr const char* kFindingColumns = R"sql(
SELECT f.id, f.time_ns, w.name, f.cgroup_path, f.kind, f.subject, f.reason, f.severity,
       f.score, f.count, f.pid, f.ppid, f.exe, f.argv, f.parent_exe, f.ancestry, f.incident,
       f.item, f.folded, f.folded_examples, f.incident_root, f.exception, f.context, f.script
FROM findings f JOIN workloads w ON w.id = f.workload_id)sql";

Result<model::Finding> ReadFinding(const Statement& st) {
  model::Finding f;
  f.id = st.Int(0);
  f.time_ns = st.Int(1);
  f.workload = st.Text(2);
  f.cgroup_path = st.Text(3);
  ASSIGN_OR_RETURN(f.kind, ParseName(kFindingKinds, &model::FindingKindName, st.Text(4),
                                     "finding kind"));
  f.subject = st.Text(5);
  f.reason = st.Text(6);
  ASSIGN_OR_RETURN(f.severity,
                   ParseName(kSeverities, &model::SeverityName, st.Text(7), "severity"));
  f.score = st.Real(8);
  f.count = static_cast<uint64_t>(st.Int(9));
  f.process.pid = static_cast<uint32_t>(st.Int(10));
  f.process.ppid = static_cast<uint32_t>(st.Int(11));
  f.process.exe = st.Text(12);
  ASSIGN_OR_RETURN(f.process.argv, FromJson(st.Text(13), "argv"));
  f.process.parent_exe = st.Text(14);
  ASSIGN_OR_RETURN(f.process.ancestry, FromJson(st.Text(15), "ancestry"));
  f.incident = st.Int(16);
  ASSIGN_OR_RETURN(f.item, ParseItemJson(st.Text(17), f));
  f.folded = static_cast<uint64_t>(st.Int(18));
  ASSIGN_OR_RETURN(f.folded_examples, FromJson(st.Text(19), "folded_examples"));
  f.incident_root = st.Text(20);
  f.exception = st.Text(21);
  ASSIGN_OR_RETURN(RuntimeContext context, collector::RuntimeContextFromJson(st.Text(22)));
  if (!context.empty()) f.process.runtime = RuntimeContextRef(std::move(context));
  f.process.script = st.Text(23);
  return f;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, OpenMode mode) {
  const std::string action = "open database " + path;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (mode == OpenMode::kReadOnly) return Status::Errno(action, errno);
    // sqlite retries a refused create read-only and reports that ENOENT; ask
    // the directory instead.
    fs::path dir = fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    if (access(dir.c_str(), W_OK | X_OK) != 0) return Status::Errno(action, errno);
    // Fingerprints and findings are private: the file is created 0600
    // whatever the umask, and sqlite gives its -wal and -shm files the same mode.
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return Status::Errno(action, errno);
    if (fd >= 0) {
      int e = fchmod(fd, 0600) == 0 ? 0 : errno;
      close(fd);
      if (e != 0) return Status::Errno(action, e);
    }
  } else if (mode == OpenMode::kReadOnly && S_ISREG(st.st_mode) && st.st_size == 0 &&
             !NonEmptyFile(path + "-wal")) {
    // An empty file (what `touch` makes) is a new database, as a read-write
    // open takes it; read-only, it is served from memory and left untouched.
    return OpenEmpty(path);
  }
  // kReadOnly uses a read-write connection with writes switched off
  // (query_only) when the file allows one: an SQLITE_OPEN_READONLY connection
  // creates the -wal and -shm files of a WAL database but may not remove them
  // when it closes, so every read would leave them behind.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (mode == OpenMode::kReadOnly) {
    flags = access(path.c_str(), W_OK) == 0 ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  }
  Result<Db> db = Db::Open(path, flags);
  if (!db) return db.error().WithContext(action);
  sqlite3_busy_timeout(db->get(), 5000);
  if (mode == OpenMode::kReadOnly) {
    if (Status s = db->Exec("PRAGMA query_only = ON"); !s.ok()) return s.WithContext(action);
  }
  if (mode == OpenMode::kReadWrite && sqlite3_db_readonly(db->get(), "main") == 1) {
    return Status(ErrorCode::kPermissionDenied, action + ": file is read-only");
  }

  // Look before touching: nothing below writes until the header checks pass.
  Result<Header> header = ReadHeader(*db);
  if (!header) return header.error().WithContext(action);
  RETURN_IF_ERROR(CheckHeader(*header, path, mode));

  Status s = db->Exec("PRAGMA foreign_keys = ON");
  if (s.ok() && mode == OpenMode::kReadWrite) {
    // journal_mode answers with a row; Exec() ignores it. WAL persists in the file.
    s = db->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    if (s.ok()) s = Migrate(&*db, path);
  }
  if (!s.ok()) return s.WithContext(action);
  return std::unique_ptr<Store>(
      new Store(path, mode, std::make_unique<Db>(std::move(db).value())));
}

Result<std::unique_ptr<Store>> Store::OpenEmpty(const std::string& path) {
  const std::string action = "open database " + path;
  Result<Db> db = Db::Open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error().WithContext(action);
  Status s = db->Exec("PRAGMA foreign_keys = ON");
  if (s.ok()) s = Migrate(&*db, path);
  if (s.ok()) s = db->Exec("PRAGMA query_only = ON");
  if (!s.ok()) return s.WithContext(action);
  return std::unique_ptr<Store>(
      new Store(path, OpenMode::kReadOnly, std::make_unique<Db>(std::move(db).value())));
}

Store::Store(std::string path, OpenMode mode, std::unique_ptr<Db> db)
    : path_(std::move(path)), mode_(mode), db_(std::move(db)) {}

Store::~Store() = default;

Status Store::CheckWritable() const {
  if (mode_ == OpenMode::kReadOnly) {
    return Status(ErrorCode::kInvalidArgument, "database " + path_ + " is open read-only");
  }
  return Status::Ok();
}

Status Store::Context(const Status& s, const std::string& action) const {
  return s.WithContext(action + " " + path_);
}

namespace {

// The statements that store fingerprint versions, prepared once per transaction.
struct SaveStatements {
  Statement upsert;  // ?1 name, ?2 first_seen, ?3 last_seen -> id
  Statement insert;  // ?1 workload_id, ... -> version
  Statement part;    // ?1 workload_id, ?2 version, ?3 node, ?4 blob
  Statement state;   // ?1 workload_id, ?2 state
};

Result<SaveStatements> PrepareSave(const Db& db) {
  ASSIGN_OR_RETURN(Statement upsert, Statement::Prepare(db, R"sql(
INSERT INTO workloads(name, first_seen_ns, last_seen_ns) VALUES(?1, ?2, ?3)
ON CONFLICT(name) DO UPDATE SET
  first_seen_ns = MIN(COALESCE(first_seen_ns, excluded.first_seen_ns), excluded.first_seen_ns),
  last_seen_ns = MAX(COALESCE(last_seen_ns, excluded.last_seen_ns), excluded.last_seen_ns)
RETURNING id)sql"));
  ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, R"sql(
INSERT INTO fingerprints(workload_id, version, format_version, created_ns, events, dropped,
                         items, blob, executables, files, network, dns, syscalls)
VALUES(?1, (SELECT COALESCE(MAX(version), 0) + 1 FROM fingerprints WHERE workload_id = ?1),
       ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
RETURNING version)sql"));
  ASSIGN_OR_RETURN(Statement part, Statement::Prepare(db,
      "INSERT INTO fingerprint_parts(workload_id, version, node, blob) VALUES(?1, ?2, ?3, ?4)"));
  ASSIGN_OR_RETURN(Statement state, Statement::Prepare(db, "UPDATE workloads SET state = ?2 WHERE id = ?1"));
  return SaveStatements{std::move(upsert), std::move(insert), std::move(part), std::move(state)};
}

// Stores `fp` as the next version of its workload inside the caller's
// transaction, with `parts` (if any) and, if not empty, the workload's new `state`.
Status SaveOne(SaveStatements* st, const model::Fingerprint& fp, const model::Parts* parts,
               std::optional<WorkloadState> state, int64_t now_ns) {
  const model::TrainingStats& t = fp.training;
  st->upsert.Reset();
  st->upsert.Bind(1, fp.workload)
      .Bind(2, t.first_event_ns != 0 ? t.first_event_ns : now_ns)
      .Bind(3, t.last_event_ns != 0 ? t.last_event_ns : now_ns);
  ASSIGN_OR_RETURN(bool row, st->upsert.Step());
  if (!row) return Status(ErrorCode::kInternal, "upsert workload returned no id");
  int64_t workload_id = st->upsert.Int(0);
  st->upsert.Reset();

  st->insert.Reset();
  st->insert.Bind(1, workload_id)
      .Bind(2, static_cast<int64_t>(model::kFingerprintFormatVersion))
      .Bind(3, now_ns)
      .Bind(4, static_cast<int64_t>(t.events))
      .Bind(5, static_cast<int64_t>(t.dropped_events))
      .Bind(6, static_cast<int64_t>(fp.ItemCount()))
      .BindBlob(7, EncodeFingerprint(fp))
      .Bind(8, static_cast<int64_t>(fp.executables.size()))
      .Bind(9, static_cast<int64_t>(fp.files.size()))
      .Bind(10, static_cast<int64_t>(fp.network.size()))
      .Bind(11, static_cast<int64_t>(fp.dns_names.size()))
      .Bind(12, static_cast<int64_t>(fp.syscalls.size()));
  ASSIGN_OR_RETURN(row, st->insert.Step());
  if (!row) return Status(ErrorCode::kInternal, "insert fingerprint returned no version");
  int64_t version = st->insert.Int(0);
  st->insert.Reset();
  if (parts != nullptr) {
    for (const auto& [node, part] : *parts) {
      st->part.Reset();
      st->part.Bind(1, workload_id).Bind(2, version).Bind(3, node).BindBlob(4, EncodeFingerprint(part));
      RETURN_IF_ERROR(st->part.Run());
    }
  }
  if (state) {
    st->state.Reset();
    st->state.Bind(1, workload_id).Bind(2, std::string(WorkloadStateName(*state)));
    RETURN_IF_ERROR(st->state.Run());
  }
  return Status::Ok();
}

}  // namespace

Status Store::SaveFingerprints(const std::vector<model::Fingerprint>& fps, int64_t now_ns) {
  RETURN_IF_ERROR(CheckWritable());
  Status s = [&]() -> Status {
    Transaction tx(db_.get());
    RETURN_IF_ERROR(tx.Begin());
    ASSIGN_OR_RETURN(SaveStatements st, PrepareSave(*db_));
    for (const model::Fingerprint& fp : fps) {
      Status one = SaveOne(&st, fp, nullptr, std::nullopt, now_ns);
      if (!one.ok()) return one.WithContext("workload " + fp.workload);
    }
    return tx.Commit();
  }();
  return Context(s, "save fingerprints to");
}

Status Store::ImportFingerprint(const model::Fingerprint& fp, WorkloadState state, int64_t now_ns) {
  RETURN_IF_ERROR(CheckWritable());
  Status s = [&]() -> Status {
    Transaction tx(db_.get());
    RETURN_IF_ERROR(tx.Begin());
    ASSIGN_OR_RETURN(SaveStatements st, PrepareSave(*db_));
    RETURN_IF_ERROR(SaveOne(&st, fp, nullptr, state, now_ns));
    return tx.Commit();
  }();
  return Context(s, "import fingerprint of " + fp.workload + " into");
}

Status Store::SaveMerged(const std::vector<MergedFingerprint>& merged, int64_t now_ns) {
  RETURN_IF_ERROR(CheckWritable());
  Status s = [&]() -> Status {
    Transaction tx(db_.get());
    RETURN_IF_ERROR(tx.Begin());
    ASSIGN_OR_RETURN(SaveStatements st, PrepareSave(*db_));
    for (const MergedFingerprint& m : merged) {
      Status one = SaveOne(&st, m.combined, &m.parts, std::nullopt, now_ns);
      if (!one.ok()) return one.WithContext("workload " + m.combined.workload);
    }
    return tx.Commit();
  }();
  return Context(s, "save merged fingerprints to");
}

Result<model::Parts> Store::LoadParts(const std::string& workload, std::optional<int64_t> version) {
  auto load = [&]() -> Result<model::Parts> {
    ASSIGN_OR_RETURN(std::optional<StoredBlob> stored, ReadBlob(*db_, workload, version));
    if (!stored) return model::Parts();
    ASSIGN_OR_RETURN(Statement parts, Statement::Prepare(*db_,
        "SELECT node, blob FROM fingerprint_parts WHERE workload_id = ?1 AND version = ?2 ORDER BY node"));
    parts.Bind(1, stored->workload_id).Bind(2, stored->version);
    model::Parts out;
    while (true) {
      ASSIGN_OR_RETURN(bool part_row, parts.Step());
      if (!part_row) break;
      std::string node = parts.Text(0);
      Result<model::Fingerprint> fp = DecodeRow(parts.Blob(1), workload, stored->version);
      if (!fp) return fp.error().WithContext("part of node '" + node + "'");
      out.emplace(std::move(node), std::move(fp).value());
    }
    // A trained or imported version is its own single part.
    if (out.empty()) {
      ASSIGN_OR_RETURN(model::Fingerprint whole, DecodeRow(stored->blob, workload, stored->version));
      out = model::PartsOf(whole);
    }
    return out;
  };
  auto r = load();
  if (!r) return Context(r.error(), "load fingerprint parts from");
  return r;
}

Result<std::vector<VersionInfo>> Store::ListVersions(const std::string& workload) {
  auto list = [&]() -> Result<std::vector<VersionInfo>> {
    ASSIGN_OR_RETURN(Statement id, Statement::Prepare(*db_, "SELECT id FROM workloads WHERE name = ?1"));
    id.Bind(1, workload);
    ASSIGN_OR_RETURN(bool found, id.Step());
    if (!found) return Status(ErrorCode::kNotFound, "unknown workload " + workload);
    const int64_t workload_id = id.Int(0);
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_, R"sql(
SELECT f.version, f.created_ns, f.format_version, f.events, f.dropped, f.items, f.blob,
       (SELECT count(*) FROM fingerprint_parts p WHERE p.workload_id = f.workload_id AND p.version = f.version)
FROM fingerprints f WHERE f.workload_id = ?1 ORDER BY f.version)sql"));
    st.Bind(1, workload_id);
    std::vector<VersionInfo> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      VersionInfo v;
      v.version = st.Int(0);
      v.created_ns = st.Int(1);
      v.format_version = static_cast<uint32_t>(st.Int(2));
      v.events = static_cast<uint64_t>(st.Int(3));
      v.dropped = static_cast<uint64_t>(st.Int(4));
      v.items = static_cast<size_t>(st.Int(5));
      std::string_view blob = st.Blob(6);
      v.bytes = blob.size();
      ASSIGN_OR_RETURN(model::Fingerprint fp, DecodeRow(blob, workload, v.version));
      v.node = fp.node;
      v.parts = static_cast<size_t>(st.Int(7));
      out.push_back(std::move(v));
    }
    return out;
  };
  auto r = list();
  if (!r && r.error().code() == ErrorCode::kNotFound) return r;
  if (!r) return Context(r.error(), "list versions in");
  return r;
}

Result<std::map<std::string, model::Fingerprint>> Store::LoadFingerprints() {
  auto load = [&]() -> Result<std::map<std::string, model::Fingerprint>> {
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_, R"sql(
SELECT w.name, f.version, f.blob
FROM fingerprints f JOIN workloads w ON w.id = f.workload_id
WHERE f.version = (SELECT MAX(version) FROM fingerprints WHERE workload_id = f.workload_id))sql"));
    std::map<std::string, model::Fingerprint> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string name = st.Text(0);
      ASSIGN_OR_RETURN(model::Fingerprint fp, DecodeRow(st.Blob(2), name, st.Int(1)));
      out.emplace(std::move(name), std::move(fp));
    }
    return out;
  };
  auto r = load();
  if (!r) return Context(r.error(), "load fingerprints from");
  return r;
}

Result<std::optional<model::Fingerprint>> Store::LoadFingerprint(const std::string& workload,
                                                                 std::optional<int64_t> version) {
  auto load = [&]() -> Result<std::optional<model::Fingerprint>> {
    ASSIGN_OR_RETURN(std::optional<StoredBlob> stored, ReadBlob(*db_, workload, version));
    if (!stored) return std::optional<model::Fingerprint>();
    ASSIGN_OR_RETURN(model::Fingerprint fp, DecodeRow(stored->blob, workload, stored->version));
    return std::optional<model::Fingerprint>(std::move(fp));
  };
  auto r = load();
  if (!r) return Context(r.error(), "load fingerprint from");
  return r;
}

const char* WorkloadStateName(WorkloadState s) {
  switch (s) {
    case WorkloadState::kLearning: return "learning";
    case WorkloadState::kMonitoring: return "monitoring";
    case WorkloadState::kLocked: return "locked";
    case WorkloadState::kIgnored: return "ignored";
  }
  return "learning";
}

Result<WorkloadState> ParseWorkloadState(std::string_view name) {
  for (WorkloadState s : {WorkloadState::kLearning, WorkloadState::kMonitoring, WorkloadState::kLocked,
                          WorkloadState::kIgnored}) {
    if (name == WorkloadStateName(s)) return s;
  }
  return Status(ErrorCode::kCorrupt, "unknown workload state '" + std::string(name) + "'");
}

namespace {

// Rows of workloads (all, or the one named `name`) with their latest
// fingerprint's columns. Reads no blob: the item counts are columns (schema
// 5), except for a row whose blob did not decode at migration.
Result<std::vector<WorkloadInfo>> ReadWorkloads(Db& db, const std::optional<std::string>& name) {
  ASSIGN_OR_RETURN(Statement st, Statement::Prepare(db, std::string(R"sql(
SELECT w.name, w.state, COALESCE(w.first_seen_ns, 0), COALESCE(w.last_seen_ns, 0),
       f.version, f.created_ns, f.events, f.dropped, length(f.blob),
       (SELECT count(*) FROM findings WHERE workload_id = w.id),
       f.executables, f.files, f.network, f.dns, f.syscalls
FROM workloads w LEFT JOIN fingerprints f ON f.workload_id = w.id AND
     f.version = (SELECT MAX(version) FROM fingerprints WHERE workload_id = w.id)
)sql") + (name ? "WHERE w.name = ?1 " : "") + "ORDER BY w.name"));
  if (name) st.Bind(1, *name);
  std::vector<WorkloadInfo> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    WorkloadInfo w;
    w.name = st.Text(0);
    Result<WorkloadState> state = ParseWorkloadState(st.Text(1));
    if (!state) return state.error().WithContext("workload " + w.name);
    w.state = *state;
    w.first_seen_ns = st.Int(2);
    w.last_seen_ns = st.Int(3);
    w.findings = st.Int(9);
    if (!st.IsNull(4)) {
      w.version = st.Int(4);
      w.updated_ns = st.Int(5);
      w.events = static_cast<uint64_t>(st.Int(6));
      w.dropped = static_cast<uint64_t>(st.Int(7));
      w.fingerprint_bytes = static_cast<size_t>(st.Int(8));
      if (st.IsNull(10)) {
        // Not counted at migration: the blob did not decode; say why.
        ASSIGN_OR_RETURN(std::optional<StoredBlob> stored, ReadBlob(db, w.name, w.version));
        if (stored) RETURN_IF_ERROR(DecodeRow(stored->blob, w.name, w.version).status());
      }
      w.executables = static_cast<size_t>(st.Int(10));
      w.files = static_cast<size_t>(st.Int(11));
      w.network = static_cast<size_t>(st.Int(12));
      w.dns = static_cast<size_t>(st.Int(13));
      w.syscalls = static_cast<size_t>(st.Int(14));
    }
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

Result<std::vector<WorkloadInfo>> Store::ListWorkloads() {
  auto r = ReadWorkloads(*db_, std::nullopt);
  if (!r) return Context(r.error(), "list workloads in");
  return r;
}

Result<std::optional<WorkloadInfo>> Store::GetWorkload(const std::string& name) {
  auto r = ReadWorkloads(*db_, name);
  if (!r) return Context(r.error(), "read workload " + name + " from");
  if (r->empty()) return std::optional<WorkloadInfo>();
  return std::optional<WorkloadInfo>(std::move(r->front()));
}

Result<bool> Store::HasWorkload(const std::string& workload) {
  auto has = [&]() -> Result<bool> {
    ASSIGN_OR_RETURN(Statement st,
                     Statement::Prepare(*db_, "SELECT 1 FROM workloads WHERE name = ?1"));
    st.Bind(1, workload);
    return st.Step();
  };
  auto r = has();
  if (!r) return Context(r.error(), "look up workload in");
  return r;
}

Status Store::UpsertFinding(model::Finding* f) { return UpsertFindings({f}); }

Status Store::UpsertFindings(const std::vector<model::Finding*>& fs, const OutboxSpec* outbox) {
  RETURN_IF_ERROR(CheckWritable());
  std::vector<model::Finding*> assigned;
  Status s = [&]() -> Status {
    Transaction tx(db_.get());
    RETURN_IF_ERROR(tx.Begin());
    ASSIGN_OR_RETURN(FindingStatements st, PrepareFindingStatements(*db_));
    ASSIGN_OR_RETURN(Statement enqueue, Statement::Prepare(*db_,
        "INSERT INTO outbox(finding_id, sink, payload) VALUES(?1, ?2, ?3)"));
    for (model::Finding* f : fs) {
      ASSIGN_OR_RETURN(bool inserted, UpsertOne(&st, f));
      if (!inserted) continue;
      assigned.push_back(f);
      if (outbox != nullptr && f->exception.empty()) {
        enqueue.Reset();
        enqueue.Bind(1, f->id).Bind(2, outbox->sink).Bind(3, outbox->payload(*f));
        RETURN_IF_ERROR(enqueue.Run());
      }
    }
    return tx.Commit();
  }();
  if (s.ok()) return s;
  for (model::Finding* f : assigned) f->id = 0;  // those rows were rolled back
  return Context(s, "store findings in");
}

Result<std::vector<model::Finding>> Store::ListFindings(const std::optional<std::string>& workload,
                                                        int64_t since_ns, size_t limit, Which which) {
  auto list = [&]() -> Result<std::vector<model::Finding>> {
    int64_t workload_id = 0;
    if (workload) {
      ASSIGN_OR_RETURN(Statement id,
                       Statement::Prepare(*db_, "SELECT id FROM workloads WHERE name = ?1"));
      id.Bind(1, *workload);
      ASSIGN_OR_RETURN(bool row, id.Step());
      if (!row) return Status(ErrorCode::kNotFound, "unknown workload " + *workload);
      workload_id = id.Int(0);
    }
    // The newest `limit`, then back to ascending time.
    std::string sql = std::string("SELECT * FROM (") + kFindingColumns +
                      (workload ? " WHERE f.workload_id = ?1 AND" : " WHERE") +
                      " f.last_time_ns >= ?2" +
                      (which == Which::kDelivered    ? " AND f.exception IS NULL"
                       : which == Which::kSuppressed ? " AND f.exception IS NOT NULL"
                                                     : "") +
                      " ORDER BY f.time_ns DESC, f.id DESC LIMIT ?3)"
                      " ORDER BY 2, 1";
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_, sql));
    if (workload) st.Bind(1, workload_id);
    st.Bind(2, since_ns).Bind(3, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
    std::vector<model::Finding> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      Result<model::Finding> f = ReadFinding(st);
      if (!f) return f.error().WithContext("finding " + std::to_string(st.Int(0)));
      out.push_back(std::move(f).value());
    }
    return out;
  };
  auto r = list();
  if (!r && r.error().code() == ErrorCode::kNotFound) return r;  // the caller's name, not the file
  if (!r) return Context(r.error(), "list findings in");
  return r;
}

Result<std::optional<model::Finding>> Store::GetFinding(int64_t id) {
  auto get = [&]() -> Result<std::optional<model::Finding>> {
    ASSIGN_OR_RETURN(Statement st,
                     Statement::Prepare(*db_, std::string(kFindingColumns) + " WHERE f.id = ?1"));
    st.Bind(1, id);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<model::Finding>();
    Result<model::Finding> f = ReadFinding(st);
    if (!f) return f.error().WithContext("finding " + std::to_string(id));
    return std::optional<model::Finding>(std::move(f).value());
  };
  auto r = get();
  if (!r) return Context(r.error(), "read finding from");
  return r;
}

Result<std::vector<Store::OutboxRow>> Store::PendingOutbox(const std::string& sink, size_t limit) {
  auto list = [&]() -> Result<std::vector<OutboxRow>> {
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_, R"sql(
SELECT id, finding_id, payload, attempts, next_attempt_ns FROM outbox
WHERE sink = ?1 AND delivered_ns IS NULL ORDER BY id LIMIT ?2)sql"));
    st.Bind(1, sink).Bind(2, static_cast<int64_t>(limit));
    std::vector<OutboxRow> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back({st.Int(0), st.Int(1), st.Text(2), static_cast<int>(st.Int(3)), st.Int(4)});
    }
    return out;
  };
  auto r = list();
  if (!r) return Context(r.error(), "read outbox of");
  return r;
}

Status Store::MarkDelivered(int64_t outbox_id, int64_t now_ns) {
  RETURN_IF_ERROR(CheckWritable());
  auto mark = [&]() -> Status {
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_,
        "UPDATE outbox SET delivered_ns = ?2, error = NULL WHERE id = ?1"));
    st.Bind(1, outbox_id).Bind(2, now_ns);
    return st.Run();
  };
  Status s = mark();
  return s.ok() ? s : Context(s, "mark delivery in");
}

Status Store::MarkFailed(int64_t outbox_id, int attempts, int64_t next_attempt_ns,
                         const std::string& error) {
  RETURN_IF_ERROR(CheckWritable());
  auto mark = [&]() -> Status {
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_,
        "UPDATE outbox SET attempts = ?2, next_attempt_ns = ?3, error = ?4 WHERE id = ?1"));
    st.Bind(1, outbox_id).Bind(2, static_cast<int64_t>(attempts)).Bind(3, next_attempt_ns).Bind(4, error);
    return st.Run();
  };
  Status s = mark();
  return s.ok() ? s : Context(s, "mark failed delivery in");
}

Result<int64_t> Store::OutboxBacklog(const std::string& sink) {
  auto count = [&]() -> Result<int64_t> {
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_,
        "SELECT COUNT(*) FROM outbox WHERE sink = ?1 AND delivered_ns IS NULL"));
    st.Bind(1, sink);
    ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? st.Int(0) : int64_t{0};
  };
  auto r = count();
  if (!r) return Context(r.error(), "count outbox of");
  return r;
}

Status Store::SetWorkloadState(const std::string& workload, WorkloadState state) {
  RETURN_IF_ERROR(CheckWritable());
  auto set = [&]() -> Status {
    ASSIGN_OR_RETURN(Statement st, Statement::Prepare(*db_, R"sql(
INSERT INTO workloads(name, state) VALUES(?1, ?2)
ON CONFLICT(name) DO UPDATE SET state = excluded.state)sql"));
    st.Bind(1, workload).Bind(2, std::string(WorkloadStateName(state)));
    return st.Run();
  };
  Status s = set();
  return s.ok() ? s : Context(s, "set workload state in");
}

}  // namespace dw::store
