// tools/eval/techniques_test.cc: the technique catalogue (tools/eval/techniques.h)
// against every recorded workload's baseline, and the player it rests on.
#include "tools/eval/techniques.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "model/items.h"
#include "model/testing/test_events.h"

#ifndef DW_TESTDATA_DIR
#error "DW_TESTDATA_DIR must name the repository's testdata directory"
#endif

namespace dw::tools {
namespace {

const Technique& Named(const std::string& name) {
  for (const Technique& t : Techniques()) {
    if (t.name == name) return t;
  }
  ADD_FAILURE() << "no technique " << name;
  return Techniques().front();
}

// A web server's baseline: its program, its configuration, its port.
std::map<std::string, model::Fingerprint> WebBaseline(const std::vector<Event>& extra = {}) {
  model::Fingerprint fp;
  fp.workload = "web";
  std::vector<Event> events = {
      model::testing::Exec("web", 10, "/usr/sbin/nginx"),
      model::testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessRead),
      model::testing::Listen("web", 10, model::testing::V4(127, 0, 0, 1, 8080)),
  };
  events.insert(events.end(), extra.begin(), extra.end());
  for (Event e : events) {
    e.process.exe = "/usr/sbin/nginx";
    for (const model::ItemRef& item : model::ItemsOf(e)) model::FindOrAddItem(&fp, item).access |= item.access;
  }
  return {{"web", fp}};
}

Event Actor() {
  Event e = model::testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessRead);
  e.process.exe = "/usr/sbin/nginx";
  e.process.ppid = 1;
  e.process.ancestry = {"/usr/bin/containerd-shim-runc-v2"};
  e.uid = 33;
  return e;
}

// Every technique of the catalogue reaches its floor on every recorded
// workload, played as the workload's server (or busiest program); a
// technique raises nothing only where the workload did exactly that in
// training. prosody (lua5.4 running /usr/bin/prosody, and its admin tool
// /usr/bin/prosodyctl, whose shell training saw) is played as its script.
TEST(TechniquesTest, EveryTechniqueReachesItsFloorOnEveryRecordedWorkload) {
  auto cases = DiscoverCases(DW_TESTDATA_DIR);
  ASSERT_TRUE(cases) << cases.error().message();
  ASSERT_GE(cases->size(), 10u);
  size_t learned = 0;
  for (const EvalCase& c : *cases) {
    auto r = RunTechniques(c);
    ASSERT_TRUE(r) << c.name << ": " << r.error().message();
    ASSERT_EQ(r->outcomes.size(), Techniques().size());
    EXPECT_FALSE(r->actor.empty()) << c.name;
    for (const TechniqueOutcome& o : r->outcomes) {
      const std::string what = c.name + " as " + r->actor + ": " + o.technique->id + " " + o.technique->name + ": " +
                               std::to_string(o.findings) + " findings, top " +
                               std::string(model::SeverityName(o.top)) + " " + o.top_finding;
      EXPECT_TRUE(o.reached()) << what;
      learned += o.learned;
    }
  }
  // The workloads' own behaviour allows a technique rarely (vsftpd reads
  // /etc/shadow for its logins): a catalogue mostly allowed would prove nothing.
  EXPECT_LE(learned, cases->size());
}

