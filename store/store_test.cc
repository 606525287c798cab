// store/store_test.cc: Store against real database files in a temporary
// directory: fingerprint history, workloads, findings, and the files Open()
// must refuse without changing them.
#include "store/store.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "collector/testing/temp_dir.h"
#include "store/fingerprint_codec.h"
#include "store/testing/raw_sql.h"
#include "store/testing/sample_fingerprint.h"

namespace dw::store {
namespace {

using collector::testing::TempDir;
using testing::RawExec;
using testing::SampleFingerprint;
namespace fs = std::filesystem;

constexpr int64_t kNow = 1'800'000'000'000'000'000;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}


std::unique_ptr<Store> MustOpen(const std::string& path, OpenMode mode = OpenMode::kReadWrite) {
  Result<std::unique_ptr<Store>> s = Store::Open(path, mode);
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(s).value() : nullptr;
}

model::Finding MakeFinding(const std::string& workload, int64_t time_ns, const std::string& subject) {
  model::Finding f;
  f.time_ns = time_ns;
  f.workload = workload;
  f.cgroup_path = "system.slice/" + workload + ".service";
  f.kind = model::FindingKind::kExec;
  f.subject = subject;
  f.reason = "executable " + subject + " never seen in training";
  f.severity = model::Severity::kHigh;
  f.score = 0.875;
  f.process = {4242, subject, {subject, "-c", "id"}, 1, "/usr/bin/" + workload,
               {"/usr/bin/" + workload, "/usr/lib/systemd/systemd"}};
  return f;
}

TEST(StoreTest, RoundTripsFingerprints) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  std::map<std::string, model::Fingerprint> want = {{"db", SampleFingerprint("db", 2)},
                                                    {"web", SampleFingerprint("web", 1)}};
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveFingerprints({want["web"], want["db"]}, kNow).ok());
    auto got = store->LoadFingerprints();
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(*got, want);
  }
  auto ro = MustOpen(path, OpenMode::kReadOnly);
  ASSERT_TRUE(ro);
  auto got = ro->LoadFingerprints();
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(*got, want);
  auto one = ro->LoadFingerprint("db");
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, std::optional(want["db"]));
}

TEST(StoreTest, EmptyStoreHasNothing) {
  TempDir dir;
  auto store = MustOpen(dir.File("dw.db"));
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->LoadFingerprints(), (std::map<std::string, model::Fingerprint>{}));
  EXPECT_EQ(*store->ListWorkloads(), std::vector<WorkloadInfo>{});
  EXPECT_EQ(*store->ListFindings(std::nullopt), std::vector<model::Finding>{});
  EXPECT_FALSE(*store->HasWorkload("web"));
}

TEST(StoreTest, VersionsIncrementAndHistoryIsKept) {
  TempDir dir;
  auto store = MustOpen(dir.File("dw.db"));
  ASSERT_TRUE(store);
  model::Fingerprint v1 = SampleFingerprint("web", 1);
  model::Fingerprint v2 = SampleFingerprint("web", 2);
  model::Fingerprint v3 = SampleFingerprint("web", 3);
  ASSERT_TRUE(store->SaveFingerprints({v1}, kNow).ok());
  ASSERT_TRUE(store->SaveFingerprints({v2}, kNow + 1).ok());
  ASSERT_TRUE(store->SaveFingerprints({v3, SampleFingerprint("db", 1)}, kNow + 2).ok());

  EXPECT_EQ(*store->LoadFingerprint("web"), std::optional(v3));
  EXPECT_EQ(*store->LoadFingerprint("web", 1), std::optional(v1));
  EXPECT_EQ(*store->LoadFingerprint("web", 2), std::optional(v2));
  EXPECT_EQ(*store->LoadFingerprint("web", 3), std::optional(v3));
  EXPECT_EQ(*store->LoadFingerprint("web", 4), std::nullopt);
  EXPECT_EQ(*store->LoadFingerprint("db", 1), std::optional(SampleFingerprint("db", 1)));
  EXPECT_EQ(*store->LoadFingerprint("nope"), std::nullopt);
  EXPECT_EQ(store->LoadFingerprints()->at("web"), v3);

  auto workloads = store->ListWorkloads();
  ASSERT_TRUE(workloads);
  ASSERT_EQ(workloads->size(), 2u);
  EXPECT_EQ((*workloads)[0].name, "db");
  EXPECT_EQ((*workloads)[0].version, 1);
  EXPECT_EQ((*workloads)[1].name, "web");
  EXPECT_EQ((*workloads)[1].version, 3);
  EXPECT_EQ((*workloads)[1].updated_ns, kNow + 2);
}

