// tools/cli/explain_test.cc: what `driftwatch explain` says a baseline generalizes.
#include "tools/cli/explain.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace dw::tools {
namespace {

// Parsed JSON lines of ExplainJsonLines, by "type".
nlohmann::json LineOfType(const std::string& lines, const std::string& type) {
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["type"] == type) return j;
  }
  return nullptr;
}

model::Fingerprint Launcher() {
  model::Fingerprint fp;
  fp.workload = "jobs";
  fp.lineage["/usr/bin/bash -> /usr/bin/setpriv"].count = 1;
  fp.lineage["/usr/bin/bash -> /usr/bin/dash"].count = 1;
  return fp;
}

// A workload whose shells ran eight utilities is a script runner, and explain
// says so, with its shells and utilities; one that only launches is not.
TEST(ExplainTest, AScriptRunnerIsExplainedWithItsShellsAndUtilities) {
  model::Fingerprint fp = Launcher();
  EXPECT_TRUE(LineOfType(ExplainJsonLines(fp), "script_runner").is_null());
  EXPECT_EQ(ExplainText(fp).find("script runner"), std::string::npos);
  for (const char* step : {"date", "mkdir", "mv", "sort", "wc", "gzip"}) {
    fp.lineage[std::string("/usr/bin/dash -> /usr/bin/") + step].count = 1;
  }
  // With bash's setpriv, seven; a shell started by a shell is no utility: still seven.
  fp.lineage["/usr/bin/dash -> /usr/bin/bash"].count = 1;
  EXPECT_TRUE(LineOfType(ExplainJsonLines(fp), "script_runner").is_null());
  fp.lineage["/usr/bin/dash -> /usr/bin/find"].count = 1;
  nlohmann::json runner = LineOfType(ExplainJsonLines(fp), "script_runner");
  ASSERT_FALSE(runner.is_null());
  EXPECT_EQ(runner["utilities"], 8);
  EXPECT_EQ(runner["threshold"], 8);
  EXPECT_EQ(runner["shells"], (std::vector<std::string>{"/usr/bin/bash", "/usr/bin/dash"}));
  EXPECT_NE(ExplainText(fp).find("its shells started 8 distinct utilities in training (threshold 8)"),
            std::string::npos)
      << ExplainText(fp);
}

// A baseline that names interpreters by their binary says so, and how to
// leave it behind; one learned since says nothing.
TEST(ExplainTest, ALineageByExecutableIsExplained) {
  model::Fingerprint fp = Launcher();
  EXPECT_EQ(LineOfType(ExplainJsonLines(fp), "summary")["lineage_by_executable"], false);
  EXPECT_EQ(ExplainText(fp).find("lineage by executable"), std::string::npos);
  fp.lineage_by_exe = true;
  EXPECT_EQ(LineOfType(ExplainJsonLines(fp), "summary")["lineage_by_executable"], true);
  EXPECT_NE(ExplainText(fp).find("relearn to tell them apart"), std::string::npos) << ExplainText(fp);
}

TEST(ExplainTest, PeersKnownByNameListTheNamesAndPorts) {
  model::Fingerprint fp = Launcher();
  fp.dns_names["db.internal"].count = 1;
  EXPECT_TRUE(LineOfType(ExplainJsonLines(fp), "peers_by_name").is_null());  // no outbound port
  fp.network[{model::Direction::kOutbound, 6, "10.0.0.7", 5432}].count = 1;
  nlohmann::json names = LineOfType(ExplainJsonLines(fp), "peers_by_name");
  ASSERT_FALSE(names.is_null());
  EXPECT_EQ(names["names"], (std::vector<std::string>{"db.internal"}));
  EXPECT_EQ(names["ports"], (std::vector<std::string>{"tcp 5432"}));
  EXPECT_NE(ExplainText(fp).find("on tcp 5432, is known"), std::string::npos) << ExplainText(fp);
}

// Port habits (model/scorer.h PortHabits): callbacks to clients' ephemeral
// ports and transient listening ports, with their evidence, from 8 of each.
TEST(ExplainTest, PortHabitsAreExplainedWithTheirEvidence) {
  model::Fingerprint fp = Launcher();
  fp.network[{model::Direction::kInbound, 6, "127.0.0.3", 2121}].count = 1;
  for (uint16_t i = 0; i < 7; ++i) {
    fp.network[{model::Direction::kOutbound, 6, "127.0.0.3", static_cast<uint16_t>(40000 + i)}].count = 1;
    fp.network[{model::Direction::kListen, 6, "127.0.0.1", static_cast<uint16_t>(12130 + i)}].count = 1;
  }
  EXPECT_TRUE(LineOfType(ExplainJsonLines(fp), "callbacks").is_null());
  EXPECT_TRUE(LineOfType(ExplainJsonLines(fp), "transient_listeners").is_null());
  fp.network[{model::Direction::kOutbound, 6, "127.0.0.3", 40007}].count = 1;
  fp.network[{model::Direction::kListen, 6, "127.0.0.1", 12137}].count = 1;
  nlohmann::json callbacks = LineOfType(ExplainJsonLines(fp), "callbacks");
  ASSERT_FALSE(callbacks.is_null());
  EXPECT_EQ(callbacks["connections"], 8);
  nlohmann::json listeners = LineOfType(ExplainJsonLines(fp), "transient_listeners");
  ASSERT_FALSE(listeners.is_null());
  EXPECT_EQ(listeners["ports"], 8);
  EXPECT_EQ(listeners["min_port"], 12130);
  EXPECT_EQ(listeners["max_port"], 12137);
  EXPECT_EQ(listeners["addresses"], (std::vector<std::string>{"127.0.0.1"}));
  EXPECT_NE(ExplainText(fp).find("it listened on 8 distinct ports in training (12130-12137"), std::string::npos)
      << ExplainText(fp);
}

}  // namespace
}  // namespace dw::tools
