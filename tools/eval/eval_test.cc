// tools/eval_test.cc: the eval harness on small inputs, then the engine on every recorded
// workload in testdata/: no false positives, and every labelled drift detected.
#include "tools/eval/eval.h"

#include "collector/testing/temp_dir.h"
#include "model/scorer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#ifndef DW_TESTDATA_DIR
#error "DW_TESTDATA_DIR must name the repository's testdata directory"
#endif

namespace dw::tools {

// Names a parameterised case by its workload instead of its bytes.
void PrintTo(const EvalCase& c, std::ostream* os) { *os << c.name; }

namespace {

namespace fs = std::filesystem;
using model::FindingKind;

using collector::testing::TempDir;

// Copies `from` to `rel` inside `dir`; returns its path.
std::string CopyInto(const TempDir& dir, const std::string& from, const std::string& rel) {
  fs::path p = fs::path(dir.path()) / rel;
  fs::create_directories(p.parent_path());
  fs::copy_file(from, p, fs::copy_options::overwrite_existing);
  return p.string();
}

TEST(GlobMatchTest, StarMatchesAnyRunIncludingSlashes) {
  EXPECT_TRUE(GlobMatch("/etc/shadow", "/etc/shadow"));
  EXPECT_FALSE(GlobMatch("/etc/shadow", "/etc/shadow-"));
  EXPECT_FALSE(GlobMatch("/etc/shadow", "/etc/shado"));
  EXPECT_TRUE(GlobMatch("*/sh", "/bin/sh"));
  EXPECT_TRUE(GlobMatch("*/sh", "/usr/bin/sh"));
  EXPECT_FALSE(GlobMatch("*/sh", "/usr/bin/bash"));
  EXPECT_TRUE(GlobMatch("/srv/data/burst-*.enc", "/srv/data/burst-17.enc"));
  EXPECT_FALSE(GlobMatch("/srv/data/burst-*.enc", "/srv/data/burst-17.enc.tmp"));
  EXPECT_TRUE(GlobMatch("/usr/lib/*", "/usr/lib/x/y/z.pm"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("**", "x"));
  EXPECT_FALSE(GlobMatch("", "x"));
}

TEST(ParseLabelsTest, ReadsEveryField) {
  auto labels = ParseLabels(R"([
    {"kind": "exec", "subject": "*/sh", "what": "a shell"},
    {"kind": "rate", "subject": "*", "what": "a burst", "required": true},
    {"kind": "file", "subject": "/dev/null", "what": "redirect", "required": false},
    {"kind": "network", "subject": "listen 127.0.0.1:1", "what": "listener"}])");
  ASSERT_TRUE(labels) << labels.error().message();
  std::vector<EvalLabel> want = {{FindingKind::kExec, "*/sh", "a shell", true},
                                 {FindingKind::kRate, "*", "a burst", true},
                                 {FindingKind::kFile, "/dev/null", "redirect", false},
                                 {FindingKind::kNetwork, "listen 127.0.0.1:1", "listener", true}};
  EXPECT_EQ(*labels, want);
}

TEST(ParseLabelsTest, RejectsMalformedEntriesByIndex) {
  struct Case {
    const char* json;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"{}", "labels: not a JSON list"},
           {"[", "labels: not a JSON list"},
           {R"([1])", "labels: entry 0: not an object"},
           {R"([{"kind": "exec", "subject": "a", "what": "b"}, {"kind": "dns", "subject": "a", "what": "b"}])",
            "labels: entry 1: unknown kind 'dns' (exec, file, network, rate or syscall)"},
           {R"([{"kind": "exec", "what": "b"}])", "labels: entry 0: 'subject' must be a non-empty string"},
           {R"([{"kind": "exec", "subject": "", "what": "b"}])",
            "labels: entry 0: 'subject' must be a non-empty string"},
           {R"([{"kind": "exec", "subject": "a", "what": "b", "requried": false}])",
            "labels: entry 0: unknown field 'requried'"},
           {R"([{"kind": "exec", "subject": "a", "what": "b", "required": "no"}])",
            "labels: entry 0: 'required' must be true or false"},
       }) {
    auto labels = ParseLabels(c.json);
    ASSERT_FALSE(labels) << c.json;
    EXPECT_EQ(labels.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(labels.error().message(), c.error);
  }
}

TEST(MatchesTest, NeedsTheKindAndTheSubject) {
  model::Finding f;
  f.kind = FindingKind::kFile;
  f.subject = "/etc/shadow";
  EXPECT_TRUE(Matches({FindingKind::kFile, "/etc/*", "x", true}, f));
  EXPECT_FALSE(Matches({FindingKind::kExec, "/etc/*", "x", true}, f));
  EXPECT_FALSE(Matches({FindingKind::kFile, "/etc/passwd", "x", true}, f));
}

// What folded into a finding is in it for a person: a read by its path, a
// syscall or an exec as "<kind> <subject>".
TEST(MatchesTest, ItemsFoldedIntoAFindingMatchByTheirOwnKind) {
  model::Finding f;
  f.kind = FindingKind::kExec;
  f.subject = "/usr/bin/perl";
  f.folded_examples = {"/usr/lib/perl5/Socket.pm", "syscall getgroups", "exec /opt/x y"};
  EXPECT_TRUE(Matches({FindingKind::kFile, "/usr/lib/perl5/*", "x", true}, f));
  EXPECT_TRUE(Matches({FindingKind::kSyscall, "*", "x", true}, f));
  EXPECT_TRUE(Matches({FindingKind::kSyscall, "getgroups", "x", true}, f));
  EXPECT_FALSE(Matches({FindingKind::kFile, "syscall getgroups", "x", true}, f));
  EXPECT_FALSE(Matches({FindingKind::kExec, "syscall*", "x", true}, f));
  EXPECT_TRUE(Matches({FindingKind::kExec, "/opt/x y", "x", true}, f));
  EXPECT_FALSE(Matches({FindingKind::kNetwork, "*", "x", true}, f));
}

TEST(DiscoverCasesTest, FindsCaseDirectoriesWithTrainTraces) {
  TempDir d;
  d.Write("top-level.dwt", "");
  d.Write("web/train-2.dwt", "");
  d.Write("web/train-1.dwt", "");
  d.Write("web/normal.dwt", "");
  d.Write("web/drift.dwt", "");
  d.Write("web/drift.labels.json", "[]");
  d.Write("web/notes.txt", "");
  d.Write("web/heldout.dwt", "");
  d.Write("db/train.dwt", "");
  d.Write("empty/README", "");
  auto cases = DiscoverCases(d.path());
  ASSERT_TRUE(cases) << cases.error().message();
  const std::string root = d.path();
  std::vector<EvalCase> want = {
      {"db", {root + "/db/train.dwt"}, {}, {}, {}, ""},
      {"web",
       {root + "/web/train-1.dwt", root + "/web/train-2.dwt"},
       {root + "/web/normal.dwt"},
       {root + "/web/drift.dwt"},
       {root + "/web/heldout.dwt"},
       root + "/web/drift.labels.json"},
  };
  EXPECT_EQ(*cases, want);
}

TEST(DiscoverCasesTest, DriftWithoutLabelsAndMissingDirectoryAreErrors) {
  TempDir d;
  d.Write("web/train.dwt", "");
  d.Write("web/drift.dwt", "");
  auto cases = DiscoverCases(d.path());
  ASSERT_FALSE(cases);
  EXPECT_EQ(cases.error().message(),
            "eval case " + d.path() + "/web: drift traces without drift.labels.json");

  auto missing = DiscoverCases(d.path() + "/nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

// A case "demo" in `d` trained on the demo's training trace.
EvalCase DemoCase(TempDir& d) {
  EvalCase c;
  c.name = "demo";
  c.train = {CopyInto(d, std::string(DW_TESTDATA_DIR) + "/demo-train.dwt", "demo/train.dwt")};
  return c;
}

// The demo traces: a normal trace that is the training trace itself raises nothing, and the
// drift trace's findings are sorted into detected labels, misses and unlabelled findings.
// whoami's own reads (/etc/passwd, /etc/nsswitch.conf) fold into its exec finding
// (model/detector.h): the folded /etc/passwd matches its label through it.
TEST(RunEvalTest, SortsDriftFindingsByLabel) {
  TempDir d;
  const std::string data = DW_TESTDATA_DIR;
  EvalCase c = DemoCase(d);
  c.normal = {CopyInto(d, data + "/demo-train.dwt", "demo/normal.dwt")};
  c.drift = {CopyInto(d, data + "/demo-drift.dwt", "demo/drift.dwt")};
  c.labels = d.Write("demo/drift.labels.json", R"([
    {"kind": "exec", "subject": "*/whoami", "what": "whoami"},
    {"kind": "file", "subject": "/etc/shadow", "what": "credential read"},
    {"kind": "network", "subject": "127.0.0.1:36412", "what": "new peer"},
    {"kind": "file", "subject": "/etc/passwd", "what": "whoami looks up the user", "required": false},
    {"kind": "exec", "subject": "*/nc", "what": "never happened"}])");
  auto r = RunEval(c);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->name, "demo");
  EXPECT_GT(r->train_events, 0u);
  EXPECT_EQ(r->normal_events, r->train_events);
  EXPECT_GT(r->drift_events, 0u);
  EXPECT_TRUE(r->normal_findings.empty());
  EXPECT_TRUE(r->unprofiled.empty());
  std::vector<uint64_t> counts;
  for (const auto& o : r->labels) counts.push_back(o.findings);
  EXPECT_EQ(counts, (std::vector<uint64_t>{1, 1, 1, 1, 0}));
  EXPECT_EQ(r->required_labels(), 4u);
  EXPECT_EQ(r->detected_labels(), 3u);
  EXPECT_EQ(r->misses(), (std::vector<EvalLabel>{{FindingKind::kExec, "*/nc", "never happened", true}}));
  std::vector<std::string> unlabelled;
  for (const auto& f : r->unlabelled) unlabelled.push_back(f.subject);
  EXPECT_EQ(unlabelled, std::vector<std::string>{});

  std::string text = EvalText({*r});
  EXPECT_NE(text.find("demo: missed: exec */nc (never happened)"), std::string::npos) << text;
  EXPECT_EQ(text.find("unlabelled on drift"), std::string::npos) << text;
  std::string json = EvalJson(*r);
  EXPECT_NE(json.find(R"("false_positives_normal":0,"unlabelled_drift":0,"detected":3,"required":4)"),
            std::string::npos)
      << json;
}

// Held-out traces are scored together (the pooled figure) and each on its own.
TEST(RunEvalTest, EachHeldOutTraceIsAlsoScoredOnItsOwn) {
  TempDir d;
  const std::string data = DW_TESTDATA_DIR;
  EvalCase c = DemoCase(d);
  c.heldout = {CopyInto(d, data + "/demo-train.dwt", "demo/heldout.dwt"),
               CopyInto(d, data + "/demo-drift.dwt", "demo/heldout2.dwt")};
  auto r = RunEval(c);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->heldout_traces.size(), 2u);
  EXPECT_EQ(r->heldout_traces[0].trace, "heldout.dwt");
  EXPECT_EQ(r->heldout_traces[0].events, r->train_events);
  EXPECT_EQ(r->heldout_traces[0].any, 0u);
  const HeldOutTrace& drift = r->heldout_traces[1];
  EXPECT_EQ(drift.trace, "heldout2.dwt");
  EXPECT_EQ(drift.any, r->heldout_findings.size());  // the pooled findings are all its own
  EXPECT_EQ(drift.medium, CountAtLeast(r->heldout_findings, model::Severity::kMedium));
  EXPECT_GE(drift.medium, 2u);  // whoami (medium), /etc/shadow (critical)
  EXPECT_GE(drift.high, 1u);
  EXPECT_EQ(r->heldout_events, r->heldout_traces[0].events + drift.events);
  std::string text = EvalText({*r});
  EXPECT_NE(text.find("HELD-OUT TRACE"), std::string::npos) << text;
  EXPECT_NE(text.find("demo             heldout.dwt"), std::string::npos) << text;
  // Per set: the quiet trace meets the target, the one with whoami and /etc/shadow does not.
  EXPECT_NE(text.find("heldout.dwt              1            1/1                    1/1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("heldout2.dwt             1            0/1                    0/1\n"), std::string::npos)
      << text;
  std::string json = EvalJson(*r);
  EXPECT_NE(json.find(R"("heldout_traces":[{"trace":"heldout.dwt","events":)"), std::string::npos) << json;
}

// Sets and traces are listed in the order they were recorded: heldout10 after heldout2.
TEST(RunEvalTest, HeldOutSetsAreListedInTheOrderTheyWereRecorded) {
  TempDir d;
  const std::string data = DW_TESTDATA_DIR;
  EvalCase c = DemoCase(d);
  c.heldout = {CopyInto(d, data + "/demo-train.dwt", "demo/heldout.dwt"),
               CopyInto(d, data + "/demo-train.dwt", "demo/heldout10.dwt"),
               CopyInto(d, data + "/demo-drift.dwt", "demo/heldout2.dwt")};
  auto r = RunEval(c);
  ASSERT_TRUE(r) << r.error().message();
  std::string text = EvalText({*r});
  const size_t set2 = text.find("heldout2.dwt             1");
  const size_t set10 = text.find("heldout10.dwt            1");
  ASSERT_NE(set2, std::string::npos) << text;
  ASSERT_NE(set10, std::string::npos) << text;
  EXPECT_LT(set2, set10) << text;
  const size_t row2 = text.find("demo             heldout2.dwt");
  const size_t row10 = text.find("demo             heldout10.dwt");
  ASSERT_NE(row2, std::string::npos) << text;
  EXPECT_LT(row2, row10) << text;
  EXPECT_LT(text.find("demo             heldout.dwt "), row2) << text;
}

TEST(RunEvalTest, UnreadableTraceNamesThePath) {
  TempDir d;
  EvalCase c{"bad", {d.Write("bad/train.dwt", "not a trace")}, {}, {}, {}, ""};
  auto r = RunEval(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find(d.path() + "/bad/train.dwt"), std::string::npos)
      << r.error().message();
}

// --- the engine on the recorded workloads ---------------------------------------------------

std::vector<EvalCase> TestdataCases() {
  auto cases = DiscoverCases(DW_TESTDATA_DIR);
  return cases ? *cases : std::vector<EvalCase>{};
}

TEST(TestdataTest, HoldsAtLeastThreeCompleteWorkloads) {
  auto cases = DiscoverCases(DW_TESTDATA_DIR);
  ASSERT_TRUE(cases) << cases.error().message();
  EXPECT_GE(cases->size(), 3u);
  for (const auto& c : *cases) {
    EXPECT_FALSE(c.normal.empty()) << c.name;
    EXPECT_FALSE(c.drift.empty()) << c.name;
    auto labels = LoadLabels(c.labels);
    ASSERT_TRUE(labels) << labels.error().message();
    EXPECT_FALSE(labels->empty()) << c.name;
  }
}

class WorkloadEvalTest : public testing::TestWithParam<EvalCase> {};

// The goal, asserted (issue 9): on every recorded server, no finding at medium or above on
// the normal trace (other traffic and data, other clients, a restart) and at most two low
// ones; every labelled drift detected, at medium or above except network
// peers (loopback-only testbed); nothing at medium or above on the drift trace that no label
// explains; and every labelled drift outscores every false positive on those traces.
// Held-out traces are held to their first measurement (below).
TEST_P(WorkloadEvalTest, EveryAttackDetectedAboveEveryFalsePositive) {
  auto r = RunEval(GetParam());
  ASSERT_TRUE(r) << r.error().message();
  std::cout << EvalText({*r});
  EXPECT_GT(r->train_events, 0u);
  EXPECT_GT(r->normal_events, 0u);
  EXPECT_GT(r->drift_events, 0u);
  EXPECT_TRUE(r->unprofiled.empty()) << "workloads without a baseline";
  EXPECT_EQ(CountAtLeast(r->normal_findings, model::Severity::kMedium), 0u) << "normal trace";
  EXPECT_LE(r->normal_findings.size(), 2u) << "low findings on the normal trace";
  EXPECT_EQ(CountAtLeast(r->unlabelled, model::Severity::kMedium), 0u) << "unlabelled drift findings";
  // Labelled drifts a workload's first, unseen run missed by the model's design, held here so
  // that a fix shows (the test then fails: remove the entry). exim: the write burst as a rate;
  // its own training peak, 204 distinct written paths in a 10 s bucket (spool files and
  // Maildirs), is more than half of the burst, and the rate model's gate is twice the peak
  // (model/rates.h max_factor); the burst's files are a file finding, medium. README: exim.
  const std::map<std::string, std::string> known_misses = {{"exim", "rate *"}};
  std::vector<std::string> missed;
  for (const LabelOutcome& o : r->labels) {
    if (o.label.required && o.findings == 0) {
      missed.push_back(std::string(model::FindingKindName(o.label.kind)) + " " + o.label.subject);
    }
  }
  const auto known = known_misses.find(r->name);
  EXPECT_EQ(missed, known == known_misses.end() ? std::vector<std::string>{}
                                                : std::vector<std::string>{known->second})
      << "labelled drift missed";
  for (const LabelOutcome& o : r->labels) {
    if (!o.label.required || o.findings == 0 || o.label.kind == model::FindingKind::kNetwork) continue;
    EXPECT_GE(model::SeverityOf(o.best_score), model::Severity::kMedium)
        << model::FindingKindName(o.label.kind) << " " << o.label.subject << " scored " << o.best_score;
  }
  // Every labelled drift found outscores every finding on the normal and drift traces.
  double lowest = 1.0, highest = 0;
  for (const LabelOutcome& o : r->labels) {
    if (o.label.required && o.findings > 0) lowest = std::min(lowest, o.best_score);
  }
  for (const auto* list : {&r->normal_findings, &r->unlabelled}) {
    for (const auto& f : *list) highest = std::max(highest, f.score);
  }
  EXPECT_GT(lowest, highest) << "a false positive scores as high as a labelled drift";
}

// Held-out traces (testdata/README.md): heldout.dwt and heldout2.dwt were looked at while rules
// were chosen (heldout2 after its first, unseen run); heldout3 .. heldout10 were each first run
// once, unseen, on 2026-12-03, heldout11 to heldout15 on 2026-12-04 and heldout16 on
// 2026-12-05 (README "Evaluation"), and then guided rules (heldout8: none; heldout9: mkstemp
// fills of digits and one case, and a new module's dependencies; heldout10: none; heldout11:
// the shell a suite tool runs another through, and a low new program's low children;
// heldout12: a new listener's clients; heldout13, heldout14 and heldout15: none; heldout16: a
// known program's low novelties in one window are one finding). postfix's own tools (postmap,
// qshape) are low since the traces carry the packages of their programs (13 / 6 before, when
// eval had no package database; README: postfix). heldout17 (six workloads, first run once,
// unseen, on 2026-12-05) adds a second listener by a configuration change: a new listening
// port, medium by design (issue 9: a new listening port stays a finding), in bind, nginx,
// postfix, squid and tomcat; its other six (apache, haproxy, gunicorn, postgresql, mariadb,
// batch; a later run, changes without a new port, first run once, unseen, the same day) had
// no medium but batch's (its job run under `flock ... nice`), which guided one rule: command
// wrappers are transparent for who started a program (scorer.cc kCommandWrappers). The pooled figure replays a workload's
// held-out traces one after another, in the order they were recorded, through one detector
// (distinct findings over all of them). mariadb, apache, postfix and bind, workloads added later
// and first run unseen, have fewer held-out traces. Eval pools them; what they measure now is held as a
// ceiling here, so a regression shows; lower it as the engine improves. gunicorn's medium ones
// are an operator's shell session inside the cgroup (heldout6): a new shell, critical by
// design, and a second instance's new listening port (heldout12), medium by design. batch's new programs (gawk, df) are low since the script-runner rule (scorer.h),
// chosen looking at heldout2..heldout7.
TEST_P(WorkloadEvalTest, HeldOutFindingsStayAtOrBelowTheirFirstMeasurement) {
  struct Ceiling {
    size_t any, medium;
  };
  const std::map<std::string, Ceiling> measured = {{"batch", {17, 0}},      {"gunicorn", {12, 5}},
                                                   {"haproxy", {6, 1}},     {"nginx", {8, 1}},
                                                   {"postgresql", {20, 0}}, {"redis", {7, 0}},
                                                   // unseen workload shapes, first runs in README
                                                   {"mariadb", {9, 0}},     {"apache", {18, 0}},
                                                   // first run 11 / 4, unseen; README: postfix
                                                   {"postfix", {9, 1}},
                                                   // first run 5 / 2, unseen; README: bind
                                                   {"bind", {5, 1}},
                                                   // first runs 253 / 252 and 6 / 4, unseen; README
                                                   {"squid", {4, 1}},       {"tomcat", {5, 1}},
                                                   // first run 3 / 0, unseen; README: dovecot
                                                   {"dovecot", {3, 0}},     {"prometheus", {4, 0}},
                                                   // first run 7 / 4, unseen; README: varnish
                                                   {"varnish", {2, 0}},
                                                   // first run 1 / 1 (a new pool's listening port,
                                                   // medium by design), unseen; README: phpfpm
                                                   {"phpfpm", {1, 1}},
                                                   // first run 3 / 0 (a new virtual host's data
                                                   // and certificate, a write burst), unseen;
                                                   // README: prosody
                                                   {"prosody", {3, 0}},
                                                   // first run 4 / 0 (a new document type's filter,
                                                   // a new queue's model and printer, lpstat),
                                                   // unseen; README: cups
                                                   {"cups", {4, 0}},
                                                   // first run 10 / 9 (each new repository's hooks,
                                                   // medium, and what they wrote), unseen; 3 / 0 once
                                                   // a tenant's copy of a learned program was low (a
                                                   // rule its normal trace showed); README: gitd
                                                   {"gitd", {3, 0}},
                                                   // first run 4 / 1 (a new log instance's writes,
                                                   // a write burst, a new backup's dump, and xz,
                                                   // critical, under tar's shell; xz medium once a
                                                   // utility's shell was a script's plumbing);
                                                   // unseen; README: radius
                                                   {"radius", {4, 1}},
                                                   // first run 4 / 1 (memcdump, medium: its trace
                                                   // carried its package empty, a recorder's race;
                                                   // low once refilled), a new extstore file, a dated
                                                   // backup directory's two files; unseen; README:
                                                   // memcached
                                                   {"memcached", {4, 0}},
                                                   // first run 3 / 0 (a new user's Maildir, a new
                                                   // gateway, a new report's name), unseen; README:
                                                   // exim
                                                   {"exim", {3, 0}},
                                                   // first run 5 / 0 (a new repository's git
                                                   // templates, a new SFTP directory, a new host's
                                                   // rsync temporary file, ssh-keygen, the suite of
                                                   // sshd, and a chrooted SFTP path), unseen; README:
                                                   // sshd
                                                   {"sshd", {5, 0}}};
  // lighttpd (first run 2 / 0), rsyslog (1 / 0), samba (0 / 0), slapd (2 / 0), node (2 / 0), rabbitmq (1 / 0)
  // unbound (1 / 0) and zookeeper (2 / 0; 1 / 0 once hex-numbered generations were one
  // family, a rule its training and normal traces showed), etcd (2 / 0), mosquitto (1 / 0),
  // spamd (1 / 0) and puma (2 / 0), unseen, and rsyslog recorded again with receive-only UDP
  // flows (1 / 0), are held to the target itself,
  // below; prometheus's first, unseen run was 4 / 0 (two new scrape targets, two new
  // configuration files; README: prometheus), its ceiling.
  auto r = RunEval(GetParam());
  ASSERT_TRUE(r) << r.error().message();
  auto it = measured.find(r->name);
  if (it == measured.end()) {
    // A case added later: the target itself.
    EXPECT_EQ(CountAtLeast(r->heldout_findings, model::Severity::kMedium), 0u);
    EXPECT_LE(r->heldout_findings.size(), 2u);
    return;
  }
  EXPECT_LE(r->heldout_findings.size(), it->second.any) << r->name;
  EXPECT_LE(CountAtLeast(r->heldout_findings, model::Severity::kMedium), it->second.medium) << r->name;
  EXPECT_FALSE(r->heldout_events == 0 && it->second.any > 0) << "held-out trace missing for " << r->name;
}

INSTANTIATE_TEST_SUITE_P(Testdata, WorkloadEvalTest, testing::ValuesIn(TestdataCases()),
                         [](const testing::TestParamInfo<EvalCase>& info) {
                           std::string name;
                           for (char ch : info.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(WorkloadEvalTest);

}  // namespace
}  // namespace dw::tools
