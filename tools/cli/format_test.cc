// tools/cli/format_test.cc: JSON and text renderings of findings.
#include "tools/cli/format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace dw::tools {
namespace {

model::Finding Sample() {
  model::Finding f;
  f.id = 7;
  f.time_ns = 1700000000123456789;
  f.workload = "shop/nginx";
  f.cgroup_path = "shop/nginx";
  f.kind = model::FindingKind::kNetwork;
  f.subject = "10.0.0.7:5432";
  f.reason = "new outbound peer";
  f.severity = model::Severity::kHigh;
  f.score = 0.75;
  f.count = 3;
  f.process = {42, "/usr/sbin/nginx", {"nginx", "-g", "daemon off;"}, 1, "/usr/bin/tini", {"/usr/bin/tini"}};
  return f;
}

TEST(FormatTest, Rfc3339) {
  EXPECT_EQ(store::Rfc3339(1700000000123456789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(store::Rfc3339(0), "1970-01-01T00:00:00.000000000Z");
}

TEST(FormatTest, FindingJsonHasTheContractFields) {
  auto j = nlohmann::json::parse(FindingJson(Sample()));
  nlohmann::json want = {
      {"time", "2023-11-14T22:13:20.123456789Z"},
      {"workload", "shop/nginx"},
      {"cgroup", "shop/nginx"},
      {"kind", "network"},
      {"subject", "10.0.0.7:5432"},
      {"reason", "new outbound peer"},
      {"severity", "high"},
      {"score", 0.75},
      {"count", 3},
      {"id", 7},
      {"process",
       {{"pid", 42},
        {"exe", "/usr/sbin/nginx"},
        {"argv", {"nginx", "-g", "daemon off;"}},
        {"ppid", 1},
        {"parent_exe", "/usr/bin/tini"},
        {"ancestry", {"/usr/bin/tini"}}}}};
  EXPECT_EQ(j, want);
  EXPECT_EQ(FindingJson(Sample()).find('\n'), std::string::npos);
}

TEST(FormatTest, FindingJsonSurvivesInvalidUtf8) {
  model::Finding f = Sample();
  f.subject = "/tmp/\xff\xfe";
  EXPECT_NO_THROW(nlohmann::json::parse(FindingJson(f)));
}

TEST(FormatTest, FindingText) {
  EXPECT_EQ(FindingText(Sample()),
            "2023-11-14T22:13:20.123Z HIGH shop/nginx network 10.0.0.7:5432: new outbound peer "
            "[pid 42 /usr/sbin/nginx, parent /usr/bin/tini; score 0.75; seen 3 times]");
}

// A process an interpreter runs a script as names the script in both
// renderings; without one, neither says anything (FindingJsonHasTheContractFields).
TEST(FormatTest, AnInterpretersScriptIsNamed) {
  model::Finding f = Sample();
  f.process.exe = "/usr/bin/lua5.4";
  f.process.script = "/usr/bin/prosody";
  EXPECT_EQ(nlohmann::json::parse(FindingJson(f))["process"]["script"], "/usr/bin/prosody");
  EXPECT_EQ(FindingText(f),
            "2023-11-14T22:13:20.123Z HIGH shop/nginx network 10.0.0.7:5432: new outbound peer "
            "[pid 42 /usr/bin/lua5.4 running /usr/bin/prosody, parent /usr/bin/tini; score 0.75; seen 3 times]");
}

model::Finding WithContext() {
  model::Finding f = Sample();
  f.process.runtime = RuntimeContextRef(RuntimeContext{
      .node = "node-1", .runtime = "podman", .container_id = std::string(64, 'a'), .container_name = "web",
      .image = "localhost/shop/web:v1", .image_repository = "localhost/shop/web", .image_tag = "v1",
      .pod_namespace = "shop", .pod_name = "web-0", .pod_uid = "", .pod_owner = "web",
      .pod_labels = {{"app", "web"}}});
  return f;
}

TEST(FormatTest, FindingJsonCarriesTheRuntimeContext) {
  auto j = nlohmann::json::parse(FindingJson(WithContext()));
  nlohmann::json want = {{"node", "node-1"},
                         {"runtime", "podman"},
                         {"container",
                          {{"id", std::string(64, 'a')},
                           {"name", "web"},
                           {"image", "localhost/shop/web:v1"},
                           {"repository", "localhost/shop/web"},
                           {"tag", "v1"}}},
                         {"pod", {{"namespace", "shop"}, {"name", "web-0"}, {"owner", "web"}, {"labels", {{"app", "web"}}}}}};
  EXPECT_EQ(j["context"], want);
  EXPECT_FALSE(nlohmann::json::parse(FindingJson(Sample())).contains("context"));
}

TEST(FormatTest, FindingTextNamesNodeContainerAndPod) {
  EXPECT_EQ(FindingText(WithContext()),
            "2023-11-14T22:13:20.123Z HIGH shop/nginx network 10.0.0.7:5432: new outbound peer "
            "[pid 42 /usr/sbin/nginx, parent /usr/bin/tini; score 0.75; seen 3 times] "
            "[node node-1; podman container web image localhost/shop/web:v1; pod shop/web-0 app=web]");
}

}  // namespace
}  // namespace dw::tools