TEST(StoreTest, ListWorkloadsDescribesLatestFingerprints) {
  TempDir dir;
  auto store = MustOpen(dir.File("dw.db"));
  ASSERT_TRUE(store);
  model::Fingerprint web1 = SampleFingerprint("web", 1);
  model::Fingerprint web2 = SampleFingerprint("web", 2);
  web2.files["/srv/extra"] = {1, 1, 2, 1, kAccessRead};
  model::Fingerprint db = SampleFingerprint("db", 5);
  model::Fingerprint idle;  // no events yet: seen times come from `now`
  idle.workload = "idle";
  ASSERT_TRUE(store->SaveFingerprints({web1, db, idle}, kNow).ok());
  ASSERT_TRUE(store->SaveFingerprints({web2}, kNow + 10).ok());
  model::Finding f1 = MakeFinding("web", web2.training.last_event_ns + 50, "/bin/nc");
  model::Finding f2 = MakeFinding("web", web2.training.last_event_ns + 60, "/bin/curl");
  model::Finding orphan = MakeFinding("cron", 5000, "/bin/bash");
  ASSERT_TRUE(store->UpsertFindings({&f1, &f2, &orphan}).ok());

  std::vector<WorkloadInfo> want = {
      {"cron", WorkloadState::kLearning, 0, 5000, 5000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
      {"db", WorkloadState::kLearning, 1, db.training.first_event_ns, db.training.last_event_ns, kNow,
       db.training.events, db.training.dropped_events, 2, 3, 4, 1, 2,
       EncodeFingerprint(db).size(), 0},
      {"idle", WorkloadState::kLearning, 1, kNow, kNow, kNow, 0, 0, 0, 0, 0, 0, 0,
       EncodeFingerprint(idle).size(), 0},
      {"web", WorkloadState::kLearning, 2, web1.training.first_event_ns, f2.time_ns, kNow + 10,
       web2.training.events, web2.training.dropped_events, 2, 4, 4, 1, 2,
       EncodeFingerprint(web2).size(), 2},
  };
  auto got = store->ListWorkloads();
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(*got, want);
  EXPECT_TRUE(*store->HasWorkload("cron"));
  EXPECT_FALSE(*store->HasWorkload("cro"));
}

TEST(StoreTest, FindingsInsertUpdateListAndFilter) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  model::Finding a = MakeFinding("web", 100, "/bin/nc");
  model::Finding b = MakeFinding("db", 200, "/bin/sh");
  b.kind = model::FindingKind::kNetwork;
  b.severity = model::Severity::kCritical;
  b.subject = "203.0.113.9:4444";
  b.score = 0.99;
  // The runtime context (schema 4) comes back whole.
  b.process.runtime = RuntimeContextRef(RuntimeContext{
      .node = "node-1", .runtime = "docker", .container_id = std::string(64, 'a'), .container_name = "db",
      .image = "postgres:16", .image_repository = "postgres", .image_tag = "16", .pod_namespace = "data",
      .pod_name = "db-0", .pod_uid = "u", .pod_owner = "db", .pod_labels = {{"app", "db"}}});
  model::Finding c = MakeFinding("web", 300, "/etc/shadow");
  c.kind = model::FindingKind::kFile;
  c.severity = model::Severity::kMedium;
  c.cgroup_path = "";
  c.process = {};
  ASSERT_TRUE(store->UpsertFinding(&a).ok());
  ASSERT_TRUE(store->UpsertFindings({&b, &c}).ok());
  EXPECT_NE(a.id, 0);
  EXPECT_NE(b.id, 0);
  EXPECT_NE(c.id, 0);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(b.id, c.id);

  EXPECT_EQ(*store->ListFindings(std::nullopt), (std::vector<model::Finding>{a, b, c}));
  EXPECT_EQ(*store->ListFindings("web"), (std::vector<model::Finding>{a, c}));
  EXPECT_EQ(*store->ListFindings("db"), (std::vector<model::Finding>{b}));
  // One by id, whole; an unknown id is nullopt, not an error.
  EXPECT_EQ(*store->GetFinding(b.id), std::optional<model::Finding>(b));
  EXPECT_EQ(*store->GetFinding(c.id + 100), std::optional<model::Finding>());
  EXPECT_EQ(*store->ListFindings(std::nullopt, 200), (std::vector<model::Finding>{b, c}));
  EXPECT_EQ(*store->ListFindings(std::nullopt, 301), std::vector<model::Finding>{});
  // limit keeps the newest, still in time order.
  EXPECT_EQ(*store->ListFindings(std::nullopt, 0, 2), (std::vector<model::Finding>{b, c}));
  EXPECT_EQ(*store->ListFindings("web", 0, 1), (std::vector<model::Finding>{c}));

  // A repeat of `a` at time 400: count grows, the first time stays, and the
  // latest occurrence now passes a `since` filter that the first did not.
  model::Finding repeat = a;
  repeat.count = 5;
  repeat.time_ns = 400;
  ASSERT_TRUE(store->UpsertFinding(&repeat).ok());
  EXPECT_EQ(repeat.id, a.id);
  a.count = 5;
  EXPECT_EQ(*store->ListFindings("web"), (std::vector<model::Finding>{a, c}));
  EXPECT_EQ(*store->ListFindings("web", 350), (std::vector<model::Finding>{a}));

  model::Finding ghost = MakeFinding("web", 1, "/x");
  ghost.id = 999;
  Status s = store->UpsertFinding(&ghost);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "store findings in " + path + ": no finding with id 999");

  // Findings survive reopening read-only.
  store.reset();
  auto ro = MustOpen(path, OpenMode::kReadOnly);
  ASSERT_TRUE(ro);
  EXPECT_EQ(*ro->ListFindings(std::nullopt), (std::vector<model::Finding>{a, b, c}));
}

