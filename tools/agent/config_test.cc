// tools/agent/config_test.cc: the agent's YAML config: defaults, every key, located errors.
#include "tools/agent/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace dw::tools::agent {
namespace {

using std::chrono::milliseconds;

TEST(AgentConfigTest, EmptyIsDefaults) {
  auto c = ParseConfig("", "x.yaml");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, AgentConfig{});
}

TEST(AgentConfigTest, EveryKey) {
  auto c = ParseConfig(R"(
database: /tmp/dw.db
mode: detect
cgroups: [shop, system.slice/nginx.service]
hostname: node-1
syscalls: true
verdict_cache: false
packages: false
learning:
  min_duration: 2m
  quiet_period: 30s
  max_duration: 1d
  checkpoint: 500ms
detect:
  unprofiled: ignore
api:
  listen: 127.0.0.1:0
  unix_socket: /run/dw.sock
  token_file: /etc/dw/token
  allow_unauthenticated_writes: true
outputs:
  stdout: true
  jsonl_file: /var/log/dw.jsonl
  jsonl_max_bytes: 10MiB
  jsonl_keep: 3
  webhook_url: https://127.0.0.1:2801/
  webhook_format: falco
  webhook_ca_file: /etc/dw/ca.pem
  webhook_auth_header_env: DW_WEBHOOK_AUTH
identity:
  rules:
    - pattern: "batch/*/worker-*"
      name: "batch/$1"
)", "x.yaml");
  ASSERT_TRUE(c) << c.error().message();
  AgentConfig want;
  want.database = "/tmp/dw.db";
  want.mode = Mode::kDetect;
  want.cgroups = {"shop", "system.slice/nginx.service"};
  want.hostname = "node-1";
  want.syscalls = true;
  want.verdict_cache = false;
  want.packages = false;
  want.learning = {milliseconds(120'000), milliseconds(30'000), milliseconds(86'400'000), milliseconds(500)};
  want.learn_unprofiled = false;
  want.api = {"127.0.0.1:0", "/run/dw.sock", "/etc/dw/token", true};
  want.outputs = {true,    "/var/log/dw.jsonl", 10ull << 20, 3, "https://127.0.0.1:2801/",
                  "falco", "/etc/dw/ca.pem",    "",          "DW_WEBHOOK_AUTH"};
  want.identity_rules = {{"batch/*/worker-*", "batch/$1"}};
  EXPECT_EQ(*c, want);
}

TEST(AgentConfigTest, ErrorsNameTheKeyAndTheLine) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"mode: auto\nlearnin:\n  x: 1\n", "config c.yaml line 2: unknown key 'learnin'"},
      {"learning:\n  min_duration: soon\n",
       "config c.yaml line 2: learning.min_duration: bad duration 'soon' (use e.g. 500ms, 30s, 5m, 2h, 1d)"},
      {"learning:\n  quiet: 5m\n", "config c.yaml line 2: unknown key 'learning.quiet'"},
      {"mode: prod\n", "config c.yaml line 1: mode must be learn, detect or auto, not 'prod'"},
      {"syscalls: sometimes\n", "config c.yaml line 1: syscalls: expected true or false, not 'sometimes'"},
      {"outputs:\n  stdout: maybe\n", "config c.yaml line 2: outputs.stdout: expected true or false, not 'maybe'"},
      {"outputs:\n  webhook_url: ftp://x/\n",
       "config c.yaml line 2: outputs.webhook_url must start with http:// or https://"},
      {"outputs:\n  webhook_auth_header_file: /a\n  webhook_auth_header_env: B\n",
       "config c.yaml line 3: give outputs.webhook_auth_header_file or outputs.webhook_auth_header_env, not both"},
      {"cgroups: shop\n", "config c.yaml line 1: cgroups must be a list of cgroup paths"},
      {"api:\n  listen: localhost\n", "config c.yaml line 2: api.listen must be host:port, not 'localhost'"},
      {"learning:\n  checkpoint: 0s\n", "config c.yaml line 2: learning.checkpoint: must be positive"},
      {"mode: [\n", "config c.yaml line 2: end of sequence flow not found"},
  };
  for (const Case& t : cases) {
    auto c = ParseConfig(t.yaml, "c.yaml");
    ASSERT_FALSE(c) << t.yaml;
    EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(c.error().message(), t.message) << t.yaml;
  }
}

TEST(AgentConfigTest, MissingFileIsNotFound) {
  auto c = LoadConfig("/nonexistent/dw.yaml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(c.error().message(), "read config /nonexistent/dw.yaml: No such file or directory");
}

// exceptions: inline, or a file relative to the config; bad entries name their line.
TEST(AgentConfigTest, ExceptionsInlineOrFromAFile) {
  auto inline_ = ParseConfig(R"(
exceptions:
  - name: cache
    workload: shop/web
    kind: file
    subject: "/var/cache/*"
    comment: the proxy cache
)", "c.yaml");
  ASSERT_TRUE(inline_) << inline_.error().message();
  ASSERT_EQ(inline_->exceptions.entries().size(), 1u);
  EXPECT_EQ(inline_->exceptions.entries()[0].name, "cache");

  char tmpl[] = "/tmp/dw-config-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    std::ofstream(dir + "/ex.yaml") << "- {workload: a, kind: exec, subject: /bin/true, comment: health check}\n";
    std::ofstream(dir + "/bad.yaml") << "- {workload: a, kind: exec, subject: /bin/true}\n";
    std::ofstream(dir + "/agent.yaml") << "database: /tmp/x.db\nexceptions: ex.yaml\n";
    std::ofstream(dir + "/agent-bad.yaml") << "database: /tmp/x.db\nexceptions: bad.yaml\n";
  }
  auto file = LoadConfig(dir + "/agent.yaml");
  ASSERT_TRUE(file) << file.error().message();
  ASSERT_EQ(file->exceptions.entries().size(), 1u);
  EXPECT_EQ(file->exceptions.entries()[0].name, "ex.yaml:1");
  EXPECT_EQ(file->exceptions.entries()[0].comment, "health check");
  auto bad = LoadConfig(dir + "/agent-bad.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "config " + dir + "/agent-bad.yaml line 2: exceptions: exceptions " + dir +
                                       "/bad.yaml line 1: comment is required (say why the findings it "
                                       "matches are expected)");
  auto bad_inline = ParseConfig("exceptions:\n  - workload: a\n    kind: exe\n    subject: x\n    comment: c\n",
                                "c.yaml");
  ASSERT_FALSE(bad_inline);
  EXPECT_EQ(bad_inline.error().message(),
            "exceptions c.yaml line 3: kind must be exec, file, network, syscall, rate or unprofiled, not 'exe'");
  std::filesystem::remove_all(dir);
}

TEST(AgentConfigTest, Durations) {
  EXPECT_EQ(*ParseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*ParseDuration("90"), milliseconds(90'000));
  EXPECT_FALSE(ParseDuration("5 m"));
  EXPECT_FALSE(ParseDuration("m"));
  EXPECT_EQ(*ParseSize("2KiB"), 2048u);
  EXPECT_FALSE(ParseSize("2KB"));
}

}  // namespace
}  // namespace dw::tools::agent
