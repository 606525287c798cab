// model/scorer_test.cc: drift findings, reasons, scores and severities.
#include "model/scorer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/items.h"
#include "model/testing/test_events.h"

namespace dw::model {
namespace {

using testing::V4;

// What training on `events` would learn, built with the shared item mapping.
Fingerprint Learn(const std::vector<Event>& events) {
  Fingerprint fp;
  fp.workload = "web";
  for (const Event& e : events) {
    for (const ItemRef& item : ItemsOf(e)) {
      ItemStats& s = FindOrAddItem(&fp, item);
      ++s.count;
      s.access |= item.access;
    }
  }
  return fp;
}

std::vector<Event> Training() {
  return {
      testing::Exec("web", 10, "/usr/sbin/nginx"),
      testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessRead),
      testing::Open("web", 10, "/var/lib/app/data.db", kAccessRead),
      testing::Open("web", 10, "/var/log/nginx/access.log", kAccessWrite | kAccessCreate),
      testing::Open("web", 10, "/proc/10/status", kAccessRead),
      testing::Connect("web", 10, V4(10, 0, 0, 7, 5432)),
      testing::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 0, 0, 9, 50123)),
      testing::Listen("web", 10, V4(0, 0, 0, 0, 443)),
      testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "db.internal"),
  };
}

// The finding the scorer should make of `e`, apart from what the test sets.
Finding Expected(const Event& e, FindingKind kind, const std::string& subject,
                 const std::string& reason, double score, Severity severity) {
  Finding f;
  f.time_ns = e.time_ns;
  f.workload = e.workload;
  f.cgroup_path = e.cgroup_path;
  f.kind = kind;
  f.subject = subject;
  f.reason = reason;
  f.severity = severity;
  f.score = score;
  f.process = e.process;
  return f;
}

class ScorerTest : public ::testing::Test {
 protected:
  Fingerprint fp_ = Learn(Training());
  Scorer scorer_;
};

TEST_F(ScorerTest, LearnedEventsGiveNoFindings) {
  for (const Event& e : Training()) {
    EXPECT_EQ(scorer_.Score(&fp_, e), std::vector<Finding>{}) << EventKindName(e.kind);
  }
  // Volatile parts are normalised away: another pid's /proc entry is known.
  EXPECT_TRUE(
      scorer_.Score(&fp_, testing::Open("web", 99, "/proc/99/status", kAccessRead)).empty());
  // Access already learned (a subset of write|create) is no drift.
  EXPECT_TRUE(
      scorer_.Score(&fp_, testing::Open("web", 10, "/var/log/nginx/access.log", kAccessWrite))
          .empty());
}

TEST_F(ScorerTest, NoFingerprintGivesNoFindings) {
  EXPECT_TRUE(scorer_.Score(nullptr, testing::Exec("web", 11, "/bin/sh")).empty());
}

TEST_F(ScorerTest, NewExecutableIsAnExecFinding) {
  Event e = testing::Exec("web", 11, "/usr/local/bin/report", 5000);
  EXPECT_EQ(
      scorer_.Score(&fp_, e),
      std::vector<Finding>{Expected(e, FindingKind::kExec, "/usr/local/bin/report",
                                    "executable never seen in training", 0.5, Severity::kMedium)});
}

TEST_F(ScorerTest, ShellsInterpretersAndNetworkToolsAreCritical) {
  struct Case {
    const char* exe;
    const char* reason;
    double score;
  } cases[] = {
      {"/bin/sh", "executable never seen in training (shell)", 0.9},
      {"/usr/bin/bash", "executable never seen in training (shell)", 0.9},
      {"/usr/bin/python3.11", "executable never seen in training (interpreter)", 0.9},
      {"/usr/bin/perl", "executable never seen in training (interpreter)", 0.9},
      {"/usr/bin/nc.openbsd", "executable never seen in training (network tool)", 0.9},
      {"/usr/bin/curl", "executable never seen in training (network tool)", 0.9},
      {"/tmp/.x/miner", "executable never seen in training (runs from a world-writable directory)",
       1.0},
      // Look-alike names are ordinary executables.
      {"/usr/bin/node_exporter", "executable never seen in training", 0.5},
      {"/usr/bin/shred", "executable never seen in training", 0.5},
  };
  for (const Case& c : cases) {
    Event e = testing::Exec("web", 11, c.exe);
    Severity want = c.score >= 0.9 ? Severity::kCritical : Severity::kMedium;
    EXPECT_EQ(scorer_.Score(&fp_, e),
              std::vector<Finding>{Expected(e, FindingKind::kExec, c.exe, c.reason, c.score, want)})
        << c.exe;
  }
}

