// tools/cli/cli_bad_input_test.cc: the real driftwatch binary against bad input: damaged traces
// and databases, wrong command lines, missing permissions, a full disk. Each must end with one
// line on stderr, exit 1 (2 for usage), no signal, and the database as it was.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bpf/events.h"
#include "collector/bpf_source.h"
#include "collector/trace_file.h"
#include "store/store.h"
#include "store/testing/raw_sql.h"
#include "tools/testing/bpf_gate.h"
#include "tools/testing/process.h"

namespace dw::tools {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using store::testing::IntegrityCheck;
using store::testing::RawExec;

using testing::kNobody;          // the unprivileged user the permission cases run as
constexpr auto kTimeout = 60s;  // per run of the binary

// ---- Running the binary ----

using RunOptions = testing::ProcessOptions;
using RunResult = testing::ProcessResult;

// Runs DW_BINARY with `args`, capturing stdout and stderr; kills it after kTimeout.
RunResult RunDriftwatch(const std::vector<std::string>& args, RunOptions options = {}) {
  std::vector<std::string> all = {DW_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  options.timeout = kTimeout;
  return testing::RunProcess(std::move(all), options);
}

::testing::AssertionResult Describe(::testing::AssertionResult result, const RunResult& r) {
  return result << "\n  run: " << r.command_line << "\n  exit " << r.exit_code << ", signal "
                << r.signal << (r.timed_out ? ", timed out" : "") << "\n  stderr: [" << r.err
                << "]\n  stdout: [" << r.out.substr(0, 2000) << "]";
}

// The contract of a refused command: it exits with `code` (not by a signal),
// prints nothing on stdout and exactly one line on stderr, which starts with
// "driftwatch <command>: " ("driftwatch: " when `command` is empty) and
// contains each of `names`.
::testing::AssertionResult Refused(const RunResult& r, const std::string& command, int code,
                                   const std::vector<std::string>& names) {
  auto fail = [&](const std::string& why) {
    return Describe(::testing::AssertionFailure() << why, r);
  };
  if (r.timed_out) return fail("timed out");
  if (r.signal != 0) return fail("killed by signal " + std::to_string(r.signal));
  if (r.exit_code != code) return fail("want exit code " + std::to_string(code));
  if (r.err.empty() || r.err.back() != '\n' || std::count(r.err.begin(), r.err.end(), '\n') != 1) {
    return fail("want exactly one line on stderr");
  }
  const std::string prefix = command.empty() ? "driftwatch: " : "driftwatch " + command + ": ";
  if (r.err.rfind(prefix, 0) != 0) return fail("want stderr to start with '" + prefix + "'");
  for (const std::string& name : names) {
    if (r.err.find(name) == std::string::npos) return fail("want stderr to name '" + name + "'");
  }
  if (!r.out.empty()) return fail("want nothing on stdout");
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Succeeded(const RunResult& r) {
  if (!r.timed_out && r.signal == 0 && r.exit_code == 0) return ::testing::AssertionSuccess();
  return Describe(::testing::AssertionFailure() << "want exit code 0", r);
}

// ---- Files ----

using testing::ReadFile;
using testing::WriteFile;

// The bytes of a database and of its side files; nullopt for an absent file.
using Snapshot = std::map<std::string, std::optional<std::string>>;

Snapshot TakeSnapshot(const std::string& db) {
  Snapshot s;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    s[db + suffix] = ReadFile(db + suffix);
  return s;
}

::testing::AssertionResult Unchanged(const Snapshot& before, const RunResult& r) {
  for (const auto& [path, bytes] : before) {
    std::optional<std::string> now = ReadFile(path);
    if (now == bytes) continue;
    auto describe = [](const std::optional<std::string>& b) {
      return b ? std::to_string(b->size()) + " bytes" : std::string("absent");
    };
    return Describe(::testing::AssertionFailure() << path << " changed: " << describe(bytes)
                                                  << " before, " << describe(now) << " after",
                    r);
  }
  return ::testing::AssertionSuccess();
}


// ---- Traces from hand-made records (bpf/events.h) ----

constexpr uint64_t kWebCgroup = 4242;
constexpr char kWebCgroupPath[] = "shop/web";               // its workload is named the same
constexpr int64_t kBootToUnix = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

dw_header RecordHeader(uint16_t kind, uint32_t pid, uint32_t ppid, uint64_t ts_boot_ns,
                       const std::string& comm) {
  dw_header h{};
  h.ts_boot_ns = ts_boot_ns;
  h.cgroup_id = kWebCgroup;
  h.pid = pid;
  h.tid = pid;
  h.ppid = ppid;
  h.uid = 33;
  h.kind = kind;
  std::memcpy(h.comm, comm.data(), std::min(comm.size(), sizeof(h.comm) - 1));
  return h;
}

// The fixed part, then the trailing bytes; the header's size is the total.
template <typename T>
std::string Record(const T& fixed, const std::string& trailing) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &fixed, sizeof(T));
  out += trailing;
  const uint16_t size = static_cast<uint16_t>(out.size());
  std::memcpy(out.data() + offsetof(dw_header, size), &size, sizeof(size));
  return out;
}

std::string ExecRecord(uint32_t pid, uint32_t ppid, uint64_t ts, const std::string& path,
                       const std::vector<std::string>& argv) {
  dw_exec_event x{};
  x.h = RecordHeader(DW_EVENT_EXEC, pid, ppid, ts, fs::path(path).filename().string());
  const std::string p = path + '\0';
  std::string a;
  for (const auto& arg : argv) a += arg + '\0';
  x.path_len = static_cast<uint16_t>(p.size());
  x.argv_len = static_cast<uint16_t>(a.size());
  return Record(x, p + a);
}

std::string OpenRecord(uint32_t pid, uint32_t ppid, uint64_t ts, const std::string& comm,
                       const std::string& path, uint16_t access) {
  dw_open_event o{};
  o.h = RecordHeader(DW_EVENT_OPEN, pid, ppid, ts, comm);
  const std::string p = path + '\0';
  o.result = 3;
  o.flags = (access & DW_ACCESS_WRITE) ? O_RDWR : O_RDONLY;
  o.access = access;
  o.path_len = static_cast<uint16_t>(p.size());
  o.dfd = -100;  // AT_FDCWD
  return Record(o, p);
}

std::string ConnectRecord(uint32_t pid, uint32_t ppid, uint64_t ts, const std::string& comm,
                          std::array<uint8_t, 4> peer, uint16_t port) {
  dw_sock_event s{};
  s.h = RecordHeader(DW_EVENT_CONNECT, pid, ppid, ts, comm);
  s.family = AF_INET;
  s.protocol = IPPROTO_TCP;
  s.local_port = 40000;
  s.peer_port = port;
  const uint8_t local[4] = {10, 0, 0, 2};
  std::memcpy(s.local_addr, local, 4);
  std::memcpy(s.peer_addr, peer.data(), 4);
  return Record(s, "");
}

// Writes a trace of `records` in the shop/web cgroup, two records per chunk
// so that it has several frames. pid 100 (/usr/bin/web) is running at start.
void WriteTrace(const std::string& path, const std::vector<std::string>& records) {
  collector::TraceHeader header;
  header.created_ns = kBootToUnix + 1'000'000'000;
  header.hostname = "shop-1";
  header.kernel = "6.1.0-test";
  header.boot_to_unix_ns = kBootToUnix;
  header.processes = {{1, 0, 1, "/sbin/init", {"/sbin/init"}},
                      {100, 1, kWebCgroup, "/usr/bin/web", {"web", "--port", "8080"}}};
  auto w = collector::TraceWriter::Create(path, header, 2);
  ASSERT_TRUE(w) << w.error().message();
  (*w)->AddCgroup(kWebCgroup, kWebCgroupPath);
  for (const std::string& r : records) {
    ASSERT_TRUE((*w)->Append({reinterpret_cast<const uint8_t*>(r.data()), r.size()}).ok());
  }
  ASSERT_TRUE((*w)->Close().ok());
}

// What the web server does in training.
std::vector<std::string> NormalRecords() {
  return {
      OpenRecord(100, 1, 5'000'000'000, "web", "/etc/web.conf", DW_ACCESS_READ),
      OpenRecord(100, 1, 5'100'000'000, "web", "/var/lib/web/sessions",
                 DW_ACCESS_READ | DW_ACCESS_WRITE),
      ConnectRecord(100, 1, 5'200'000'000, "web", {10, 0, 0, 5}, 5432),
      OpenRecord(100, 1, 5'300'000'000, "web", "/etc/web.conf", DW_ACCESS_READ),
  };
}

// Normal behaviour, then a shell that reads /etc/shadow and calls out.
std::vector<std::string> DriftRecords() {
  return {
      OpenRecord(100, 1, 9'000'000'000, "web", "/etc/web.conf", DW_ACCESS_READ),
      ExecRecord(101, 100, 9'000'000'123, "/bin/sh", {"sh", "-c", "id"}),
      OpenRecord(101, 100, 9'100'000'000, "sh", "/etc/shadow", DW_ACCESS_READ),
      ConnectRecord(101, 100, 9'200'000'000, "sh", {203, 0, 113, 9}, 4444),
      ConnectRecord(100, 1, 9'300'000'000, "web", {10, 0, 0, 5}, 5432),
  };
}

// Offsets of the frames of a trace file: its file header is 16 bytes, each
// frame a u32 length, a u32 crc and the payload (collector/trace_file.h).
std::vector<size_t> FrameOffsets(const std::string& bytes) {
  std::vector<size_t> offsets;
  size_t off = 16;
  while (off + 8 <= bytes.size()) {
    offsets.push_back(off);
    uint32_t len = 0;
    std::memcpy(&len, bytes.data() + off, 4);
    off += 8 + len;
  }
  EXPECT_EQ(off, bytes.size()) << "frames do not end at the end of the file";
  return offsets;
}

uint32_t FrameLength(const std::string& bytes, size_t frame) {
  uint32_t len = 0;
  std::memcpy(&len, bytes.data() + frame, 4);
  return len;
}

class CliBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-cli-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // Traversable by the unprivileged user of the permission cases.
    ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
    good_ = File("good.dwt");
    drift_ = File("drift.dwt");
    db_ = File("dw.db");
    WriteTrace(good_, NormalRecords());
    WriteTrace(drift_, DriftRecords());
    ASSERT_TRUE(Succeeded(RunDriftwatch({"train", "--db", db_, "--trace", good_})));
    ASSERT_TRUE(fs::exists(db_));
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
      fs::remove_all(dir_, ec);
    }
  }

  std::string File(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
  std::string good_;   // normal behaviour of shop/web
  std::string drift_;  // three new things in shop/web
  std::string db_;     // trained on good_
};

// ---- Positive control: the same binary and files do work ----

TEST_F(CliBadInputTest, GoodTraceTrainsAndDriftIsReportedAsJsonLines) {
  RunResult workloads = RunDriftwatch({"workloads", "--db", db_, "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(workloads));
  ASSERT_EQ(std::count(workloads.out.begin(), workloads.out.end(), '\n'), 1) << workloads.out;
  nlohmann::json w = nlohmann::json::parse(workloads.out);
  EXPECT_EQ(w["workload"], "shop/web");
  EXPECT_EQ(w["version"], 1);
  EXPECT_EQ(w["events"], 4);
  EXPECT_EQ(w["items"],
            nlohmann::json({{"executables", 0}, {"files", 2}, {"network", 1}, {"dns", 0}, {"syscalls", 0}}));

  // Normal behaviour raises nothing.
  RunResult quiet = RunDriftwatch({"detect", "--db", db_, "--trace", good_, "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(quiet));
  EXPECT_EQ(quiet.out, "");

  RunResult detect = RunDriftwatch({"detect", "--db", db_, "--trace", drift_, "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(detect));
  std::vector<nlohmann::json> lines;
  std::istringstream in(detect.out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  // The contract's process fields (ancestry's extent is the process table's business).
  const nlohmann::json shell = {{"pid", 101},
                                {"exe", "/bin/sh"},
                                {"argv", {"sh", "-c", "id"}},
                                {"parent_exe", "/usr/bin/web"}};
  struct Want {
    std::string time, kind, subject, severity;
    double score;
  };
  const std::vector<Want> want = {
      {"2023-11-14T22:13:29.000000123Z", "exec", "/bin/sh", "critical", 0.9},
      {"2023-11-14T22:13:29.100000000Z", "file", "/etc/shadow", "critical", 0.9},
      // The shell itself connects out: a reverse shell (model/scorer.h).
      {"2023-11-14T22:13:29.200000000Z", "network", "203.0.113.9:4444", "critical", 1.0},
  };
  ASSERT_EQ(lines.size(), want.size()) << detect.out;
  for (size_t i = 0; i < want.size(); ++i) {
    const nlohmann::json& j = lines[i];
    EXPECT_EQ(j["time"], want[i].time) << j;
    EXPECT_EQ(j["workload"], "shop/web") << j;
    EXPECT_EQ(j["kind"], want[i].kind) << j;
    EXPECT_EQ(j["subject"], want[i].subject) << j;
    EXPECT_EQ(j["severity"], want[i].severity) << j;
    EXPECT_EQ(j["score"], want[i].score) << j;
    nlohmann::json process;
    for (const char* field : {"pid", "exe", "argv", "parent_exe"})
      process[field] = j["process"][field];
    EXPECT_EQ(process, shell) << j;
    // A replayed trace's findings name the node it was recorded on, nothing the runtimes here say.
    EXPECT_EQ(j["context"], nlohmann::json({{"node", "shop-1"}})) << j;
  }

  // And stored: findings lists the same three.
  RunResult findings =
      RunDriftwatch({"findings", "--db", db_, "--workload", "shop/web", "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(findings));
  EXPECT_EQ(std::count(findings.out.begin(), findings.out.end(), '\n'), 3) << findings.out;
}

// A baseline that is still learning is named in one warning after a replay's
// summary (findings would include normal behaviour training did not reach);
// by the caller's own bar (--min-duration, --quiet) it is done and nothing is said.
TEST_F(CliBadInputTest, DetectWarnsAboutABaselineStillLearning) {
  RunResult learning = RunDriftwatch({"detect", "--db", db_, "--trace", good_});
  ASSERT_TRUE(Succeeded(learning));
  const std::string want = "warning: baseline of shop/web is learning: ";
  EXPECT_NE(learning.err.find(want), std::string::npos) << learning.err;
  EXPECT_NE(learning.err.find("of 10m00s minimum"), std::string::npos) << learning.err;
  EXPECT_GT(learning.err.find(want), learning.err.find("scored ")) << learning.err;
  RunResult done = RunDriftwatch({"detect", "--db", db_, "--trace", good_, "--min-duration", "0.001", "--quiet", "0.001"});
  ASSERT_TRUE(Succeeded(done));
  EXPECT_EQ(done.err.find("warning"), std::string::npos) << done.err;
  EXPECT_TRUE(Refused(RunDriftwatch({"detect", "--db", db_, "--trace", good_, "--quiet", "soon"}), "detect", 2,
                      {"--quiet"}));
}

// ---- Traces ----

TEST_F(CliBadInputTest, MissingTrace) {
  const std::string missing = File("missing.dwt");
  const Snapshot before = TakeSnapshot(db_);
  for (const char* cmd : {"train", "detect"}) {
    RunResult r = RunDriftwatch({cmd, "--db", db_, "--trace", missing});
    EXPECT_TRUE(Refused(r, cmd, 1, {"open trace " + missing + ": No such file or directory"}));
    EXPECT_TRUE(Unchanged(before, r));
  }
  // A database that does not exist yet is not created for a command that fails.
  const std::string fresh = File("fresh.db");
  RunResult r = RunDriftwatch({"train", "--db", fresh, "--trace", missing});
  EXPECT_TRUE(Refused(r, "train", 1, {missing}));
  EXPECT_FALSE(fs::exists(fresh)) << r.command_line;
}

TEST_F(CliBadInputTest, UnreadableTrace) {
  // The unprivileged user owns a directory with a database it may write, so
  // the trace is the only thing it may not use. Root ignores file modes: the
  // binary runs as uid 65534 then.
  const std::string home = File("nobody");
  ASSERT_TRUE(fs::create_directory(home));
  const std::string db = home + "/dw.db";
  fs::copy_file(db_, db);
  const std::string trace = home + "/secret.dwt";
  fs::copy_file(good_, trace);
  if (geteuid() == 0) {
    for (const std::string& p : {home, db, trace}) ASSERT_EQ(chown(p.c_str(), kNobody, kNobody), 0);
  }
  ASSERT_EQ(chmod(trace.c_str(), 0), 0);
  const Snapshot before = TakeSnapshot(db);
  for (const char* cmd : {"train", "detect"}) {
    RunResult r = RunDriftwatch({cmd, "--db", db, "--trace", trace}, {.as_nobody = true});
    EXPECT_TRUE(Refused(r, cmd, 1, {"open trace " + trace + ": Permission denied"}));
    EXPECT_TRUE(Unchanged(before, r));
  }
}

TEST_F(CliBadInputTest, TruncatedTrace) {
  const Snapshot before = TakeSnapshot(db_);
  for (const std::string& source : {good_, drift_}) {
    const std::string bytes = *ReadFile(source);
    const std::vector<size_t> frames = FrameOffsets(bytes);
    ASSERT_GE(frames.size(), 3u);  // the header frame and at least two chunks
    // Inside the file header, inside each frame header and payload, and one
    // byte short; never on a frame boundary, where a shorter trace is valid.
    std::vector<size_t> cuts = {0, 5, 12, bytes.size() - 1};
    for (size_t f : frames) {
      cuts.push_back(f + 3);
      cuts.push_back(f + 8 + FrameLength(bytes, f) / 2);
    }
    for (size_t cut : cuts) {
      const std::string trace = File("cut-" + std::to_string(cut) + ".dwt");
      WriteFile(trace, bytes.substr(0, cut));
      // A truncated copy of the training trace for train, of the drift trace
      // for detect: its first chunks would raise findings.
      const char* cmd = source == good_ ? "train" : "detect";
      RunResult r = RunDriftwatch({cmd, "--db", db_, "--trace", trace});
      EXPECT_TRUE(Refused(r, cmd, 1, {"read trace " + trace + ": ", "truncated"}))
          << "cut at " << cut;
      EXPECT_TRUE(Unchanged(before, r));
      fs::remove(trace);
    }
  }
}

TEST_F(CliBadInputTest, CorruptByteInTrace) {
  const Snapshot before = TakeSnapshot(db_);
  for (const std::string& source : {good_, drift_}) {
    const std::string bytes = *ReadFile(source);
    const std::vector<size_t> frames = FrameOffsets(bytes);
    ASSERT_GE(frames.size(), 3u);
    // The magic, the format version, then each frame's length, crc and
    // payload, and the last byte.
    std::vector<std::pair<size_t, std::string>> flips = {{3, "not a driftwatch trace (bad magic)"},
                                                         {9, "format version"},
                                                         {bytes.size() - 1, "crc mismatch"}};
    for (size_t f : frames) {
      flips.push_back({f + 1, "at byte " + std::to_string(f)});
      flips.push_back({f + 5, "crc mismatch in frame at byte " + std::to_string(f)});
      flips.push_back({f + 8 + FrameLength(bytes, f) / 2,
                       "crc mismatch in frame at byte " + std::to_string(f)});
    }
    const char* cmd = source == good_ ? "train" : "detect";
    for (const auto& [at, why] : flips) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ 0xff);
      const std::string trace = File("flip-" + std::to_string(at) + ".dwt");
      WriteFile(trace, damaged);
      RunResult r = RunDriftwatch({cmd, "--db", db_, "--trace", trace});
      EXPECT_TRUE(Refused(r, cmd, 1, {"read trace " + trace + ": ", why})) << "flipped byte " << at;
      EXPECT_TRUE(Unchanged(before, r));
      fs::remove(trace);
    }
  }
}

TEST_F(CliBadInputTest, WrongMagicAndNewerVersions) {
  const Snapshot before = TakeSnapshot(db_);
  const std::string bytes = *ReadFile(good_);
  struct Case {
    std::string name;
    size_t offset;
    std::string patch;
    std::string want;
  };
  const std::string v99("\x63\0\0\0", 4);  // 99, little-endian
  const std::vector<Case> cases = {
      {"magic", 0, "PK\x03\x04", "not a driftwatch trace (bad magic)"},
      {"format99", 8, v99, "trace format version 99 is newer than this driftwatch (4)"},
      {"wire99", 12, v99,
       "trace wire version 99 is newer than this driftwatch (" + std::to_string(DW_WIRE_VERSION) +
           ")"},
  };
  for (const Case& c : cases) {
    std::string patched = bytes;
    patched.replace(c.offset, c.patch.size(), c.patch);
    const std::string trace = File(c.name + ".dwt");
    WriteFile(trace, patched);
    for (const char* cmd : {"train", "detect"}) {
      RunResult r = RunDriftwatch({cmd, "--db", db_, "--trace", trace});
      EXPECT_TRUE(Refused(r, cmd, 1, {"read trace " + trace + ": " + c.want}));
      EXPECT_TRUE(Unchanged(before, r));
    }
  }
  // A text file is not a trace either.
  const std::string text = File("notes.txt");
  WriteFile(text, "hello, this is not a trace\n");
  RunResult r = RunDriftwatch({"train", "--db", db_, "--trace", text});
  EXPECT_TRUE(
      Refused(r, "train", 1, {"read trace " + text + ": not a driftwatch trace (bad magic)"}));
  EXPECT_TRUE(Unchanged(before, r));
}

// ---- Databases ----

// Runs every command that reads `db` and expects each to be refused with a
// message containing `want`, leaving the file as it was.
void ExpectEveryCommandRefuses(const std::string& db, const std::string& trace,
                               const std::string& want) {
  const Snapshot before = TakeSnapshot(db);
  const std::vector<std::vector<std::string>> runs = {
      {"train", "--db", db, "--trace", trace},
      {"detect", "--db", db, "--trace", trace},
      {"workloads", "--db", db},
      {"findings", "--db", db},
  };
  for (const auto& args : runs) {
    RunResult r = RunDriftwatch(args);
    EXPECT_TRUE(Refused(r, args[0], 1, {want}));
    EXPECT_TRUE(Unchanged(before, r));
  }
}

TEST_F(CliBadInputTest, TextFileAsDatabase) {
  const std::string db = File("notes.txt");
  WriteFile(db, "these are my notes, not a database\n");
  ExpectEveryCommandRefuses(db, good_, "open database " + db + ": file is not a database");
}

TEST_F(CliBadInputTest, ForeignSqliteDatabase) {
  const std::string db = File("other.sqlite");
  RawExec(db,
          "CREATE TABLE contacts(name TEXT, phone TEXT); INSERT INTO contacts VALUES('a', '1');");
  ExpectEveryCommandRefuses(db, good_, db + " is not a driftwatch database");
}

TEST_F(CliBadInputTest, NewerDatabase) {
  RawExec(db_, "PRAGMA user_version = 99");
  ExpectEveryCommandRefuses(db_, good_,
                            "database " + db_ +
                                " has schema version 99; this driftwatch supports up to " +
                                std::to_string(store::kSchemaVersion));
}

TEST_F(CliBadInputTest, MissingDatabaseIsNotCreated) {
  const std::string missing = File("missing.db");
  for (const char* cmd : {"workloads", "findings"}) {
    RunResult r = RunDriftwatch({cmd, "--db", missing});
    EXPECT_TRUE(Refused(r, cmd, 1, {"open database " + missing + ": No such file or directory"}));
    EXPECT_FALSE(fs::exists(missing)) << r.command_line;
  }
  // detect needs baselines; it must not create an empty database to look for them.
  RunResult r = RunDriftwatch({"detect", "--db", missing, "--trace", drift_});
  EXPECT_TRUE(Refused(r, "detect", 1, {missing}));
  EXPECT_FALSE(fs::exists(missing)) << r.command_line;
}

TEST_F(CliBadInputTest, PackageRootMustBeADirectory) {
  const Snapshot before = TakeSnapshot(db_);
  for (const std::string& root : {File("no-such-root"), good_}) {
    RunResult r = RunDriftwatch({"detect", "--db", db_, "--trace", drift_, "--package-root", root});
    EXPECT_TRUE(Refused(r, "detect", 2, {"--package-root " + root + ": not a directory"}));
    EXPECT_TRUE(Unchanged(before, r));
  }
}

TEST_F(CliBadInputTest, UnknownWorkload) {
  const Snapshot before = TakeSnapshot(db_);
  RunResult r = RunDriftwatch({"findings", "--db", db_, "--workload", "nosuch"});
  EXPECT_TRUE(Refused(r, "findings", 1, {"unknown workload nosuch"}));
  EXPECT_TRUE(Unchanged(before, r));
}

TEST_F(CliBadInputTest, DetectWithoutBaselines) {
  const std::string db = File("empty.db");
  {
    auto store = store::Store::Open(db, store::OpenMode::kReadWrite);  // schema, no fingerprints
    ASSERT_TRUE(store) << store.error().message();
  }
  const Snapshot before = TakeSnapshot(db);
  RunResult r = RunDriftwatch({"detect", "--db", db, "--trace", drift_});
  EXPECT_TRUE(Refused(r, "detect", 1, {"database " + db + " has no baselines yet"}));
  EXPECT_TRUE(Unchanged(before, r));
}

// ---- Usage ----

TEST_F(CliBadInputTest, UsageErrorsExitTwoAndTouchNothing) {
  const std::string fresh = File("fresh.db");  // must not be created by any of these
  const std::string out = File("out.dwt");
  struct Case {
    std::vector<std::string> args;
    std::string command;  // "" for an unknown command
    std::string want;
  };
  const std::vector<Case> cases = {
      {{"frobnicate", "--db", db_}, "", "unknown command 'frobnicate'"},
      {{"train", "--db", db_, "--trace", good_, "--bogus"}, "train", "unknown option --bogus"},
      {{"workloads", "--db", db_, "--verbose=2"}, "workloads", "unknown option --verbose"},
      {{"train", "--trace", good_}, "train", "missing --db"},
      {{"detect", "--trace", drift_}, "detect", "missing --db"},
      {{"findings"}, "findings", "missing --db"},
      {{"train", "--db", db_}, "train", "give either --trace TRACE... or --live"},
      {{"train", "--db", fresh, "--trace", good_, "--live", "--duration", "1"},
       "train",
       "give either --trace TRACE... or --live"},
      {{"detect", "--db", db_, "--trace", drift_, "--live"},
       "detect",
       "give either --trace TRACE... or --live"},
      {{"train", "--db", fresh, "--live", "--duration", "abc"},
       "train",
       "--duration must be a positive number of seconds, not 'abc'"},
      {{"detect", "--db", db_, "--live", "--duration", "abc"},
       "detect",
       "--duration must be a positive number of seconds, not 'abc'"},
      {{"record", "--out", out, "--duration", "abc"},
       "record",
       "--duration must be a positive number of seconds, not 'abc'"},
      {{"train", "--db", fresh, "--live"}, "train", "--live training needs --duration SECONDS"},
      {{"train", "--db", fresh, "--trace", good_, "--duration", "5"},
       "train",
       "--cgroup, --duration and --syscalls go with --live"},
      // Syscall learning is a live hook: a replayed trace has what it has.
      {{"train", "--db", fresh, "--trace", good_, "--syscalls"},
       "train",
       "--cgroup, --duration and --syscalls go with --live"},
      {{"detect", "--db", db_, "--trace", drift_, "--syscalls"},
       "detect",
       "--cgroup, --duration and --syscalls go with --live"},
      // The kernel verdict cache is live only; train never uses it.
      {{"detect", "--db", db_, "--trace", drift_, "--no-verdict-cache"},
       "detect",
       "--no-verdict-cache goes with --live"},
      {{"train", "--db", fresh, "--live", "--duration", "1", "--no-verdict-cache"},
       "train",
       "unknown option --no-verdict-cache"},
      {{"record", "--out", out, "--syscalls=yes"}, "record", "option --syscalls takes no value"},
      {{"detect", "--db", db_, "--trace", drift_, "--format", "xml"},
       "detect",
       "--format must be jsonl or text, not 'xml'"},
      {{"workloads", "--db", db_, "--format", "xml"},
       "workloads",
       "--format must be jsonl or text, not 'xml'"},
      {{"findings", "--db", db_, "--format", "xml"},
       "findings",
       "--format must be jsonl or text, not 'xml'"},
      {{"train", "--db", fresh, "--trace", good_, "--checkpoint", "-1"},
       "train",
       "--checkpoint must be a positive number of seconds, not '-1'"},
      {{"workloads", "--db", db_, "extra"}, "workloads", "unexpected argument 'extra'"},
      {{"train", "--db"}, "train", "option --db needs a value"},
      {{"report", "--db", db_}, "report", "missing --out"},
      {{"report", "--out", out}, "report", "missing --db"},
      {{"report", "--db", db_, "--out", out, "--quiet", "x"},
       "report",
       "--quiet must be a positive number of seconds, not 'x'"},
  };
  const Snapshot before = TakeSnapshot(db_);
  for (const Case& c : cases) {
    RunResult r = RunDriftwatch(c.args);
    EXPECT_TRUE(Refused(r, c.command, 2, {c.want}));
    EXPECT_TRUE(Unchanged(before, r));
    EXPECT_FALSE(fs::exists(fresh)) << r.command_line;
    EXPECT_FALSE(fs::exists(out)) << r.command_line;
  }
}

// ---- Conventions: --help, --version, list flags ----

TEST(CliConventionsTest, EveryCommandHasHelpOnStdoutWithExitZero) {
  const std::vector<std::string> commands = {"record", "train",  "detect", "workloads", "findings",
                                             "eval",   "export", "check",  "agent",     "import",
                                             "merge",  "diff",   "history", "explain", "report"};
  RunResult all = RunDriftwatch({"--help"});
  ASSERT_TRUE(Succeeded(all));
  EXPECT_EQ(all.err, "");
  for (const std::string& cmd : commands) {
    EXPECT_NE(all.out.find("\n  " + cmd + " "), std::string::npos) << cmd << " missing from --help";
    // --help wins over anything else on the line, even a missing required flag or a bad one.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{cmd, "--help"}, {cmd, "--bogus", "-h"}}) {
      RunResult r = RunDriftwatch(args);
      EXPECT_TRUE(Succeeded(r));
      EXPECT_EQ(r.err, "") << r.command_line;
      EXPECT_EQ(r.out.rfind("usage: driftwatch " + cmd + " ", 0), 0u) << r.out;
    }
  }
  // The usage line of a command is the one driftwatch --help shows.
  RunResult detect = RunDriftwatch({"detect", "--help"});
  EXPECT_NE(detect.out.find("--trace TRACE..."), std::string::npos) << detect.out;
  // Without a command the usage is an error (stderr, exit 2).
  RunResult none = RunDriftwatch({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err.rfind("usage: driftwatch COMMAND", 0), 0u) << none.err;
}

TEST(CliConventionsTest, VersionIsTheProjectVersion) {
  RunResult r = RunDriftwatch({"--version"});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_EQ(r.out.rfind(std::string("driftwatch ") + DW_PROJECT_VERSION, 0), 0u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

// --trace A B and --trace A --trace B are the same command line.
TEST_F(CliBadInputTest, ListFlagsTakeValuesAfterOneFlagOrRepeated) {
  RunResult spaced = RunDriftwatch({"detect", "--db", db_, "--trace", good_, drift_, "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(spaced));
  EXPECT_EQ(std::count(spaced.out.begin(), spaced.out.end(), '\n'), 3) << spaced.out;
  RunResult repeated =
      RunDriftwatch({"check", "--db", db_, "--workload", "shop/web", "--format", "json", "--trace", good_,
                     "--trace", drift_, "--force"});
  RunResult both = RunDriftwatch(
      {"check", "--db", db_, "--workload", "shop/web", "--format", "json", "--trace", good_, drift_, "--force"});
  EXPECT_EQ(repeated.exit_code, both.exit_code) << repeated.err << both.err;
  EXPECT_EQ(repeated.out, both.out);
  EXPECT_FALSE(both.out.empty()) << both.err;
}

// ---- Exceptions ----

// detect --exceptions: the matching finding is stored, marked and not printed;
// findings --suppressed lists it; a bad entry is one line naming file and line.
TEST_F(CliBadInputTest, ExceptionsSuppressDeliveryButKeepTheFinding) {
  const std::string ex = File("ex.yaml");
  WriteFile(ex,
            "exceptions:\n"
            "  - name: shadow-audit\n"
            "    workload: \"shop/*\"\n"
            "    kind: file\n"
            "    subject: /etc/shadow\n"
            "    comment: the nightly audit reads it\n");
  RunResult detect =
      RunDriftwatch({"detect", "--db", db_, "--trace", drift_, "--format", "jsonl", "--exceptions", ex});
  ASSERT_TRUE(Succeeded(detect));
  EXPECT_EQ(std::count(detect.out.begin(), detect.out.end(), '\n'), 2) << detect.out;
  EXPECT_EQ(detect.out.find("/etc/shadow"), std::string::npos) << detect.out;
  EXPECT_NE(detect.err.find("1 suppressed by exceptions"), std::string::npos) << detect.err;

  RunResult delivered = RunDriftwatch({"findings", "--db", db_, "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(delivered));
  EXPECT_EQ(std::count(delivered.out.begin(), delivered.out.end(), '\n'), 2) << delivered.out;
  RunResult suppressed = RunDriftwatch({"findings", "--db", db_, "--format", "jsonl", "--suppressed"});
  ASSERT_TRUE(Succeeded(suppressed));
  ASSERT_EQ(std::count(suppressed.out.begin(), suppressed.out.end(), '\n'), 1) << suppressed.out;
  nlohmann::json j = nlohmann::json::parse(suppressed.out);
  EXPECT_EQ(j["subject"], "/etc/shadow");
  EXPECT_EQ(j["exception"], "shadow-audit");
  RunResult text = RunDriftwatch({"findings", "--db", db_, "--suppressed"});
  EXPECT_NE(text.out.find("suppressed by exception shadow-audit"), std::string::npos) << text.out;

  // A bad entry: exit 1, one line naming the file and the line, nothing stored.
  const std::string bad = File("bad.yaml");
  WriteFile(bad, "exceptions:\n  - workload: shop/web\n    kind: file\n    subject: /etc/passwd\n");
  const Snapshot before = TakeSnapshot(db_);
  RunResult r = RunDriftwatch({"detect", "--db", db_, "--trace", drift_, "--exceptions", bad});
  EXPECT_TRUE(Refused(r, "detect", 1,
                      {"exceptions " + bad + " line 2: comment is required (say why the findings it matches are expected)"}));
  EXPECT_TRUE(Unchanged(before, r));
}

// `report` of a workload the database does not know: one line, exit 1, no file.
TEST_F(CliBadInputTest, ReportOfAnUnknownWorkloadWritesNothing) {
  const std::string out = File("report.html");
  const Snapshot before = TakeSnapshot(db_);
  RunResult r = RunDriftwatch({"report", "--db", db_, "--workload", "nope", "--out", out});
  EXPECT_TRUE(Refused(r, "report", 1, {"unknown workload nope"}));
  EXPECT_TRUE(Unchanged(before, r));
  EXPECT_FALSE(fs::exists(out));
}

// ---- A full disk ----

TEST_F(CliBadInputTest, FullDiskKeepsTheEarlierFingerprint) {
  std::map<std::string, model::Fingerprint> earlier;
  {
    auto store = store::Store::Open(db_, store::OpenMode::kReadOnly);
    ASSERT_TRUE(store) << store.error().message();
    auto fps = (*store)->LoadFingerprints();
    ASSERT_TRUE(fps) << fps.error().message();
    earlier = *fps;
  }
  ASSERT_EQ(earlier.size(), 1u);
  const Snapshot before = TakeSnapshot(db_);
  // Enough new files that the next fingerprint spans many more database pages
  // than the limit lets the write-ahead log hold (it keeps the 32 KiB
  // shared-memory index within it).
  std::vector<std::string> records = NormalRecords();
  for (int i = 0; i < 3000; ++i) {
    // Under /etc, which never collapses into a pattern, with names of plain
    // letters (g..z: no hex, no number a placeholder would fold): 3000 items.
    std::string name;
    for (int n = i, k = 0; k < 4; ++k, n /= 20) name += static_cast<char>('g' + n % 20);
    char path[64];
    std::snprintf(path, sizeof(path), "/etc/web/%s.conf", name.c_str());
    records.push_back(OpenRecord(100, 1, 6'000'000'000 + i, "web", path, DW_ACCESS_READ));
  }
  const std::string big = File("big.dwt");
  WriteTrace(big, records);

  RunResult r =
      RunDriftwatch({"train", "--db", db_, "--trace", big}, {.file_size_limit = 32 << 10});
  EXPECT_TRUE(Refused(r, "train", 1, {db_}));
  EXPECT_TRUE(Unchanged(before, r));

  auto store = store::Store::Open(db_, store::OpenMode::kReadOnly);
  ASSERT_TRUE(store) << store.error().message();
  auto fps = (*store)->LoadFingerprints();
  ASSERT_TRUE(fps) << fps.error().message();
  EXPECT_TRUE(*fps == earlier) << "the earlier fingerprint changed";
}

// A tmpfs at dir/name for the duration of a test (root only); unmounted on destruction.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& path, const std::string& size) : path_(path) {
    fs::create_directory(path_);
    mounted_ = system(("mount -t tmpfs -o size=" + size + " dw-test " + path_).c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) (void)!system(("umount " + path_).c_str());
  }
  bool mounted() const { return mounted_; }
  bool Remount(const std::string& opts) {
    return system(("mount -o remount," + opts + " " + path_).c_str()) == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
};

// Issue 11 defect 4: `detect` on a file system that is really full (a small
// tmpfs, filled) still prints every finding it made, then exits 1 with one line
// naming what failed. Needs root to mount; skipped with the reason otherwise.
TEST_F(CliBadInputTest, DetectOnAFullFileSystemPrintsItsFindings) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs: sudo ctest --test-dir build -R DetectOnAFull";
  const std::string mnt = File("full");
  TmpfsMount tmpfs(mnt, "2m");
  ASSERT_TRUE(tmpfs.mounted());
  const std::string db = mnt + "/dw.db";
  fs::copy_file(db_, db);
  // Many findings: a new file each, each in its own directory (under /etc,
  // plain letters, so none folds into a pattern or its directory's finding),
  // more than the space left can store.
  std::vector<std::string> records = DriftRecords();
  for (int i = 0; i < 3000; ++i) {
    std::string name;
    for (int n = i, k = 0; k < 4; ++k, n /= 20) name += static_cast<char>('g' + n % 20);
    records.push_back(OpenRecord(100, 1, 9'500'000'000 + i, "web", "/etc/web/" + name + "/app.conf",
                                 DW_ACCESS_READ));
  }
  const std::string big = File("big-drift.dwt");
  WriteTrace(big, records);
  // What detect prints with room to store it.
  fs::copy_file(db_, File("roomy.db"));
  RunResult roomy = RunDriftwatch({"detect", "--db", File("roomy.db"), "--trace", big, "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(roomy));
  const auto printed = std::count(roomy.out.begin(), roomy.out.end(), '\n');
  ASSERT_GT(printed, 1000);
  // Fill the file system but for 64 KiB: enough to open the database, not to store the findings.
  {
    std::ofstream filler(mnt + "/filler", std::ios::binary);
    std::string block(4096, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  fs::resize_file(mnt + "/filler", fs::file_size(mnt + "/filler") - (64 << 10));
  RunResult r = RunDriftwatch({"detect", "--db", db, "--trace", big, "--format", "jsonl"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(db), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("full"), std::string::npos) << r.err;
  // Every finding printed, as with room to store them (less the ids the store gives).
  auto without_ids = [](const std::string& out) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object()) j.erase("id");
      lines.push_back(j);
    }
    return lines;
  };
  const auto want = without_ids(roomy.out);
  const auto got = without_ids(r.out);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the findings printed on a full disk differ from those with room";
  // The database is whole: as it was, or with the findings that fit.
  auto store = store::Store::Open(db, store::OpenMode::kReadOnly);
  ASSERT_TRUE(store) << store.error().message();
  auto fps = (*store)->LoadFingerprints();
  ASSERT_TRUE(fps) << fps.error().message();
  EXPECT_EQ(fps->size(), 1u);
  store->reset();
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

// Issue 11 defect 5: an empty (0-byte) database file, what `touch` makes, is a
// new database to every command, and only commands that write change it.
TEST_F(CliBadInputTest, EmptyDatabaseFileIsANewDatabaseEverywhere) {
  const std::string empty = File("touched.db");
  WriteFile(empty, "");
  for (const char* cmd : {"workloads", "findings"}) {
    RunResult r = RunDriftwatch({cmd, "--db", empty, "--format", "jsonl"});
    EXPECT_TRUE(Succeeded(r));
    EXPECT_EQ(r.out, "") << r.command_line;
    EXPECT_EQ(fs::file_size(empty), 0u) << r.command_line;
  }
  RunResult d = RunDriftwatch({"detect", "--db", empty, "--trace", drift_});
  EXPECT_TRUE(Refused(d, "detect", 1, {"database " + empty + " has no baselines yet"}));
  EXPECT_EQ(fs::file_size(empty), 0u);
  ASSERT_TRUE(Succeeded(RunDriftwatch({"train", "--db", empty, "--trace", good_})));
  RunResult w = RunDriftwatch({"workloads", "--db", empty, "--format", "jsonl"});
  ASSERT_TRUE(Succeeded(w));
  EXPECT_NE(w.out.find("shop/web"), std::string::npos) << w.out;
}

// ---- Faults (issue 11): a clear error, never a damaged database ----

TEST_F(CliBadInputTest, ReadOnlyDatabaseDirectoryIsAClearErrorAndLeavesTheDatabaseWhole) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs: sudo ctest --test-dir build -R ReadOnlyDatabase";
  TmpfsMount mnt(File("ro"), "4m");
  ASSERT_TRUE(mnt.mounted());
  const std::string db = File("ro") + "/dw.db";
  fs::copy_file(db_, db);
  ASSERT_TRUE(mnt.Remount("ro"));
  const Snapshot before = TakeSnapshot(db);
  RunResult train = RunDriftwatch({"train", "--db", db, "--trace", drift_});
  EXPECT_TRUE(Refused(train, "train", 1, {db, "read-only"}));
  RunResult detect = RunDriftwatch({"detect", "--db", db, "--trace", drift_});
  EXPECT_TRUE(Refused(detect, "detect", 1, {db, "read-only"}));
  EXPECT_TRUE(Unchanged(before, detect));
  ASSERT_TRUE(mnt.Remount("rw"));
  EXPECT_TRUE(Unchanged(before, train));
  EXPECT_EQ(IntegrityCheck(db), "ok");
  RunResult workloads = RunDriftwatch({"workloads", "--db", db, "--format", "jsonl"});
  EXPECT_TRUE(Succeeded(workloads));
  EXPECT_NE(workloads.out.find("shop/web"), std::string::npos);
}

TEST_F(CliBadInputTest, DatabaseLockedByAnotherWriterIsAClearErrorAfterTheBusyTimeout) {
  // Before the lock: reading the files closes descriptors, and closing any
  // descriptor of a file drops the process's POSIX locks on it (sqlite's too).
  const Snapshot before = TakeSnapshot(db_);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &other), SQLITE_OK);
  // A read first, so the connection knows the file is in WAL mode and takes the WAL's write lock.
  ASSERT_EQ(sqlite3_exec(other, "SELECT count(*) FROM sqlite_schema; BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(other);
  const auto start = std::chrono::steady_clock::now();
  RunResult train = RunDriftwatch({"train", "--db", db_, "--trace", drift_});
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(Refused(train, "train", 1, {db_, "locked"}));
  EXPECT_GE(waited, 4s) << "gave up before the 5 s busy timeout";
  // Readers are not blocked by a writer (WAL).
  RunResult workloads = RunDriftwatch({"workloads", "--db", db_, "--format", "jsonl"});
  EXPECT_TRUE(Succeeded(workloads));
  EXPECT_NE(workloads.out.find("shop/web"), std::string::npos);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(IntegrityCheck(db_), "ok");
  // And once the lock is gone the same command works.
  EXPECT_TRUE(Succeeded(RunDriftwatch({"train", "--db", db_, "--trace", drift_})));
  EXPECT_EQ(IntegrityCheck(db_), "ok");
}

// ---- Live (needs root and BPF) ----

class CliLiveTest : public CliBadInputTest {
 protected:
  void SetUp() override {
    std::string why;
    if (geteuid() != 0) {
      why = "not root";
    } else {
      collector::SetLibbpfLogger([](int, const std::string&) {});
      collector::BpfOptions options;
      options.snapshot_processes = false;
      auto probe = collector::BpfEventSource::Open(options);
      if (!probe) why = probe.error().message();
    }
    DW_SKIP_WITHOUT_BPF(why, "sudo ctest --test-dir build -R CliLiveTest");
    CliBadInputTest::SetUp();
  }
};

TEST_F(CliLiveTest, RecordToMissingDirectory) {
  RunResult r = RunDriftwatch({"record", "--out", "/nonexistent-dir/x.dwt", "--duration", "1"});
  EXPECT_TRUE(Refused(r, "record", 1, {"/nonexistent-dir/x.dwt", "No such file or directory"}));
}

TEST_F(CliLiveTest, TrainOnUnknownCgroup) {
  const Snapshot before = TakeSnapshot(db_);
  RunResult r = RunDriftwatch(
      {"train", "--live", "--cgroup", "no/such/cgroup", "--duration", "1", "--db", db_});
  EXPECT_TRUE(Refused(r, "train", 1, {"unknown cgroup no/such/cgroup"}));
  EXPECT_TRUE(Unchanged(before, r));
  const std::string fresh = File("fresh.db");
  r = RunDriftwatch(
      {"train", "--live", "--cgroup", "no/such/cgroup", "--duration", "1", "--db", fresh});
  EXPECT_TRUE(Refused(r, "train", 1, {"unknown cgroup no/such/cgroup"}));
  EXPECT_FALSE(fs::exists(fresh)) << r.command_line;
}

TEST_F(CliLiveTest, RecordWithoutPrivilege) {
  const std::string home = File("nobody");
  ASSERT_TRUE(fs::create_directory(home));
  ASSERT_EQ(chown(home.c_str(), kNobody, kNobody), 0);
  const std::string out = home + "/x.dwt";
  RunResult r = RunDriftwatch({"record", "--out", out, "--duration", "1"}, {.as_nobody = true});
  EXPECT_TRUE(Refused(r, "record", 1, {"load BPF programs: Operation not permitted"}));
  EXPECT_FALSE(fs::exists(out)) << r.command_line;
  EXPECT_FALSE(fs::exists(out + ".tmp")) << r.command_line;
}

}  // namespace
}  // namespace dw::tools
