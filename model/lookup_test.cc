// model/lookup_test.cc: the detection path's lookup structures give the
// answers of the plain ones: MatchFile through a FilePatternIndex against
// MatchFile on the fingerprint, on hand-made patterns and on every path of
// the recorded traces in testdata/, generalized as training does.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "collector/pipeline.h"
#include "collector/trace_source.h"
#include "model/generalize.h"
#include "model/items.h"

namespace dw::model {
namespace {

// What MatchFile answers for `path`: the pattern's key, or "" for none.
std::string Plain(const Fingerprint& fp, const std::string& path) {
  const std::string* key = nullptr;
  const Generalization* g = MatchFile(fp, path, &key);
  if (g == nullptr) return "";
  EXPECT_EQ(g, &fp.file_patterns.at(*key)) << path;
  return *key;
}
std::string Indexed(const FilePatternIndex& index, const std::string& path) {
  const std::string* key = nullptr;
  const Generalization* g = MatchFile(index, path, &key);
  if (g == nullptr) return "";
  EXPECT_EQ(g, &index.fingerprint().file_patterns.at(*key)) << path;
  return *key;
}

// Each path, its siblings and children of other shapes: the same pattern (or
// none) with and without the index. Returns how many paths matched one.
size_t ExpectSameMatches(const Fingerprint& fp, const std::set<std::string>& paths) {
  const FilePatternIndex index(fp);
  size_t matched = 0;
  for (const std::string& p : paths) {
    const std::string dir = p.substr(0, p.rfind('/') + 1);
    for (const std::string& q : {p, dir + "x", dir + "17.png", dir + "new-3f9a1c0e77/x", p + "/sub",
                                 dir + "!", dir + "a/b/c/d"}) {
      const std::string want = Plain(fp, q);
      EXPECT_EQ(Indexed(index, q), want) << q;
      EXPECT_EQ(Indexed(index, q), want) << q << " (remembered)";
      matched += !want.empty();
    }
  }
  return matched;
}

TEST(FilePatternIndexTest, SameAnswersOnHandMadePatterns) {
  Fingerprint fp;
  for (const char* p : {"/var/cache/app/*", "/srv/www/**", "/srv/www/img/<#>.png", "/srv/pg/base/<#>/<#>_fsm",
                        "/srv/pg/base/<#>/PG_VERSION", "/data/**", "/data/!early", "/data/x/*",
                        "/tmp/<#>", "/tmp/sess-<#>", "/home/ann/**", "/etc/app/*"}) {
    fp.file_patterns[p].rule = p;
  }
  const std::set<std::string> paths = {
      "/var/cache/app/k", "/var/cache/app/sub/k", "/srv/www/index.html", "/srv/www/img/12.png",
      "/srv/www/img/a/b.png", "/srv/pg/base/16384/16385_fsm", "/srv/pg/base/99/PG_VERSION",
      "/srv/pg/base/99/other", "/data/y/z", "/data/x/1", "/tmp/afshe9cc", "/tmp/sess-k3j8xa2b9q",
      "/home/ann/.ssh/id_rsa", "/etc/app/x.conf", "/", "/a", "/srv", "/srv/www"};
  const size_t matched = ExpectSameMatches(fp, paths);
  EXPECT_GT(matched, 20u);  // the comparison covers matches, not only misses
  // A name below '*' hides "/data/**" from the walk in both.
  EXPECT_EQ(Plain(fp, "/data/y/z"), "");
  EXPECT_EQ(Plain(fp, "/srv/www/img/12.png"), "/srv/www/img/<#>.png");
}

// The index remembers its answers up to kRemembered paths, then forgets
// them all: answers stay the same across the forgetting.
TEST(FilePatternIndexTest, RememberedAnswersSurviveForgetting) {
  Fingerprint fp;
  for (const char* p : {"/srv/www/**", "/srv/www/img/<#>.png", "/var/cache/app/*"}) fp.file_patterns[p].rule = p;
  const FilePatternIndex index(fp);
  const auto path = [](size_t i) {
    return i % 3 == 0   ? "/srv/www/img/" + std::to_string(i) + ".png"
           : i % 3 == 1 ? "/var/cache/app/k" + std::to_string(i)
                        : "/opt/other/" + std::to_string(i);
  };
  for (size_t round = 0; round < 2; ++round) {
    for (size_t i = 0; i < FilePatternIndex::kRemembered + 100; ++i) {
      ASSERT_EQ(Indexed(index, path(i)), Plain(fp, path(i))) << path(i);
    }
  }
  EXPECT_EQ(Indexed(index, path(3)), "/srv/www/img/<#>.png");
  EXPECT_EQ(Indexed(index, path(4)), "/var/cache/app/*");
  EXPECT_EQ(Indexed(index, path(5)), "");
}

TEST(FilePatternIndexTest, EmptyFingerprintMatchesNothing) {
  Fingerprint fp;
  const FilePatternIndex index(fp);
  EXPECT_EQ(MatchFile(index, "/srv/www/index.html"), nullptr);
}

// Every file path of the recorded traces, against fingerprints trained on
// the train traces (items folded in as the profiler does, then generalized).
TEST(FilePatternIndexTest, SameAnswersOnRecordedTraces) {
  size_t cases = 0;
  size_t matched = 0;
  std::set<std::string> raw_paths;
  for (const auto& dir : std::filesystem::directory_iterator(DW_TESTDATA_DIR)) {
    if (!std::filesystem::exists(dir.path() / "train.dwt")) continue;
    ++cases;
    std::map<std::string, Fingerprint> fps;
    std::set<std::string> paths;
    for (const char* name : {"train.dwt", "normal.dwt", "heldout.dwt", "drift.dwt"}) {
      if (!std::filesystem::exists(dir.path() / name)) continue;
      auto source = collector::TraceEventSource::Open(dir.path() / name);
      ASSERT_TRUE(source) << source.error().message();
      collector::Pipeline pipeline(&(*source)->cgroups(), (*source)->boot_to_unix_ns(),
                                   (*source)->initial_processes());
      pipeline.set_wire_version((*source)->wire_version());
      const bool train = std::string(name) == "train.dwt";
      std::atomic<bool> stop{false};
      Status s = (*source)->Run(
          [&](std::span<const uint8_t> record) {
            auto e = pipeline.Process(record);
            if (!e) return;
            if (e->kind == EventKind::kOpen && raw_paths.size() < 200000) raw_paths.insert(e->path);
            for (const ItemRef& item : ItemsOf(*e)) {
              if (item.table == ItemRef::Table::kFile) paths.insert(item.key);
              if (!train) continue;
              ItemStats& st = FindOrAddItem(&fps[e->workload], item);
              ++st.count;
              st.access |= item.access;
            }
          },
          stop);
      ASSERT_TRUE(s.ok()) << s.message();
    }
    for (auto& [workload, fp] : fps) {
      Generalize(&fp);
      matched += ExpectSameMatches(fp, paths);
    }
  }
  // Every opened path's normal form, whole and under its remembered
  // directory (ItemScratch's), the same.
  std::map<std::string, NormalDir, std::less<>> dirs;
  std::string under;
  for (const std::string& p : raw_paths) {
    const size_t slash = p.rfind('/');
    if (slash == std::string::npos || slash == 0) continue;
    auto [d, fresh] = dirs.try_emplace(p.substr(0, slash));
    if (fresh) NormalizeDirInto(d->first, &d->second);
    NormalizeUnderDirInto(p, d->second, &under);
    EXPECT_EQ(under, NormalizeFilePath(p)) << p;
  }
  EXPECT_GT(raw_paths.size(), 10000u);
  EXPECT_GE(cases, 6u);
  EXPECT_GT(matched, 100u);
}

}  // namespace
}  // namespace dw::model