TEST(StoreTest, InvalidUtf8ArgvIsStoredReplaced) {
  TempDir dir;
  auto store = MustOpen(dir.File("dw.db"));
  ASSERT_TRUE(store);
  model::Finding f = MakeFinding("web", 1, "/bin/x");
  f.process.argv = {"/bin/x", "bad\xff"};
  ASSERT_TRUE(store->UpsertFinding(&f).ok());
  f.process.argv = {"/bin/x", "bad\xef\xbf\xbd"};  // U+FFFD
  EXPECT_EQ(*store->ListFindings("web"), std::vector<model::Finding>{f});
}

TEST(StoreTest, UnknownWorkloadIsNotFound) {
  TempDir dir;
  auto store = MustOpen(dir.File("dw.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  auto r = store->ListFindings("nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message(), "unknown workload nope");
  EXPECT_EQ(*store->ListFindings("web"), std::vector<model::Finding>{});
}

TEST(StoreTest, RefusesTextAndRandomFilesWithoutChangingThem) {
  TempDir dir;
  std::string text = dir.File("notes.txt");
  WriteBytes(text, "this is not a database\nat all\n");
  std::string random = dir.File("random.bin");
  std::mt19937 rng(7);
  std::string bytes(8192, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  WriteBytes(random, bytes);

  for (const std::string& path : {text, random}) {
    std::string before = ReadBytes(path);
    for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
      auto r = Store::Open(path, mode);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
      EXPECT_EQ(r.error().message(), "open database " + path + ": file is not a database");
    }
    EXPECT_EQ(ReadBytes(path), before);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
}

TEST(StoreTest, RefusesForeignDatabaseWithoutChangingIt) {
  TempDir dir;
  std::string path = dir.File("other.db");
  RawExec(path, "CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT);"
                "INSERT INTO photos(name) VALUES('cat.jpg');");
  std::string before = ReadBytes(path);
  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto r = Store::Open(path, mode);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message(), path + " is not a driftwatch database");
  }
  EXPECT_EQ(ReadBytes(path), before);

  // Another application's id on an otherwise empty database is foreign too.
  std::string tagged = dir.File("tagged.db");
  RawExec(tagged, "PRAGMA application_id = 1234");
  std::string tagged_before = ReadBytes(tagged);
  EXPECT_EQ(Store::Open(tagged, OpenMode::kReadWrite).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadBytes(tagged), tagged_before);
}

