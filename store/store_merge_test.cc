// store/store_merge_test.cc: imported and merged fingerprints, their parts,
// the version history, and the schema 2 -> 3 migration.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>

#include "model/merge.h"
#include "store/store.h"
#include "store/testing/raw_sql.h"
#include "store/testing/sample_fingerprint.h"

namespace dw::store {
namespace {

using testing::SampleFingerprint;
namespace fs = std::filesystem;

constexpr int64_t kNow = 1'800'000'000'000'000'000;

class StoreMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw_store_merge_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Store> Open() {
    auto s = Store::Open(path_, OpenMode::kReadWrite);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(s).value() : nullptr;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(StoreMergeTest, ImportAddsAVersionAndLocksTheWorkload) {
  auto store = Open();
  ASSERT_TRUE(store);
  model::Fingerprint fp = SampleFingerprint("web", 1);
  ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 2)}, kNow).ok());
  ASSERT_TRUE(store->ImportFingerprint(fp, WorkloadState::kLocked, kNow + 1).ok());
  auto loaded = store->LoadFingerprint("web");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ(**loaded, fp);
  auto workloads = store->ListWorkloads();
  ASSERT_TRUE(workloads);
  ASSERT_EQ(workloads->size(), 1u);
  EXPECT_EQ((*workloads)[0].state, WorkloadState::kLocked);
  EXPECT_EQ((*workloads)[0].version, 2);
}

TEST_F(StoreMergeTest, MergedVersionsKeepTheirParts) {
  auto store = Open();
  ASSERT_TRUE(store);
  model::Fingerprint a = SampleFingerprint("web", 1);
  model::Fingerprint b = SampleFingerprint("web", 2);
  model::Parts parts = model::MergeParts(model::PartsOf(a), model::PartsOf(b));
  ASSERT_TRUE(store->SaveFingerprints({a}, kNow).ok());
  ASSERT_TRUE(store->SaveMerged({{model::Combine(parts), parts}}, kNow + 1).ok());

  auto latest = store->LoadParts("web");
  ASSERT_TRUE(latest) << latest.error().message();
  EXPECT_EQ(*latest, parts);
  auto first = store->LoadParts("web", 1);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, model::PartsOf(a));
  auto none = store->LoadParts("nope");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto fp = store->LoadFingerprint("web");
  ASSERT_TRUE(fp && *fp);
  EXPECT_EQ(**fp, model::Combine(parts));

  auto versions = store->ListVersions("web");
  ASSERT_TRUE(versions) << versions.error().message();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[0].created_ns, kNow);
  EXPECT_EQ((*versions)[0].node, "node-1");
  EXPECT_EQ((*versions)[0].parts, 0u);
  EXPECT_EQ((*versions)[0].events, a.training.events);
  EXPECT_EQ((*versions)[0].items, a.ItemCount());
  EXPECT_GT((*versions)[0].bytes, 0u);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[1].node, "node-1,node-2");
  EXPECT_EQ((*versions)[1].parts, 2u);
  EXPECT_EQ((*versions)[1].events, a.training.events + b.training.events);

  auto unknown = store->ListVersions("nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message(), "unknown workload nope");
}

TEST_F(StoreMergeTest, ReadOnlyStoreRefusesImportAndMerge) {
  { ASSERT_TRUE(Open()); }
  auto ro = Store::Open(path_, OpenMode::kReadOnly);
  ASSERT_TRUE(ro);
  EXPECT_FALSE((*ro)->ImportFingerprint(SampleFingerprint("web", 1), WorkloadState::kLocked, kNow).ok());
  EXPECT_FALSE((*ro)->SaveMerged({}, kNow).ok());
}

// A schema 2 database (before fingerprint_parts) migrates and keeps its history.
TEST_F(StoreMergeTest, Version2DatabaseMigrates) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveFingerprints({SampleFingerprint("web", 1)}, kNow).ok());
  }
  // Back to schema 2: without version 3's table and version 4's, 5's and 6's columns.
  testing::RawExec(path_,
                   "ALTER TABLE fingerprints DROP COLUMN executables; ALTER TABLE fingerprints DROP COLUMN files; "
                   "ALTER TABLE fingerprints DROP COLUMN network; ALTER TABLE fingerprints DROP COLUMN dns; "
                   "ALTER TABLE fingerprints DROP COLUMN syscalls; "
                   "ALTER TABLE findings DROP COLUMN item; ALTER TABLE findings DROP COLUMN folded; "
                   "ALTER TABLE findings DROP COLUMN folded_examples; "
                   "ALTER TABLE findings DROP COLUMN incident_root; "
                   "ALTER TABLE findings DROP COLUMN exception; ALTER TABLE findings DROP COLUMN context; "
                   "ALTER TABLE findings DROP COLUMN script; "
                   "DROP TABLE fingerprint_parts; PRAGMA user_version = 2;");
  auto ro = Store::Open(path_, OpenMode::kReadOnly);
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error().code(), ErrorCode::kVersion);

  auto store = Open();
  ASSERT_TRUE(store);
  auto fp = store->LoadFingerprint("web");
  ASSERT_TRUE(fp && *fp);
  EXPECT_EQ(**fp, SampleFingerprint("web", 1));
  model::Parts parts = model::MergeParts(model::PartsOf(**fp), model::PartsOf(SampleFingerprint("web", 2)));
  ASSERT_TRUE(store->SaveMerged({{model::Combine(parts), parts}}, kNow + 1).ok());
  auto loaded = store->LoadParts("web");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, parts);
}

}  // namespace
}  // namespace dw::store