TEST_F(ScorerTest, WriteToAFileLearnedReadOnlyIsDrift) {
  Event e = testing::Open("web", 10, "/var/lib/app/data.db", kAccessRead | kAccessWrite);
  EXPECT_EQ(scorer_.Score(&fp_, e),
            std::vector<Finding>{Expected(e, FindingKind::kFile, "/var/lib/app/data.db",
                                          "write to a file only read in training", 0.27,
                                          Severity::kLow)});
  // The same under /etc: a system directory, so the new write ranks high.
  Event conf = testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessWrite);
  EXPECT_EQ(scorer_.Score(&fp_, conf),
            std::vector<Finding>{Expected(conf, FindingKind::kFile, "/etc/nginx/nginx.conf",
                                          "write to a file only read in training "
                                          "(system directory)",
                                          0.72, Severity::kHigh)});
}

TEST_F(ScorerTest, NewAccessIsJudgedOnTheNewBitsOnly) {
  // access.log was written in training; reading it is new, the write is not.
  Event e = testing::Open("web", 10, "/var/log/nginx/access.log", kAccessRead | kAccessWrite);
  EXPECT_EQ(scorer_.Score(&fp_, e),
            std::vector<Finding>{Expected(e, FindingKind::kFile, "/var/log/nginx/access.log",
                                          "read of a file only written/created in training", 0.18,
                                          Severity::kLow)});
}

TEST_F(ScorerTest, CredentialReadScoresAboveANewDataFile) {
  Event shadow = testing::Open("web", 10, "/etc/shadow", kAccessRead);
  Event data = testing::Open("web", 10, "/srv/data/new.csv", kAccessRead);
  std::vector<Finding> a = scorer_.Score(&fp_, shadow);
  std::vector<Finding> b = scorer_.Score(&fp_, data);
  EXPECT_EQ(a, std::vector<Finding>{Expected(shadow, FindingKind::kFile, "/etc/shadow",
                                             "file never seen in training (credential file)", 0.9,
                                             Severity::kCritical)});
  EXPECT_EQ(b, std::vector<Finding>{Expected(data, FindingKind::kFile, "/srv/data/new.csv",
                                             "file never seen in training", 0.2, Severity::kLow)});
  EXPECT_GT(a[0].score, b[0].score);
  EXPECT_GT(a[0].severity, b[0].severity);
}

TEST_F(ScorerTest, SensitiveFileClasses) {
  struct Case {
    const char* path;
    uint8_t access;
    double score;
  } cases[] = {
      {"/root/.ssh/authorized_keys", kAccessWrite, 1.0},
      {"/home/ann/.ssh/id_ed25519", kAccessRead, 0.9},
      {"/var/run/secrets/kubernetes.io/serviceaccount/token", kAccessRead, 0.9},
      {"/etc/sudoers.d/90-cloud", kAccessRead, 0.9},
      {"/usr/bin/ls", kAccessWrite | kAccessCreate, 0.8},
      {"/usr/bin/ls", kAccessRead, 0.2},
      {"/etc/cron.d/job", kAccessCreate, 0.8},
      {"/etcetera/x", kAccessWrite, 0.3},  // not under /etc
      {"/home/ann/.sshrc", kAccessRead, 0.2},
  };
  for (const Case& c : cases) {
    std::vector<Finding> got = scorer_.Score(&fp_, testing::Open("web", 10, c.path, c.access));
    ASSERT_EQ(got.size(), 1u) << c.path;
    EXPECT_EQ(got[0].score, c.score) << c.path;
    EXPECT_EQ(got[0].severity, SeverityOf(c.score)) << c.path;
  }
}