TEST(StoreTest, RefusesNewerSchemaWithoutChangingIt) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  }
  RawExec(path, "PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  std::string before = ReadBytes(path);
  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto r = Store::Open(path, mode);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kVersion);
    EXPECT_EQ(r.error().message(), "database " + path + " has schema version " +
                                       std::to_string(kSchemaVersion + 1) +
                                       "; this driftwatch supports up to " +
                                       std::to_string(kSchemaVersion));
  }
  EXPECT_EQ(ReadBytes(path), before);
}

TEST(StoreTest, ReadOnlyOpenNeedsAnExistingDatabase) {
  TempDir dir;
  std::string path = dir.File("missing.db");
  auto r = Store::Open(path, OpenMode::kReadOnly);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message(), "open database " + path + ": No such file or directory");
  EXPECT_FALSE(fs::exists(path));

}

// Issue 11 defect 5: an empty file (what `touch` makes) is a new database for
// every command: read-only it has nothing in it and stays untouched, read-write
// it gets the schema.
TEST(StoreTest, EmptyFileIsANewDatabaseInBothModes) {
  TempDir dir;
  std::string empty = dir.File("empty.db");
  WriteBytes(empty, "");
  {
    auto r = Store::Open(empty, OpenMode::kReadOnly);
    ASSERT_TRUE(r) << r.error().message();
    auto workloads = (*r)->ListWorkloads();
    ASSERT_TRUE(workloads) << workloads.error().message();
    EXPECT_TRUE(workloads->empty());
    auto fps = (*r)->LoadFingerprints();
    ASSERT_TRUE(fps) << fps.error().message();
    EXPECT_TRUE(fps->empty());
    auto findings = (*r)->ListFindings(std::nullopt);
    ASSERT_TRUE(findings) << findings.error().message();
    EXPECT_TRUE(findings->empty());
    EXPECT_FALSE((*r)->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  }
  EXPECT_EQ(fs::file_size(empty), 0u);
  EXPECT_FALSE(fs::exists(empty + "-wal"));
  auto store = MustOpen(empty);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  store.reset();
  auto ro = Store::Open(empty, OpenMode::kReadOnly);
  ASSERT_TRUE(ro) << ro.error().message();
  auto fps = (*ro)->LoadFingerprints();
  ASSERT_TRUE(fps);
  EXPECT_EQ(fps->size(), 1u);
}

// Issue 11: a database the store creates is private whatever the umask, and
// so are its -wal and -shm files.
TEST(StoreTest, CreatedDatabaseIs0600UnderUmask000) {
  TempDir dir;
  std::string path = dir.File("new.db");
  const mode_t old_umask = umask(0);
  auto store = MustOpen(path);
  umask(old_umask);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  for (const std::string& f : {path, path + "-wal", path + "-shm"}) {
    struct stat st;
    ASSERT_EQ(stat(f.c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
}

TEST(StoreTest, MissingDirectoryIsNotFound) {
  TempDir dir;
  std::string path = dir.File("no/such/dir/dw.db");
  auto r = Store::Open(path, OpenMode::kReadWrite);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message(), "open database " + path + ": No such file or directory");
}

// Root ignores permissions, so as root the check runs in a forked child that
// first drops to uid/gid 65534; its assertions report there, and its exit code
// tells the parent whether any failed.
TEST(StoreTest, UnwritableDirectoryIsPermissionDenied) {
  TempDir dir;
  const std::string ro = dir.File("ro");
  fs::create_directory(ro);
  const std::string path = dir.File("ro/dw.db");
  auto check = [&] {
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    auto r = Store::Open(path, OpenMode::kReadWrite);
    fs::permissions(ro, fs::perms::owner_all);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(r.error().message(), "open database " + path + ": Permission denied");

    // An existing database the user may only read.
    {
      auto store = MustOpen(path);
      ASSERT_TRUE(store);
    }
    fs::permissions(path, fs::perms::owner_read);
    r = Store::Open(path, OpenMode::kReadWrite);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(r.error().message(), "open database " + path + ": file is read-only");
  };
  if (geteuid() != 0) {
    check();
    return;
  }
  constexpr uid_t kNobody = 65534;
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);  // let the child reach ro/
  ASSERT_EQ(chown(ro.c_str(), kNobody, kNobody), 0);
  std::fflush(stdout);
  pid_t pid = fork();
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
        setresuid(kNobody, kNobody, kNobody) != 0) {
      _exit(2);
    }
    check();
    std::fflush(stdout);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the check as uid 65534 died: wait status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << (WEXITSTATUS(status) == 2 ? "could not drop to uid/gid 65534"
                                   : "the check as uid 65534 failed (see its failures above)");
}

TEST(StoreTest, ReadOnlyStoreRefusesWritesAndNeverWrites) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  }
  std::string before = ReadBytes(path);
  auto ro = MustOpen(path, OpenMode::kReadOnly);
  ASSERT_TRUE(ro);
  Status s = ro->SaveFingerprints({SampleFingerprint("web", 2)}, kNow);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "database " + path + " is open read-only");
  model::Finding f = MakeFinding("web", 1, "/bin/nc");
  EXPECT_EQ(ro->UpsertFinding(&f).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.id, 0);
  ASSERT_TRUE(ro->ListWorkloads());
  ro.reset();
  EXPECT_EQ(ReadBytes(path), before);
}

