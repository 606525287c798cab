// tools/exceptions_test.cc: the exceptions file and matching.
#include "tools/exceptions.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace dw::tools {
namespace {

model::Finding MakeFinding(const std::string& workload, model::FindingKind kind, const std::string& subject,
                           const std::string& exe = "/usr/sbin/nginx") {
  model::Finding f;
  f.workload = workload;
  f.kind = kind;
  f.subject = subject;
  f.process.exe = exe;
  return f;
}

constexpr char kFile[] = R"(exceptions:
  - name: web-cache
    workload: "shop/web*"
    kind: file
    subject: "/var/cache/web/*"
    process: /usr/sbin/nginx
    comment: nginx's proxy cache
  - workload: "*"
    kind: network
    subject: "10.0.0.53:53"
    comment: the cluster resolver
)";

TEST(ExceptionsTest, ParsesEntriesWithNamesOrTheirLine) {
  auto ex = Exceptions::Parse(kFile, "/etc/dw/ex.yaml");
  ASSERT_TRUE(ex) << ex.error().message();
  EXPECT_EQ(ex->entries(),
            (std::vector<Exception>{
                {"web-cache", "shop/web*", model::FindingKind::kFile, "/var/cache/web/*", "/usr/sbin/nginx",
                 "nginx's proxy cache"},
                {"ex.yaml:8", "*", model::FindingKind::kNetwork, "10.0.0.53:53", "", "the cluster resolver"},
            }));
  // A bare list works as well.
  auto bare = Exceptions::Parse("- {workload: a, kind: exec, subject: /bin/true, comment: ok}\n", "b.yaml");
  ASSERT_TRUE(bare) << bare.error().message();
  EXPECT_EQ(bare->entries().size(), 1u);
  EXPECT_EQ(bare->entries()[0].name, "b.yaml:1");
  EXPECT_TRUE(Exceptions::Parse("", "empty.yaml")->empty());
}

TEST(ExceptionsTest, MatchesKindWorkloadSubjectAndProcess) {
  auto ex = Exceptions::Parse(kFile, "ex.yaml");
  ASSERT_TRUE(ex);
  using K = model::FindingKind;
  // '*' spans directories.
  const Exception* e = ex->Match(MakeFinding("shop/web", K::kFile, "/var/cache/web/a/b/c"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->name, "web-cache");
  EXPECT_EQ(ex->Match(MakeFinding("shop/web", K::kExec, "/var/cache/web/a")), nullptr);          // kind
  EXPECT_EQ(ex->Match(MakeFinding("shop/db", K::kFile, "/var/cache/web/a")), nullptr);           // workload
  EXPECT_EQ(ex->Match(MakeFinding("shop/web", K::kFile, "/var/cache/other")), nullptr);          // subject
  EXPECT_EQ(ex->Match(MakeFinding("shop/web", K::kFile, "/var/cache/web/a", "/bin/sh")), nullptr);  // process
  ASSERT_NE(ex->Match(MakeFinding("anything", K::kNetwork, "10.0.0.53:53", "/bin/sh")), nullptr);

  model::Finding a = MakeFinding("shop/web", K::kFile, "/var/cache/web/x");
  model::Finding b = MakeFinding("shop/web", K::kFile, "/etc/shadow");
  model::Finding c = MakeFinding("shop/web2", K::kNetwork, "10.0.0.53:53");
  EXPECT_EQ(ex->Apply({&a, &b, &c}), std::vector<model::Finding*>{&b});
  EXPECT_EQ(a.exception, "web-cache");
  EXPECT_EQ(b.exception, "");
  EXPECT_EQ(c.exception, "ex.yaml:8");
}

TEST(ExceptionsTest, BadEntriesAreOneLineErrorsNamingFileAndLine) {
  struct Case {
    std::string yaml, want;
  };
  const std::string head = "exceptions:\n  - workload: w\n    kind: file\n    subject: /x\n";
  const std::vector<Case> cases = {
      {head, "exceptions f.yaml line 2: comment is required (say why the findings it matches are expected)"},
      {head + "    comment: \"\"\n", "exceptions f.yaml line 5: comment must not be empty"},
      {"exceptions:\n  - workload: w\n    kind: files\n    subject: /x\n    comment: c\n",
       "exceptions f.yaml line 3: kind must be exec, file, network, syscall, rate or unprofiled, not 'files'"},
      {head + "    comment: c\n    procss: /bin/sh\n",
       "exceptions f.yaml line 6: unknown key 'procss' (want name, workload, kind, subject, process, comment)"},
      {"exceptions:\n  - kind: exec\n    subject: /x\n    comment: c\n", "exceptions f.yaml line 2: workload is required"},
      {"exceptions:\n  - name: a\n    workload: w\n    kind: exec\n    subject: /x\n    comment: c\n"
       "  - name: a\n    workload: w\n    kind: exec\n    subject: /y\n    comment: c\n",
       "exceptions f.yaml line 7: name 'a' is used twice"},
      {"exceptions: /etc/x\n", "exceptions f.yaml line 1: exceptions must be a list of entries"},
      {"rules: []\n", "exceptions f.yaml line 1: unknown key 'rules' (want exceptions)"},
      {"exceptions:\n  - [a, b]\n",
       "exceptions f.yaml line 2: an exception must be a mapping with workload, kind, subject and comment"},
      {"exceptions:\n  - workload: [\n", "exceptions f.yaml line 3: end of sequence flow not found"},
  };
  for (const Case& c : cases) {
    auto r = Exceptions::Parse(c.yaml, "f.yaml");
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_EQ(r.error().message(), c.want) << c.yaml;
    EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
  }
  auto missing = Exceptions::Load("/nonexistent/ex.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message().rfind("read exceptions /nonexistent/ex.yaml: ", 0), 0u)
      << missing.error().message();
}

// Damaged files (truncated, bytes changed) never crash the parser: each is
// either accepted or refused with one line naming the file.
TEST(ExceptionsTest, DamagedFilesAreAcceptedOrRefusedInOneLine) {
  std::mt19937 rng(12);
  const std::string base = kFile;
  const std::string noise = "-:[]{}*&!|>'\"#%@` \n\t\x01\xff";
  size_t refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = base.substr(0, rng() % (base.size() + 1));
    for (int k = static_cast<int>(rng() % 4); k > 0 && !text.empty(); --k) {
      text[rng() % text.size()] = noise[rng() % noise.size()];
    }
    auto r = Exceptions::Parse(text, "f.yaml");
    if (r) continue;
    ++refused;
    const std::string m = r.error().message();
    EXPECT_EQ(m.rfind("exceptions f.yaml", 0), 0u) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  EXPECT_GT(refused, 100u);  // the damage was real
}

}  // namespace
}  // namespace dw::tools