TEST_F(ScorerTest, FailedOpenSaysSo) {
  Event e = testing::Open("web", 10, "/etc/gshadow", kAccessRead, 1000, -13);
  EXPECT_EQ(scorer_.Score(&fp_, e),
            std::vector<Finding>{Expected(e, FindingKind::kFile, "/etc/gshadow",
                                          "file never seen in training "
                                          "(credential file; open failed)",
                                          0.9, Severity::kCritical)});
  Event plain = testing::Open("web", 10, "/srv/missing", kAccessRead, 1000, -2);
  EXPECT_EQ(scorer_.Score(&fp_, plain)[0].reason, "file never seen in training (open failed)");
}

TEST_F(ScorerTest, InboundFromAKnownClientOnANewPortDoesNotFire) {
  Event known = testing::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 0, 0, 9, 61000));
  EXPECT_TRUE(scorer_.Score(&fp_, known).empty());
  Event stranger = testing::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 9, 9, 9, 61000));
  EXPECT_EQ(scorer_.Score(&fp_, stranger),
            std::vector<Finding>{Expected(stranger, FindingKind::kNetwork, "10.9.9.9 -> :443",
                                          "new inbound client (non-loopback address)", 0.5,
                                          Severity::kMedium)});
}

TEST_F(ScorerTest, NetworkDrift) {
  Event peer = testing::Connect("web", 10, V4(203, 0, 113, 5, 4444));
  EXPECT_EQ(scorer_.Score(&fp_, peer),
            std::vector<Finding>{Expected(peer, FindingKind::kNetwork, "203.0.113.5:4444",
                                          "new outbound peer (non-loopback address)", 0.6,
                                          Severity::kMedium)});
  Event local = testing::Connect("web", 10, V4(127, 0, 0, 1, 6379));
  EXPECT_EQ(scorer_.Score(&fp_, local),
            std::vector<Finding>{Expected(local, FindingKind::kNetwork, "127.0.0.1:6379",
                                          "new outbound peer", 0.3, Severity::kLow)});
  Event listen = testing::Listen("web", 10, V4(0, 0, 0, 0, 31337));
  EXPECT_EQ(scorer_.Score(&fp_, listen),
            std::vector<Finding>{Expected(listen, FindingKind::kNetwork, "listen 0.0.0.0:31337",
                                          "new listening port (reachable beyond loopback)", 0.8,
                                          Severity::kHigh)});
}

TEST_F(ScorerTest, DnsNameAndResolverAreSeparateItems) {
  Event known_resolver = testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "Evil.Example.");
  EXPECT_EQ(
      scorer_.Score(&fp_, known_resolver),
      std::vector<Finding>{Expected(known_resolver, FindingKind::kNetwork, "evil.example",
                                    "DNS name never queried in training", 0.4, Severity::kMedium)});
  Event both = testing::Dns("web", 10, V4(8, 8, 8, 8, 53), "evil.example");
  EXPECT_EQ(scorer_.Score(&fp_, both),
            (std::vector<Finding>{
                Expected(both, FindingKind::kNetwork, "dns 8.8.8.8:53",
                         "new DNS resolver (non-loopback address)", 0.5, Severity::kMedium),
                Expected(both, FindingKind::kNetwork, "evil.example",
                         "DNS name never queried in training", 0.4, Severity::kMedium)}));
}

TEST(SeverityOfTest, Thresholds) {
  EXPECT_EQ(SeverityOf(0.0), Severity::kLow);
  EXPECT_EQ(SeverityOf(0.399), Severity::kLow);
  EXPECT_EQ(SeverityOf(0.4), Severity::kMedium);
  EXPECT_EQ(SeverityOf(0.699), Severity::kMedium);
  EXPECT_EQ(SeverityOf(0.7), Severity::kHigh);
  EXPECT_EQ(SeverityOf(0.899), Severity::kHigh);
  EXPECT_EQ(SeverityOf(0.9), Severity::kCritical);
  EXPECT_EQ(SeverityOf(1.0), Severity::kCritical);
}

}  // namespace
}  // namespace dw::model