TEST(StoreTest, FailedCheckpointLeavesPreviousFingerprints) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  std::map<std::string, model::Fingerprint> v1 = {{"a", SampleFingerprint("a", 1)},
                                                  {"b", SampleFingerprint("b", 1)}};
  ASSERT_TRUE(store->SaveFingerprints({v1["a"], v1["b"]}, kNow).ok());
  // Inject a failure into the second insert of the next checkpoint.
  RawExec(path, R"sql(
CREATE TRIGGER fail_b BEFORE INSERT ON fingerprints
WHEN NEW.workload_id = (SELECT id FROM workloads WHERE name = 'b')
BEGIN SELECT RAISE(ABORT, 'injected failure'); END;)sql");

  Status s = store->SaveFingerprints(
      {SampleFingerprint("a", 2), SampleFingerprint("c", 1), SampleFingerprint("b", 2)}, kNow + 1);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "save fingerprints to " + path + ": workload b: injected failure");
  EXPECT_EQ(*store->LoadFingerprints(), v1);
  EXPECT_EQ(*store->LoadFingerprint("a", 2), std::nullopt);
  EXPECT_FALSE(*store->HasWorkload("c"));
  auto workloads = store->ListWorkloads();
  ASSERT_TRUE(workloads);
  ASSERT_EQ(workloads->size(), 2u);
  EXPECT_EQ((*workloads)[0].updated_ns, kNow);
  EXPECT_EQ((*workloads)[0].last_seen_ns, v1["a"].training.last_event_ns);

  // The store is still usable once the cause is gone.
  RawExec(path, "DROP TRIGGER fail_b");
  ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("b", 2)}, kNow + 2).ok());
  EXPECT_EQ(*store->LoadFingerprint("b"), std::optional(SampleFingerprint("b", 2)));
}

TEST(StoreTest, FailedFindingBatchStoresNothingAndResetsIds) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  model::Finding kept = MakeFinding("web", 10, "/bin/nc");
  ASSERT_TRUE(store->UpsertFinding(&kept).ok());
  RawExec(path, R"sql(
CREATE TRIGGER fail_bad BEFORE INSERT ON findings WHEN NEW.subject = '/bin/bad'
BEGIN SELECT RAISE(ABORT, 'injected failure'); END;)sql");

  model::Finding a = MakeFinding("new", 20, "/bin/ok");
  model::Finding repeat = kept;
  repeat.count = 9;
  model::Finding bad = MakeFinding("web", 30, "/bin/bad");
  Status s = store->UpsertFindings({&a, &repeat, &bad});
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "store findings in " + path + ": injected failure");
  EXPECT_EQ(a.id, 0);
  EXPECT_EQ(bad.id, 0);
  EXPECT_EQ(*store->ListFindings(std::nullopt), std::vector<model::Finding>{kept});
  EXPECT_FALSE(*store->HasWorkload("new"));
}

TEST(StoreTest, CorruptBlobIsReportedWithItsWorkload) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  RawExec(path, "UPDATE fingerprints SET blob = x'0101000000ff'");
  auto r = store->LoadFingerprints();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(r.error().message(), "load fingerprints from " + path +
                                      ": fingerprint of web version 1: decode fingerprint: "
                                      "truncated at byte 5 of 6");
  // Listing reads the counts from their columns (schema 5), not the blob...
  EXPECT_TRUE(store->ListWorkloads().has_value());
  // ...except for a row the migration could not count, whose blob is then reported.
  RawExec(path, "UPDATE fingerprints SET executables = NULL");
  EXPECT_EQ(store->ListWorkloads().error().code(), ErrorCode::kCorrupt);
}

