// store/moving_test.cc: diff reports and history tables (store/moving.h).
#include "store/moving.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/testing/sample_fingerprint.h"

namespace dw::store {
namespace {

using testing::SampleFingerprint;

TEST(DiffTest, NamesAddedRemovedAndWidenedItems) {
  model::Fingerprint from = SampleFingerprint("web", 1);
  model::Fingerprint to = from;
  to.executables["/usr/bin/curl"] = {3, 1, 2, 1, 0, 1};
  to.executables.erase("/bin/sh");
  to.files["/etc/web.conf"].access |= kAccessWrite;
  to.network[{model::Direction::kListen, 6, "0.0.0.0", 22}] = {1, 1, 2, 1, 0, 1};
  to.network[{model::Direction::kOutbound, 6, "203.0.113.9", 443}] = {2, 1, 2, 1, 0, 1};
  to.syscalls["ptrace"] = {1, 1, 2, 1, 0, 1};
  to.file_patterns.begin()->second.covered += 4;

  std::vector<Change> want = {
      {Change::Op::kAdded, "executable", "/usr/bin/curl", "count 3, 1 node"},
      {Change::Op::kRemoved, "executable", "/bin/sh", "count 2, 2 nodes"},
      {Change::Op::kChanged, "file", "/etc/web.conf", "access read -> read, write"},
      {Change::Op::kChanged, "file_pattern", "/var/cache/web/*", "covers 9 -> 13 (+4)"},
      {Change::Op::kAdded, "peer", "outbound tcp 203.0.113.9:443", "count 2, 1 node"},
      {Change::Op::kAdded, "listener", "listen tcp 0.0.0.0:22", "count 1, 1 node"},
      {Change::Op::kAdded, "syscall", "ptrace", "count 1, 1 node"},
  };
  EXPECT_EQ(DiffFingerprints(from, to), want);

  std::string text = DiffText(from, "version 1", to, "version 2");
  EXPECT_NE(text.find("Fingerprint of web: version 1 -> version 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nNew executables (1):\n  + /usr/bin/curl  (count 3, 1 node)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\nRemoved executables (1):\n  - /bin/sh"), std::string::npos) << text;
  EXPECT_NE(text.find("\nNew listeners (1):\n  + listen tcp 0.0.0.0:22"), std::string::npos) << text;
  EXPECT_NE(text.find("\nNew syscalls (1):\n  + ptrace"), std::string::npos) << text;
  EXPECT_NE(text.find("items 15 -> 18 (+3)"), std::string::npos) << text;

  std::string lines = DiffJsonLines(from, "version 1", to, "version 2");
  size_t n = 0;
  for (size_t at = 0; (at = lines.find('\n', at)) != std::string::npos; ++at) ++n;
  EXPECT_EQ(n, want.size() + 1);
  auto first = nlohmann::json::parse(lines.substr(0, lines.find('\n')));
  EXPECT_EQ(first["summary"]["changes"], want.size());
}

TEST(DiffTest, NoChanges) {
  model::Fingerprint fp = SampleFingerprint("web", 1);
  EXPECT_TRUE(DiffFingerprints(fp, fp).empty());
  EXPECT_NE(DiffText(fp, "a", fp, "b").find("No changes in behaviour."), std::string::npos);
}

TEST(HistoryTest, TableNamesEveryVersion) {
  std::vector<store::VersionInfo> versions = {
      {1, 1'700'000'000'000'000'000, 3, 100, 0, 12, 900, "node-a", 0},
      {2, 1'700'000'060'000'000'000, 3, 250, 1, 15, 1500, "node-a,node-b", 2}};
  std::string text = HistoryText("web", "locked", versions);
  EXPECT_NE(text.find("(state locked)"), std::string::npos) << text;
  EXPECT_NE(text.find("      1 2023-11-14T22:13:20.000Z        100        0      12       900      3 node-a\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("node-a,node-b (merged, 2 parts)"), std::string::npos) << text;
  std::string lines = HistoryJsonLines("web", "locked", versions);
  auto second = nlohmann::json::parse(lines.substr(lines.find('\n') + 1));
  EXPECT_EQ(second["version"], 2);
  EXPECT_EQ(second["parts"], 2);
  EXPECT_EQ(second["state"], "locked");
}

}  // namespace
}  // namespace dw::store