// A spawned process is a fork of its parent and an exec with the parent as
// its parent executable and first ancestor; every event carries the actor's
// workload, cgroup and user.
TEST(TechniquesTest, ThePlayerForksExecsAndKeepsTheActorsContext) {
  auto fps = WebBaseline();
  model::Detector detector(fps);
  TechniquePlayer player(&detector, Actor(), 5'000'000'000);
  PlayedProcess sh = player.Spawn(player.self(), "/usr/bin/dash", {"sh", "-c", "id"});
  player.Open(sh, "/etc/shadow", kAccessRead);
  player.Connect(sh, "203.0.113.9", 4444);

  const std::vector<Event>& played = player.played();
  ASSERT_EQ(played.size(), 4u);
  EXPECT_EQ(played[0].kind, EventKind::kFork);
  EXPECT_EQ(played[0].pid, 10u);
  EXPECT_EQ(played[0].child_pid, sh.pid);
  EXPECT_EQ(played[1].kind, EventKind::kExec);
  EXPECT_EQ(played[1].path, "/usr/bin/dash");
  EXPECT_EQ(played[1].parent_exe, "/usr/sbin/nginx");
  EXPECT_EQ(played[1].process.ppid, 10u);
  EXPECT_EQ(played[1].process.ancestry,
            (std::vector<std::string>{"/usr/sbin/nginx", "/usr/bin/containerd-shim-runc-v2"}));
  EXPECT_EQ(played[3].peer.ToString(), "203.0.113.9:4444");
  for (const Event& e : played) {
    EXPECT_EQ(e.workload, "web");
    EXPECT_EQ(e.cgroup_path, "system.slice/web");
    EXPECT_EQ(e.uid, 33u);
    EXPECT_GT(e.time_ns, 5'000'000'000);
  }
  EXPECT_TRUE(std::is_sorted(played.begin(), played.end(),
                             [](const Event& a, const Event& b) { return a.time_ns < b.time_ns; }));
  // The shell, its read of /etc/shadow (folded or not) and the peer were scored.
  EXPECT_FALSE(detector.findings().empty());
}

// An actor whose interpreter runs a script is that script to its children,
// as the process table names it (collector/programs.h); the exec record
// still names the interpreter's binary as the kernel reads it.
TEST(TechniquesTest, AnInterpretersChildrenSeeItsScript) {
  auto fps = WebBaseline();
  model::Detector detector(fps);
  Event actor = Actor();
  actor.process.exe = "/usr/bin/lua5.4";
  actor.process.script = "/usr/bin/prosody";
  TechniquePlayer player(&detector, actor, 5'000'000'000);
  PlayedProcess sh = player.Spawn(player.self(), "/usr/bin/dash", {"sh", "-c", "id"});
  EXPECT_EQ(sh.parent_exe, "/usr/bin/prosody");
  const std::vector<Event>& played = player.played();
  ASSERT_EQ(played.size(), 2u);
  EXPECT_EQ(played[0].process.script, "/usr/bin/prosody");
  EXPECT_EQ(played[1].parent_exe, "/usr/bin/lua5.4");
  EXPECT_EQ(played[1].process.parent_exe, "/usr/bin/prosody");
  EXPECT_EQ(played[1].process.ancestry[0], "/usr/bin/prosody");
  EXPECT_EQ(played[1].process.script, "");
}

// No finding counts as reached only when the baseline holds every item of
// the technique exactly: what the workload itself did in training. A file
// some pattern covers is not that: a miss.
TEST(TechniquesTest, OnlyAnExactlyLearnedTechniqueMayRaiseNothing) {
  const Technique& shadow = Named("service reads /etc/shadow");
  TechniqueOutcome fresh = PlayTechnique(shadow, WebBaseline(), Actor(), 1000);
  EXPECT_EQ(fresh.findings, 1u);
  EXPECT_EQ(fresh.top, model::Severity::kCritical);
  EXPECT_TRUE(fresh.reached());

  TechniqueOutcome learned = PlayTechnique(
      shadow, WebBaseline({model::testing::Open("web", 10, "/etc/shadow", kAccessRead)}), Actor(), 1000);
  EXPECT_EQ(learned.findings, 0u);
  EXPECT_TRUE(learned.learned);
  EXPECT_TRUE(learned.reached());

  // A pattern that covers what a technique does silences it, and that is a
  // miss, not the workload's own behaviour.
  Technique served = {"T0000", "reads a served page", model::Severity::kMedium,
                      [](TechniquePlayer& p) { p.Open(p.self(), "/srv/www/new.html", kAccessRead); }};
  auto with_pattern = WebBaseline();
  model::Generalization g;
  g.rule = "test";
  g.stats.access = kAccessRead;
  g.stats.count = 9;
  with_pattern["web"].file_patterns["/srv/www/*"] = g;
  TechniqueOutcome covered = PlayTechnique(served, with_pattern, Actor(), 1000);
  EXPECT_EQ(covered.findings, 0u);
  EXPECT_FALSE(covered.learned);
  EXPECT_FALSE(covered.reached());

  // The same silence, where the item is not the one training saw, is no pass:
  // a baseline of another workload name has nothing of this actor's.
  Event stranger = Actor();
  stranger.workload = "other";
  TechniqueOutcome unprofiled = PlayTechnique(shadow, WebBaseline(), stranger, 1000);
  EXPECT_FALSE(unprofiled.learned);

  // Below its floor is no pass either: a new outbound peer on loopback is low.
  Technique low = {"T0000", "loopback peer", model::Severity::kMedium,
                   [](TechniquePlayer& p) { p.Connect(p.self(), "127.0.0.9", 7000); }};
  TechniqueOutcome o = PlayTechnique(low, WebBaseline(), Actor(), 1000);
  EXPECT_EQ(o.findings, 1u);
  EXPECT_EQ(o.top, model::Severity::kLow);
  EXPECT_FALSE(o.reached());
}

}  // namespace
}  // namespace dw::tools