// A write that the file system refuses (here: RLIMIT_FSIZE, as a full disk
// would) is an error, not a crash, and loses nothing already stored.
TEST(StoreTest, WriteFailureIsIoErrorAndKeepsData) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  model::Fingerprint small = SampleFingerprint("web", 1);
  ASSERT_TRUE(store->SaveFingerprints({small}, kNow).ok());
  model::Fingerprint big = SampleFingerprint("web", 2);
  for (int i = 0; i < 20000; ++i) big.files["/srv/data/file-" + std::to_string(i)] = {};

  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit limit = old;
  limit.rlim_cur = 256 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  sighandler_t old_handler = signal(SIGXFSZ, SIG_IGN);
  Status s = store->SaveFingerprints({big}, kNow + 1);
  signal(SIGXFSZ, old_handler);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);

  EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
  EXPECT_EQ(s.message().rfind("save fingerprints to " + path + ": ", 0), 0u) << s.message();
  EXPECT_EQ(*store->LoadFingerprint("web"), std::optional(small));
  EXPECT_EQ(*store->LoadFingerprint("web", 2), std::nullopt);
  ASSERT_TRUE(store->SaveFingerprints({big}, kNow + 2).ok());
  EXPECT_EQ(*store->LoadFingerprint("web"), std::optional(big));
}

TEST(StoreTest, SecondConnectionSeesCommittedWrites) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  auto writer = MustOpen(path);
  ASSERT_TRUE(writer);
  auto reader = MustOpen(path, OpenMode::kReadOnly);
  ASSERT_TRUE(reader);
  model::Finding f = MakeFinding("web", 10, "/bin/nc");
  ASSERT_TRUE(writer->UpsertFinding(&f).ok());
  EXPECT_EQ(*reader->ListFindings("web"), std::vector<model::Finding>{f});
  // Reopening read-write an existing current database changes nothing in it.
  auto again = MustOpen(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again->ListFindings(std::nullopt), std::vector<model::Finding>{f});
}

}  // namespace
}  // namespace dw::store

