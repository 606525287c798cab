// tools/cli/moving_cli_test.cc: the real driftwatch binary moving and combining
// fingerprints: import, merge, diff, history, and their bad inputs (one line
// on stderr, exit 1, or 2 for usage, and the database as it was).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/testing/raw_sql.h"
#include "store/fingerprint_json.h"
#include "tools/testing/process.h"

namespace dw::tools {
namespace {

namespace fs = std::filesystem;

using RunResult = testing::ProcessResult;

using testing::ReadFile;
using testing::WriteFile;

class MovingCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-moving-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string File(const std::string& name) const { return dir_ + "/" + name; }
  static std::string Trace(const std::string& name) { return std::string(DW_TESTDATA_DIR) + "/" + name; }

  // Runs DW_BINARY with `args`, capturing stdout and stderr.
  RunResult Driftwatch(const std::vector<std::string>& args) {
    std::vector<std::string> all = {DW_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    return testing::RunProcess(std::move(all));
  }

  void MustRun(const std::vector<std::string>& args) {
    RunResult r = Driftwatch(args);
    ASSERT_EQ(r.exit_code, 0) << r.command_line << "\n" << r.err;
  }

  // One line on stderr naming `name`, exit `code`, nothing on stdout.
  static ::testing::AssertionResult Refused(const RunResult& r, const std::string& command, int code,
                                            const std::string& name) {
    auto fail = [&](const std::string& why) {
      return ::testing::AssertionFailure() << why << "\n  run: " << r.command_line << "\n  exit " << r.exit_code
                                           << "\n  stderr: [" << r.err << "]\n  stdout: [" << r.out << "]";
    };
    if (r.exit_code != code) return fail("want exit " + std::to_string(code));
    if (r.err.empty() || r.err.back() != '\n' || std::count(r.err.begin(), r.err.end(), '\n') != 1) {
      return fail("want one line on stderr");
    }
    if (r.err.rfind("driftwatch " + command + ": ", 0) != 0) return fail("want the command's prefix");
    if (r.err.find(name) == std::string::npos) return fail("want stderr to name " + name);
    if (!r.out.empty()) return fail("want nothing on stdout");
    return ::testing::AssertionSuccess();
  }

  std::map<std::string, std::optional<std::string>> Snapshot(const std::string& db) {
    std::map<std::string, std::optional<std::string>> s;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) s[db + suffix] = ReadFile(db + suffix);
    return s;
  }

  static std::unique_ptr<store::Store> OpenRead(const std::string& db) {
    auto s = store::Store::Open(db, store::OpenMode::kReadOnly);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(s).value() : nullptr;
  }

  static model::Fingerprint Latest(const std::string& db, const std::string& workload,
                                   std::optional<int64_t> version = {}) {
    auto store = OpenRead(db);
    if (!store) return {};
    auto fp = store->LoadFingerprint(workload, version);
    EXPECT_TRUE(fp && *fp) << workload;
    return fp && *fp ? **fp : model::Fingerprint();
  }

  static std::string OnlyWorkload(const std::string& db) {
    auto store = OpenRead(db);
    auto w = store->ListWorkloads();
    EXPECT_TRUE(w && !w->empty());
    return w && !w->empty() ? (*w)[0].name : "";
  }

