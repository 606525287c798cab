// tools/cli/report_test.cc: the HTML report's content, escaping and self-containment.
#include "tools/cli/report.h"

#include <gtest/gtest.h>

#include "tools/testing/report_sample.h"

namespace dw::tools {
namespace {

ReportData Sample() {
  ReportData d;
  model::Fingerprint fp = testing::ReportFingerprint();
  WorkloadView v;
  v.info.name = fp.workload;
  v.info.state = store::WorkloadState::kLearning;
  v.info.version = 2;
  v.info.events = fp.training.events;
  v.learning = model::Assess(fp);
  d.workloads.push_back(v);
  d.fingerprints[fp.workload] = fp;
  d.findings = testing::ReportFindings();
  d.generated_ns = testing::kReportT0;
  d.source = "dw.db";
  return d;
}

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportTest, HtmlEscapeAllFiveCharacters) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x" onclick='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(ReportTest, HostilePathsAreTextAndThePageHasNoScriptOrFetch) {
  std::string html = ReportHtml(Sample());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("/tmp/&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;.sh"), std::string::npos);
  // Self-contained: no URL to fetch, and a policy that forbids it anyway.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST(ReportTest, BaselineRatesAndIncidentTree) {
  std::string html = ReportHtml(Sample());
  for (const char* want :
       {"<h2>shop/web", "/usr/sbin/nginx", "/usr/bin/tini -&gt; /usr/sbin/nginx", "/etc/nginx/nginx.conf</code></td><td>r<",
        "/var/log/nginx/access.log</code></td><td>wc<", "/var/cache/nginx/*",
        "9 distinct children under /var/cache/nginx (threshold 8)", "/var/cache/nginx/a1",
        "listen tcp 0.0.0.0:8080", "outbound tcp 10.0.0.7:5432", "db.shop.svc.cluster.local",
        "class=\"rates\"", "class=\"rate-findings\"", "not its per-bucket history", "id=\"incident-1\"",
        "Findings outside any incident", "<code>writes</code>",
        "containerd container <b>nginx</b> image <code>docker.io/library/nginx:1.25</code>",
        "pod <b>shop/web-5f6d7c8b9-x2x4k</b> app=web"}) {
    EXPECT_NE(html.find(want), std::string::npos) << want;
  }
  // The tree: tini -> nginx (pid 300 as sh's parent) -> sh (301) -> curl (302), hostile (303); one node each.
  EXPECT_EQ(Count(html, "data-pid=\"300\""), 1u);
  EXPECT_EQ(Count(html, "data-pid=\"301\""), 1u);
  EXPECT_EQ(Count(html, "data-pid=\"302\""), 1u);
  EXPECT_EQ(Count(html, "data-pid=\"303\""), 1u);
  size_t tini = html.find("<code>/usr/bin/tini</code>"), sh = html.find("data-pid=\"301\""),
         curl = html.find("data-pid=\"302\"");
  ASSERT_NE(tini, std::string::npos);
  EXPECT_LT(tini, sh);
  EXPECT_LT(sh, curl);
  // New items coloured by severity, on their process.
  EXPECT_NE(html.find("item sev-critical\" title=\"never seen in training\">network <code>203.0.113.9:4444"),
            std::string::npos);
  EXPECT_NE(html.find("item sev-medium\" title=\"never seen in training\">file <code>/etc/shadow"), std::string::npos);
}

TEST(ReportTest, EmptyDatabase) {
  std::string html = ReportHtml(ReportData{});
  EXPECT_NE(html.find("no workloads"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace dw::tools