namespace dw::store {
namespace {

using testing::RawExec;

// A database written by schema version 1 (before incidents and the outbox)
// opens, migrates, and keeps its findings.
TEST(StoreMigrationTest, Version1DatabaseMigratesAndKeepsFindings) {
  TempDir dir;
  std::string path = dir.File("v1.db");
  RawExec(path, R"sql(
CREATE TABLE workloads (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, cgroup_path TEXT,
  first_seen_ns INTEGER, last_seen_ns INTEGER, state TEXT NOT NULL DEFAULT 'learning');
CREATE TABLE fingerprints (workload_id INTEGER NOT NULL REFERENCES workloads(id), version INTEGER NOT NULL,
  format_version INTEGER NOT NULL, created_ns INTEGER NOT NULL, events INTEGER NOT NULL,
  dropped INTEGER NOT NULL, items INTEGER NOT NULL, blob BLOB NOT NULL, PRIMARY KEY (workload_id, version));
CREATE TABLE findings (id INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, last_time_ns INTEGER NOT NULL,
  workload_id INTEGER NOT NULL REFERENCES workloads(id), kind TEXT NOT NULL, subject TEXT NOT NULL,
  reason TEXT NOT NULL, severity TEXT NOT NULL, score REAL NOT NULL, count INTEGER NOT NULL,
  pid INTEGER, ppid INTEGER, exe TEXT, argv TEXT, parent_exe TEXT, ancestry TEXT, cgroup_path TEXT);
CREATE INDEX findings_by_workload_time ON findings(workload_id, time_ns);
INSERT INTO workloads(id, name) VALUES(1, 'web');
INSERT INTO findings VALUES(1, 5, 5, 1, 'exec', '/bin/sh', 'new', 'high', 0.8, 2, 9, 1, '/bin/sh',
  '["sh"]', '/usr/sbin/web', '["/usr/sbin/web"]', 'web');
PRAGMA user_version = 1;
PRAGMA application_id = 1146569044;
)sql");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  auto findings = store->ListFindings(std::nullopt);
  ASSERT_TRUE(findings) << findings.error().message();
  ASSERT_EQ(findings->size(), 1u);
  EXPECT_EQ((*findings)[0].subject, "/bin/sh");
  EXPECT_EQ((*findings)[0].incident, 0);
  EXPECT_EQ((*findings)[0].count, 2u);
  EXPECT_EQ((*findings)[0].exception, "");  // an old finding was delivered
  // The new parts work.
  auto backlog = store->OutboxBacklog("webhook");
  ASSERT_TRUE(backlog);
  EXPECT_EQ(*backlog, 0);
}

// A version 4 database (no count columns) migrates: the counts of the
// fingerprints stored before come from their blobs, once; GetWorkload and
// ListWorkloads then agree with the blob.
TEST(StoreMigrationTest, Version4DatabaseGetsItemCountsFromItsBlobs) {
  TempDir dir;
  std::string path = dir.File("v4.db");
  const model::Fingerprint web = SampleFingerprint("web", 3);
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveFingerprints({web}, kNow).ok());
  }
  RawExec(path, R"sql(
ALTER TABLE fingerprints DROP COLUMN executables;
ALTER TABLE fingerprints DROP COLUMN files;
ALTER TABLE fingerprints DROP COLUMN network;
ALTER TABLE fingerprints DROP COLUMN dns;
ALTER TABLE fingerprints DROP COLUMN syscalls;
ALTER TABLE findings DROP COLUMN script;
PRAGMA user_version = 4;
)sql");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  auto got = store->GetWorkload("web");
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->executables, web.executables.size());
  EXPECT_EQ((*got)->files, web.files.size());
  EXPECT_EQ((*got)->network, web.network.size());
  EXPECT_EQ((*got)->dns, web.dns_names.size());
  EXPECT_EQ((*got)->syscalls, web.syscalls.size());
  EXPECT_GT((*got)->files, 0u);
  auto all = store->ListWorkloads();
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(*all, std::vector<WorkloadInfo>{**got});
  // Counted at migration: a blob broken afterwards no longer matters to listing.
  RawExec(path, "UPDATE fingerprints SET blob = x'0101000000ff'");
  EXPECT_TRUE(store->ListWorkloads().has_value());
  auto unknown = store->GetWorkload("nope");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
}

// The script an interpreter runs as the finding's process is stored with
// it; a version 5 database (no script column) migrates, its findings with
// none.
TEST(StoreMigrationTest, FindingsKeepTheirProcessesScriptAndVersion5Migrates) {
  TempDir dir;
  std::string path = dir.File("v5.db");
  model::Finding old = MakeFinding("web", kNow, "/bin/sh");
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->UpsertFindings({&old}).ok());
  }
  RawExec(path, "ALTER TABLE findings DROP COLUMN script; PRAGMA user_version = 5;");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  model::Finding shell = MakeFinding("web", kNow + 1, "/usr/bin/dash");
  shell.process.exe = "/usr/bin/lua5.4";
  shell.process.script = "/usr/bin/prosody";
  ASSERT_TRUE(store->UpsertFindings({&shell}).ok());
  auto findings = store->ListFindings(std::nullopt);
  ASSERT_TRUE(findings) << findings.error().message();
  ASSERT_EQ(findings->size(), 2u);
  EXPECT_EQ((*findings)[0].process.script, "");
  EXPECT_EQ((*findings)[0].subject, "/bin/sh");
  EXPECT_EQ((*findings)[1].process.script, "/usr/bin/prosody");
  EXPECT_EQ((*findings)[1].process, shell.process);
}