  std::string dir_;
};

TEST_F(MovingCliTest, ImportedJsonIsALockedBaselineEqualToTheExport) {
  const std::string staging = File("staging.db"), prod = File("prod.db");
  MustRun({"train", "--db", staging, "--trace", Trace("nginx/train.dwt"), "--node", "staging-1"});
  const std::string workload = OnlyWorkload(staging);
  model::Fingerprint fp = Latest(staging, workload);
  EXPECT_EQ(fp.node, "staging-1");
  WriteFile(File("fp.json"), store::FingerprintJson(fp));

  RunResult r = Driftwatch({"import", "--db", prod, File("fp.json"), "--workload", "prod/nginx"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  model::Fingerprint want = fp;
  want.workload = "prod/nginx";
  EXPECT_EQ(Latest(prod, "prod/nginx"), want);
  {
    auto store = OpenRead(prod);
    auto w = store->ListWorkloads();
    ASSERT_TRUE(w);
    ASSERT_EQ(w->size(), 1u);
    EXPECT_EQ((*w)[0].state, store::WorkloadState::kLocked);
  }
  // Again: a new version of the same workload.
  MustRun({"import", "--db", prod, File("fp.json"), "--workload", "prod/nginx"});
  r = Driftwatch({"history", "--db", prod, "--workload", "prod/nginx"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(state locked)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n      1 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n      2 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("staging-1"), std::string::npos) << r.out;
  r = Driftwatch({"history", "--db", prod, "--workload", "prod/nginx", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
}

TEST_F(MovingCliTest, MergeSumsCountsCountsNodesAndIsIdempotent) {
  const std::string a = File("a.db"), b = File("b.db"), out = File("out.db");
  MustRun({"train", "--db", a, "--trace", Trace("nginx/train.dwt"), "--node", "node-a"});
  MustRun({"train", "--db", b, "--trace", Trace("nginx/normal.dwt"), "--node", "node-b"});
  const std::string workload = OnlyWorkload(a);
  model::Fingerprint fa = Latest(a, workload), fb = Latest(b, workload);

  MustRun({"merge", "--db", out, a, b});
  model::Fingerprint merged = Latest(out, workload);
  EXPECT_EQ(merged.node, "node-a,node-b");
  EXPECT_EQ(merged.training.events, fa.training.events + fb.training.events);
  size_t shared = 0;
  for (const auto& [path, st] : fa.executables) {
    auto other = fb.executables.find(path);
    if (other == fb.executables.end()) continue;
    ++shared;
    EXPECT_EQ(merged.executables.at(path).count, st.count + other->second.count) << path;
    EXPECT_EQ(merged.executables.at(path).nodes, 2u) << path;
  }
  EXPECT_GT(shared, 0u);
  for (const auto& [path, st] : fa.files) {
    if (fb.files.count(path) == 0 && merged.files.count(path)) {
      EXPECT_EQ(merged.files.at(path).nodes, 1u);
    }
  }

  auto versions = [&] {
    auto store = OpenRead(out);
    auto v = store->ListVersions(workload);
    EXPECT_TRUE(v);
    return v ? *v : std::vector<store::VersionInfo>();
  };
  const auto before = versions();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].parts, 2u);
  // Merging again, in another order, or OUT with an input: nothing changes.
  MustRun({"merge", "--db", out, b, a});
  MustRun({"merge", "--db", out, a});
  MustRun({"merge", "--db", out, out, b});
  EXPECT_EQ(versions(), before);
  EXPECT_EQ(Latest(out, workload), merged);
  // A merge of the merge is the merge.
  const std::string again = File("again.db");
  MustRun({"merge", "--db", again, out, a});
  EXPECT_EQ(Latest(again, workload), merged);
}

TEST_F(MovingCliTest, DiffBetweenVersionsNamesTheAddedItems) {
  const std::string db = File("db.db");
  MustRun({"train", "--db", db, "--trace", Trace("nginx/train.dwt"), "--node", "n"});
  MustRun({"train", "--db", db, "--trace", Trace("nginx/drift.dwt"), "--node", "n"});
  const std::string workload = OnlyWorkload(db);
  model::Fingerprint v1 = Latest(db, workload, 1), v2 = Latest(db, workload, 2);
  std::string added;
  for (const auto& [path, st] : v2.executables) {
    if (!v1.executables.count(path)) added = path;
  }
  for (const auto& [path, st] : v2.files) {
    if (added.empty() && !v1.files.count(path)) added = path;
  }
  ASSERT_FALSE(added.empty()) << "the drift trace adds nothing";

  RunResult r = Driftwatch({"diff", "--db", db, "--workload", workload, "--from", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("version 1 -> latest"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  + " + added), std::string::npos) << r.out;

  r = Driftwatch({"diff", "--db", db, "--workload", workload, "--from", "1", "--to", "2", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"change\":\"added\""), std::string::npos) << r.out;

  WriteFile(File("v1.json"), store::FingerprintJson(v1));
  WriteFile(File("v2.json"), store::FingerprintJson(v2));
  r = Driftwatch({"diff", File("v1.json"), File("v2.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  + " + added), std::string::npos) << r.out;
  r = Driftwatch({"diff", "--db", db, "--workload", workload, "--against", File("v2.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("No changes in behaviour."), std::string::npos) << r.out;
}

TEST_F(MovingCliTest, BadInputsAreOneLineAndTouchNothing) {
  const std::string db = File("db.db");
  MustRun({"train", "--db", db, "--trace", Trace("nginx/train.dwt"), "--node", "n"});
  const std::string workload = OnlyWorkload(db);
  const auto snapshot = Snapshot(db);
  const std::string good_json = store::FingerprintJson(Latest(db, workload));

  EXPECT_TRUE(Refused(Driftwatch({"import", "--db", db, File("missing.json")}), "import", 1, "missing.json"));
  WriteFile(File("truncated.json"), good_json.substr(0, good_json.size() / 2));
  EXPECT_TRUE(Refused(Driftwatch({"import", "--db", db, File("truncated.json")}), "import", 1, "truncated.json"));
  std::string newer = good_json;
  newer.replace(newer.find("\"format_version\":6"), 18, "\"format_version\":9");
  WriteFile(File("newer.json"), newer);
  EXPECT_TRUE(Refused(Driftwatch({"import", "--db", db, File("newer.json")}), "import", 1, "format_version 9"));
  EXPECT_EQ(Snapshot(db), snapshot);
  // A bad file does not create the database either.
  EXPECT_TRUE(Refused(Driftwatch({"import", "--db", File("new.db"), File("truncated.json")}), "import", 1,
                      "truncated.json"));
  EXPECT_FALSE(fs::exists(File("new.db")));

  // Inputs that are not driftwatch databases: nothing written, OUT not created.
  WriteFile(File("text.db"), "just text, not a database\n");
  store::testing::RawExec(File("foreign.db"), "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
  const auto foreign_before = Snapshot(File("foreign.db"));
  EXPECT_TRUE(Refused(Driftwatch({"merge", "--db", File("out.db"), db, File("foreign.db")}), "merge", 1,
                      "foreign.db is not a driftwatch database"));
  EXPECT_TRUE(Refused(Driftwatch({"merge", "--db", File("out.db"), db, File("text.db")}), "merge", 1, "text.db"));
  EXPECT_TRUE(Refused(Driftwatch({"merge", "--db", File("out.db"), File("absent.db")}), "merge", 1, "absent.db"));
  EXPECT_FALSE(fs::exists(File("out.db")));
  EXPECT_TRUE(Refused(Driftwatch({"merge", "--db", db, File("foreign.db")}), "merge", 1, "foreign.db"));
  EXPECT_EQ(Snapshot(db), snapshot);
  EXPECT_EQ(Snapshot(File("foreign.db")), foreign_before);

  EXPECT_TRUE(Refused(Driftwatch({"diff", "--db", db, "--workload", workload, "--from", "7"}), "diff", 1,
                      "no version 7"));
  EXPECT_TRUE(Refused(Driftwatch({"history", "--db", db, "--workload", "nope"}), "history", 1,
                      "unknown workload nope"));
  EXPECT_EQ(Snapshot(db), snapshot);

  // Usage: exit 2 before anything is opened.
  EXPECT_TRUE(Refused(Driftwatch({"import", "--db", db}), "import", 2, "FILE"));
  EXPECT_TRUE(Refused(Driftwatch({"merge", "--db", db}), "merge", 2, "DB..."));
  EXPECT_TRUE(Refused(Driftwatch({"diff", File("a.json")}), "diff", 2, "two fingerprint files"));
  EXPECT_TRUE(Refused(Driftwatch({"diff", "--db", db, "--workload", workload}), "diff", 2, "--from"));
  EXPECT_TRUE(Refused(Driftwatch({"diff", "--db", db, "--workload", workload, "--from", "x"}), "diff", 2,
                      "--from"));
  EXPECT_TRUE(Refused(Driftwatch({"history", "--db", db}), "history", 2, "--workload"));
  EXPECT_EQ(Snapshot(db), snapshot);
}

}  // namespace
}  // namespace dw::tools