TEST(StoreOutboxTest, FindingsAndTheirDeliveriesAreStoredTogether) {
  TempDir dir;
  auto store = MustOpen(dir.File("dw.db"));
  ASSERT_TRUE(store);
  model::Finding a = MakeFinding("web", kNow, "/bin/sh");
  a.incident = 77;
  model::Finding b = MakeFinding("web", kNow + 1, "/usr/bin/id");
  b.kind = model::FindingKind::kRate;
  Store::OutboxSpec spec{"webhook", [](const model::Finding& f) { return "{\"s\":\"" + f.subject + "\"}"; }};
  ASSERT_TRUE(store->UpsertFindings({&a, &b}, &spec).ok());
  // A repeat updates the count and queues nothing new.
  a.count = 5;
  ASSERT_TRUE(store->UpsertFindings({&a}, &spec).ok());

  auto pending = store->PendingOutbox("webhook", 10);
  ASSERT_TRUE(pending) << pending.error().message();
  EXPECT_EQ(*pending, (std::vector<Store::OutboxRow>{{1, a.id, "{\"s\":\"/bin/sh\"}", 0, 0},
                                                     {2, b.id, "{\"s\":\"/usr/bin/id\"}", 0, 0}}));
  ASSERT_TRUE(store->MarkFailed(1, 1, kNow + 5, "connection refused").ok());
  ASSERT_TRUE(store->MarkDelivered(2, kNow + 6).ok());
  pending = store->PendingOutbox("webhook", 10);
  ASSERT_TRUE(pending);
  EXPECT_EQ(*pending, (std::vector<Store::OutboxRow>{{1, a.id, "{\"s\":\"/bin/sh\"}", 1, kNow + 5}}));
  EXPECT_EQ(*store->OutboxBacklog("webhook"), 1);

  auto stored = store->ListFindings("web");
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].incident, 77);
  EXPECT_EQ((*stored)[0].count, 5u);
  EXPECT_EQ((*stored)[1].kind, model::FindingKind::kRate);
}

// A finding an exception matched is stored with the exception's name, listed
// only when asked for, and never queued for delivery.
TEST(StoreOutboxTest, SuppressedFindingsAreStoredButNotQueued) {
  TempDir dir;
  std::string path = dir.File("dw.db");
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  model::Finding delivered = MakeFinding("web", kNow, "/bin/sh");
  model::Finding suppressed = MakeFinding("web", kNow + 1, "/var/cache/app/x");
  suppressed.kind = model::FindingKind::kFile;
  suppressed.exception = "web-cache";
  Store::OutboxSpec spec{"webhook", [](const model::Finding& f) { return f.subject; }};
  ASSERT_TRUE(store->UpsertFindings({&delivered, &suppressed}, &spec).ok());
  EXPECT_NE(suppressed.id, 0);
  // Its repeats are counted like any finding's.
  suppressed.count = 3;
  ASSERT_TRUE(store->UpsertFindings({&suppressed}, &spec).ok());

  auto pending = store->PendingOutbox("webhook", 10);
  ASSERT_TRUE(pending);
  EXPECT_EQ(*pending, (std::vector<Store::OutboxRow>{{1, delivered.id, "/bin/sh", 0, 0}}));
  using Which = Store::Which;
  EXPECT_EQ(*store->ListFindings("web"), std::vector<model::Finding>{delivered});
  EXPECT_EQ(*store->ListFindings("web", 0, 0, Which::kSuppressed), std::vector<model::Finding>{suppressed});
  EXPECT_EQ(*store->ListFindings(std::nullopt, 0, 0, Which::kAll),
            (std::vector<model::Finding>{delivered, suppressed}));
  EXPECT_EQ(*store->GetFinding(suppressed.id), std::optional<model::Finding>(suppressed));
}

TEST(StoreOutboxTest, WorkloadStateIsKept) {
  TempDir dir;
  auto store = MustOpen(dir.File("dw.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  ASSERT_TRUE(store->SetWorkloadState("web", WorkloadState::kMonitoring).ok());
  ASSERT_TRUE(store->SetWorkloadState("new", WorkloadState::kLocked).ok());
  auto ws = store->ListWorkloads();
  ASSERT_TRUE(ws);
  ASSERT_EQ(ws->size(), 2u);
  EXPECT_EQ((*ws)[0].name, "new");
  EXPECT_EQ((*ws)[0].state, WorkloadState::kLocked);
  EXPECT_EQ((*ws)[1].state, WorkloadState::kMonitoring);
}

TEST(StoreTest, WorkloadStateNamesRoundTripAndUnknownIsCorrupt) {
  for (WorkloadState s : {WorkloadState::kLearning, WorkloadState::kMonitoring, WorkloadState::kLocked,
                          WorkloadState::kIgnored}) {
    auto parsed = ParseWorkloadState(WorkloadStateName(s));
    ASSERT_TRUE(parsed) << WorkloadStateName(s);
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(std::string(WorkloadStateName(WorkloadState::kMonitoring)), "monitoring");
  auto bad = ParseWorkloadState("paused");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(bad.error().message(), "unknown workload state 'paused'");
}

}  // namespace
}  // namespace dw::store
