// model/scorer_test.cc: drift findings, reasons, scores and severities.
#include "model/scorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "model/generalize.h"
#include "model/items.h"
#include "model/syscall_groups.h"
#include "collector/syscall_names.h"
#include "bpf/events.h"
#include "model/testing/test_events.h"

namespace dw::model {

// Readable failures: "exec /usr/sbin/nginx -> /bin/sh: <reason> [0.81 high]".
void PrintTo(const Finding& f, std::ostream* os) {
  *os << FindingKindName(f.kind) << " " << f.subject << ": " << f.reason << " [" << f.score << " "
      << SeverityName(f.severity) << "]";
}

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
  for (const ItemRef& item : ItemsOf(e)) {
    if (item.subject == subject) f.item = item;
  }
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
      {"/etc/cron.d/job", kAccessCreate, 1.0},            // persistence
      {"/etc/cron.d/job", kAccessRead, 0.2},
      {"/var/spool/cron/crontabs/postgres", kAccessWrite | kAccessCreate, 1.0},
      {"/home/ann/.bashrc", kAccessWrite, 1.0},
      {"/etc/ld.so.preload", kAccessWrite, 1.0},
      {"/srv/www/upload/shell.php", kAccessCreate, 0.7},  // executable or script
      {"/srv/data/report.csv", kAccessCreate, 0.3},
      {"/etcetera/x", kAccessWrite, 0.3},  // not under /etc
      {"/home/ann/.sshrc", kAccessRead, 0.2},
      // Tokens and keys beyond accounts: cloud, cluster, VCS, key rings, histories, TLS keys.
      {"/root/.aws/credentials", kAccessRead, 0.9},
      {"/home/ann/.kube/config", kAccessRead, 0.9},
      {"/home/ann/.docker/config.json", kAccessRead, 0.9},
      {"/home/ann/.git-credentials", kAccessRead, 0.9},
      {"/root/.bash_history", kAccessRead, 0.9},
      {"/etc/ssl/private/site.key", kAccessRead, 0.9},
      {"/etc/kubernetes/admin.conf", kAccessRead, 0.9},
      {"/etc/ssl/certs/site.pem", kAccessRead, 0.2},  // certificates are public
      {"/home/ann/.awsome", kAccessRead, 0.2},
      // Another process's secrets: its environment and memory; kernel memory.
      {"/proc/1/environ", kAccessRead, 0.9},
      {"/proc/4242/task/4243/environ", kAccessRead, 0.9},
      {"/proc/self/mem", kAccessRead, 0.9},
      {"/proc/kcore", kAccessRead, 0.9},
      {"/proc/1/limits", kAccessRead, 0.2},
      // Kernel, cgroup and memory control: writes only.
      {"/sys/fs/cgroup/rdma/release_agent", kAccessWrite, 1.0},
      {"/proc/sys/kernel/core_pattern", kAccessWrite, 1.0},
      {"/proc/sysrq-trigger", kAccessWrite, 1.0},
      {"/proc/1/mem", kAccessWrite, 1.0},
      {"/sys/kernel/mm/transparent_hugepage/enabled", kAccessRead, 0.2},
      {"/proc/sys/net/core/somaxconn", kAccessRead, 0.2},
      // Evidence: login records, audit and authentication logs, histories.
      {"/var/log/wtmp", kAccessWrite, 0.8},
      {"/run/utmp", kAccessWrite, 0.8},
      {"/var/log/audit/audit.log", kAccessWrite, 0.8},
      {"/var/log/wtmp", kAccessRead, 0.2},
      {"/var/log/app/access.log", kAccessWrite, 0.3},
      {"/home/ann/.zsh_history", kAccessWrite | kAccessCreate, 1.0},  // a credential too
      // Raw disks: every file of a file system, the host's too.
      {"/dev/sda1", kAccessRead, 0.9},
      {"/dev/nvme0n1", kAccessRead, 0.9},
      {"/dev/mapper/vg-root", kAccessWrite, 1.0},
      {"/dev/sdb", kAccessWrite, 1.0},
      {"/dev/snd/controlC0", kAccessRead, 0.2},
      {"/dev/md", kAccessRead, 0.2},
      // Files planted among the devices, a device driven: high; the devices
      // every program writes: low.
      {"/dev/.udev-cache", kAccessCreate, 0.8},
      {"/dev/net/tun", kAccessWrite, 0.8},
      {"/dev/null", kAccessWrite | kAccessCreate, 0.3},
      {"/dev/tty1", kAccessWrite, 0.3},
      {"/dev/pts/3", kAccessWrite, 0.3},
      {"/dev/shm/PostgreSQL.1234", kAccessCreate, 0.3},
      {"/dev/termination-log", kAccessWrite, 0.3},
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
  Event plain = testing::Open("web", 10, "/srv/missing", kAccessWrite | kAccessCreate, 1000, -13);
  std::vector<Finding> got = scorer_.Score(&fp_, plain);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].reason, "file never seen in training (open failed)");
}

// A connect to a unix socket is judged by its path: a new one is a low
// finding of its own wording; the container runtime's or the service
// manager's API is critical, refused or not, and no pattern absolves it; a
// learned one is nothing.
TEST_F(ScorerTest, UnixSocketConnectsAreJudgedByPathAndHostControlIsCritical) {
  Event plain = testing::Open("web", 10, "/run/app/metrics.sock", kAccessConnect);
  std::vector<Finding> got = scorer_.Score(&fp_, plain);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].reason, "unix socket never connected to in training");
  EXPECT_EQ(got[0].severity, Severity::kLow);
  for (const char* path : {"/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/crio/crio.sock",
                           "/run/systemd/private", "@/containerd-shim/abc.sock", "/srv/mnt/docker.sock"}) {
    Event e = testing::Open("web", 10, path, kAccessConnect, 1000, -111);
    got = scorer_.Score(&fp_, e);
    ASSERT_EQ(got.size(), 1u) << path;
    EXPECT_EQ(got[0].severity, Severity::kCritical) << path;
    EXPECT_EQ(got[0].reason,
              "unix socket never connected to in training (container runtime or service manager API; connect "
              "failed)")
        << path;
  }
  // Learned: nothing; a pattern over the runtime's directory absolves no runtime socket.
  Fingerprint fp = Learn({testing::Open("web", 10, "/run/app/metrics.sock", kAccessConnect)});
  EXPECT_TRUE(scorer_.Score(&fp, plain).empty());
  fp.file_patterns["/run/containerd/**"] = {"test", {}, 9, {9, 1, 2, 1, kAccessRead | kAccessConnect, 1}};
  EXPECT_EQ(scorer_.Score(&fp, testing::Open("web", 10, "/run/containerd/containerd.sock", kAccessConnect)).size(),
            1u);
  // A file only read in training, now connected to.
  Fingerprint read = Learn({testing::Open("web", 10, "/run/app/metrics.sock", kAccessRead)});
  got = scorer_.Score(&read, plain);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].reason, "connect to a file only read in training");
}

TEST_F(ScorerTest, ClientsOfAKnownPortAreItsAudience) {
  Event known = testing::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 0, 0, 9, 61000));
  EXPECT_TRUE(scorer_.Score(&fp_, known).empty());
  // Port 443 is served (learned listening and clients): any client is audience.
  Event stranger = testing::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 9, 9, 9, 61000));
  EXPECT_TRUE(scorer_.Score(&fp_, stranger).empty());
  // A port the workload was never reached on is news.
  Event other = testing::Accept("web", 10, V4(10, 0, 0, 2, 8443), V4(10, 9, 9, 9, 61000));
  EXPECT_EQ(scorer_.Score(&fp_, other),
            std::vector<Finding>{Expected(other, FindingKind::kNetwork, "10.9.9.9 -> :8443",
                                          "new inbound client (non-loopback address)", 0.5,
                                          Severity::kMedium)});
}

TEST_F(ScorerTest, NetworkDrift) {
  Event peer = testing::Connect("web", 10, V4(203, 0, 113, 5, 4444));
  EXPECT_EQ(scorer_.Score(&fp_, peer),
            std::vector<Finding>{Expected(peer, FindingKind::kNetwork, "203.0.113.5:4444",
                                          "new outbound peer (outside every known subnet)", 0.7,
                                          Severity::kHigh)});
  // 10.0.0.0/24 is known (the database, a client, the resolver live there).
  Event near = testing::Connect("web", 10, V4(10, 0, 0, 99, 6379));
  EXPECT_EQ(
      scorer_.Score(&fp_, near),
      std::vector<Finding>{Expected(near, FindingKind::kNetwork, "10.0.0.99:6379",
                                    "new outbound peer (known subnet)", 0.5, Severity::kMedium)});
  Event local = testing::Connect("web", 10, V4(127, 0, 0, 1, 6379));
  EXPECT_EQ(scorer_.Score(&fp_, local),
            std::vector<Finding>{Expected(local, FindingKind::kNetwork, "127.0.0.1:6379",
                                          "new outbound peer", 0.3, Severity::kLow)});
  // A cloud's instance metadata service hands out the node's credentials.
  Event metadata = testing::Connect("web", 10, V4(169, 254, 169, 254, 80));
  EXPECT_EQ(scorer_.Score(&fp_, metadata),
            std::vector<Finding>{Expected(metadata, FindingKind::kNetwork, "169.254.169.254:80",
                                          "new outbound peer (cloud instance metadata service)", 0.9,
                                          Severity::kCritical)});
  Event link_local = testing::Connect("web", 10, V4(169, 254, 20, 10, 53));  // a node-local cache
  ASSERT_EQ(scorer_.Score(&fp_, link_local).size(), 1u);
  EXPECT_EQ(scorer_.Score(&fp_, link_local)[0].score, 0.7);
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

// A workload that asked who its peers are in training (reverse lookups of
// its clients: a proxy, a mail server) asks it of new clients: no finding.
// One that never did, a name that only looks like one, and a new program's
// tree's reverse lookups are findings.
TEST(ScorerDnsTest, ReverseLookupsAreKnownToAWorkloadThatMadeThem) {
  const Endpoint resolver = V4(127, 0, 0, 53, 53);
  Fingerprint proxy = Learn({testing::Dns("proxy", 10, resolver, "2.0.0.127.in-addr.arpa")});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&proxy, testing::Dns("proxy", 10, resolver, "141.17.0.127.in-addr.arpa.")).empty());
  EXPECT_TRUE(scorer.Score(&proxy, testing::Dns("proxy", 10, resolver,
                                                "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"))
                  .empty());
  EXPECT_EQ(scorer.Score(&proxy, testing::Dns("proxy", 10, resolver, "data.17.0.127.in-addr.arpa")).size(), 1u);
  EXPECT_EQ(scorer.Score(&proxy, testing::Dns("proxy", 10, resolver, "origin.example")).size(), 1u);
  ScoreContext tree;
  tree.hostile_root = "exec /tmp/x";
  EXPECT_EQ(scorer.Score(&proxy, testing::Dns("proxy", 10, resolver, "141.17.0.127.in-addr.arpa"), tree).size(), 1u);
  Fingerprint web = Learn({testing::Dns("web", 10, resolver, "origin.example")});
  std::vector<Finding> first = scorer.Score(&web, testing::Dns("web", 10, resolver, "141.17.0.127.in-addr.arpa"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].severity, Severity::kMedium);
}

// A workload that queried 16 or more distinct names in training resolves its
// clients' names: a new one is no finding from its own program; with 15 it
// is; from a shell or a new program's tree it is; a new resolver still is.
TEST(ScorerDnsTest, ANewNameOfAWorkloadThatResolvesItsClientsNamesIsNoFinding) {
  const Endpoint resolver = V4(127, 0, 0, 53, 53);
  std::vector<Event> training;
  for (int i = 0; i < 16; ++i) {
    training.push_back(testing::Dns("relay", 10, resolver, "mx" + std::to_string(i) + ".customer.example"));
  }
  Fingerprint relay = Learn(training);
  training.pop_back();
  Fingerprint few = Learn(training);
  Scorer scorer;
  const Event fresh = testing::Dns("relay", 10, resolver, "mail.newcustomer.example");
  EXPECT_TRUE(scorer.Score(&relay, fresh).empty());
  EXPECT_EQ(scorer.Score(&few, fresh).size(), 1u);
  Event from_shell = fresh;
  from_shell.process.exe = "/usr/bin/dash";
  EXPECT_EQ(scorer.Score(&relay, from_shell).size(), 1u);
  ScoreContext tree;
  tree.hostile_root = "exec /tmp/x";
  EXPECT_EQ(scorer.Score(&relay, fresh, tree).size(), 1u);
  std::vector<Finding> elsewhere =
      scorer.Score(&relay, testing::Dns("relay", 10, V4(192, 0, 2, 53, 53), "mail.newcustomer.example"));
  ASSERT_EQ(elsewhere.size(), 1u);
  EXPECT_EQ(elsewhere[0].subject, "dns 192.0.2.53:53");
}

// A recursive resolver's upstream servers: 8 in one /24 widen to it, so a new
// one there is known; one outside it, or 7 in training, is a new resolver.
TEST(ScorerDnsTest, EightResolversInOneRangeAreAPoolOfUpstreams) {
  auto learn = [](int n) {
    std::vector<Event> training;
    for (int i = 1; i <= n; ++i) {
      training.push_back(testing::Dns("resolver", 10, V4(127, 0, 34, static_cast<uint8_t>(i), 53), "example.test"));
    }
    Fingerprint fp = Learn(training);
    Generalize(&fp);
    return fp;
  };
  Fingerprint pool = learn(8);
  ASSERT_EQ(pool.net_patterns.size(), 1u) << ::testing::PrintToString(pool);
  EXPECT_EQ(pool.net_patterns.begin()->first.address, "127.0.34.0/24");
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&pool, testing::Dns("resolver", 10, V4(127, 0, 34, 23, 53), "example.test")).empty());
  EXPECT_EQ(scorer.Score(&pool, testing::Dns("resolver", 10, V4(127, 0, 35, 1, 53), "example.test")).size(), 1u);
  Fingerprint seven = learn(7);
  EXPECT_TRUE(seven.net_patterns.empty());
  EXPECT_EQ(scorer.Score(&seven, testing::Dns("resolver", 10, V4(127, 0, 34, 23, 53), "example.test")).size(), 1u);
}

Event ExecUnder(const std::string& parent, uint32_t pid, const std::string& exe,
                int64_t time_ns = 1000) {
  Event e = testing::Exec("web", pid, exe, time_ns);
  e.process.parent_exe = parent;
  return e;
}

// An exec of `exe` by pid 9 whose ancestry (parent first) is `ancestry`.
Event ExecAncestry(std::vector<std::string> ancestry, const std::string& exe) {
  Event e = ExecUnder(ancestry.front(), 9, exe);
  e.process.ancestry = std::move(ancestry);
  return e;
}

TEST(ScorerLineageTest, AKnownProgramUnderAnotherParentIsContextButAServiceShellIsNot) {
  // sh and mv were learned under the entrypoint and bash; nginx never started sh.
  Fingerprint fp = Learn({ExecUnder("/docker-entrypoint.sh", 1, "/bin/sh"),
                          ExecUnder("/bin/sh", 2, "/usr/sbin/nginx"),
                          ExecUnder("/usr/bin/bash", 3, "/usr/bin/mv"),
                          ExecUnder("/docker-entrypoint.sh", 4, "/usr/bin/dash"),
                          ExecUnder("/docker-entrypoint.sh", 3, "/bin/sh")});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, ExecUnder("/docker-entrypoint.sh", 9, "/bin/sh")).empty());
  // Another known shell runs a known tool: context.
  EXPECT_TRUE(scorer.Score(&fp, ExecUnder("/usr/bin/dash", 9, "/usr/bin/mv")).empty());
  // The service itself starts a shell: the classic compromise.
  Event e = ExecUnder("/usr/sbin/nginx", 10, "/bin/sh");
  EXPECT_EQ(scorer.Score(&fp, e),
            std::vector<Finding>{Expected(e, FindingKind::kExec, "/usr/sbin/nginx -> /bin/sh",
                                          "executable never run by this parent in training "
                                          "(started by the service itself)",
                                          1.0, Severity::kCritical)});
  // A new executable is one finding, not two.
  Event fresh = ExecUnder("/usr/sbin/nginx", 11, "/usr/bin/wget");
  EXPECT_EQ(scorer.Score(&fp, fresh),
            std::vector<Finding>{Expected(fresh, FindingKind::kExec, "/usr/bin/wget",
                                          "executable never seen in training (network tool)", 0.9,
                                          Severity::kCritical)});
}

// A server and its admin tool run by one interpreter (lua5.4 running
// /usr/bin/prosody or /usr/bin/prosodyctl) are two programs: the admin
// tool's shell is learned for it, never for the server. The interpreter
// started to run the workload's own program (its script learned, or the
// parent's own: a re-exec) is that program, not a shell the service opened;
// with code of its own it is.
TEST(ScorerLineageTest, AnInterpretersServiceAndItsAdminToolAreTwoPrograms) {
  const std::string lua = "/usr/bin/lua5.4", prosody = "/usr/bin/prosody", ctl = "/usr/bin/prosodyctl";
  auto run = [](const std::string& parent, uint32_t pid, const std::string& exe, const std::string& script) {
    Event e = ExecUnder(parent, pid, exe);
    e.process.script = script;
    return e;
  };
  Fingerprint fp = Learn({ExecUnder("/usr/bin/bash", 1, prosody), run("/usr/bin/bash", 1, lua, prosody),
                          ExecUnder("/usr/bin/bash", 2, ctl), run("/usr/bin/bash", 2, lua, ctl),
                          ExecUnder(ctl, 3, "/usr/bin/dash"), ExecUnder("/usr/bin/dash", 3, "/usr/bin/stty")});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, ExecUnder(ctl, 9, "/usr/bin/dash")).empty());
  EXPECT_TRUE(scorer.Score(&fp, run("/usr/bin/bash", 9, lua, prosody)).empty());
  Event shell = ExecUnder(prosody, 10, "/usr/bin/dash");
  std::vector<Finding> got = scorer.Score(&fp, shell);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].subject, prosody + " -> /usr/bin/dash");
  EXPECT_EQ(got[0].severity, Severity::kCritical);
  EXPECT_NE(got[0].reason.find("started by the service itself"), std::string::npos) << got[0].reason;
  // Re-executing itself, or the learned admin tool: its own programs.
  EXPECT_TRUE(scorer.Score(&fp, run(prosody, 11, lua, prosody)).empty());
  EXPECT_TRUE(scorer.Score(&fp, run(prosody, 12, lua, ctl)).empty());
  // The interpreter with code of its own, or a script the workload never ran.
  for (const std::string& script : {std::string(), std::string("/tmp/x.lua")}) {
    got = scorer.Score(&fp, run(prosody, 13, lua, script));
    ASSERT_EQ(got.size(), 1u) << script;
    EXPECT_EQ(got[0].severity, Severity::kCritical) << script;
  }
}

// A baseline stored before lineage named scripts (format 4 and older:
// lineage_by_exe) learned `lua5.4 -> dash` for both programs: after the
// upgrade it still knows that edge from the parent's binary, which the kernel
// reads at the exec, so the admin tool's shells raise nothing until a
// relearn; a baseline learned since does not ask.
TEST(ScorerLineageTest, ABaselineThatNamedInterpretersByBinaryKeepsItsEdges) {
  const std::string lua = "/usr/bin/lua5.4", ctl = "/usr/bin/prosodyctl", dash = "/usr/bin/dash";
  Fingerprint fp = Learn({ExecUnder("/usr/bin/bash", 1, lua), ExecUnder(lua, 2, dash)});
  Event shell = ExecUnder(ctl, 9, dash);
  shell.parent_exe = lua;  // the kernel's
  Scorer scorer;
  ASSERT_FALSE(fp.lineage_by_exe);
  std::vector<Finding> got = scorer.Score(&fp, shell);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kCritical);
  fp.lineage_by_exe = true;
  EXPECT_TRUE(scorer.Score(&fp, shell).empty());
  // Not from another binary.
  shell.parent_exe = "/usr/bin/perl";
  EXPECT_EQ(scorer.Score(&fp, shell).size(), 1u);
}

// A service that runs a shell for a narrow purpose (a cache compiling its
// configuration: varnishd -> sh -> cc) has that shell learned; a program the
// shell never ran there is an injected command: critical. In a script runner
// (a batch job whose shells ran many utilities) the same is one more step.
TEST(ScorerLineageTest, ANewProgramInTheServicesOwnShellIsAnInjectedCommand) {
  Fingerprint fp = Learn({ExecUnder("/usr/bin/bash", 1, "/usr/sbin/varnishd"),
                          ExecAncestry({"/usr/sbin/varnishd", "/usr/bin/bash"}, "/usr/bin/dash"),
                          ExecAncestry({"/usr/bin/dash", "/usr/sbin/varnishd"}, "/usr/bin/cc"),
                          ExecAncestry({"/usr/bin/dash", "/usr/sbin/varnishd"}, "/usr/bin/rm")});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, ExecAncestry({"/usr/bin/dash", "/usr/sbin/varnishd"}, "/usr/bin/cc")).empty());
  std::vector<Finding> got = scorer.Score(&fp, ExecAncestry({"/usr/bin/dash", "/usr/sbin/varnishd"}, "/usr/bin/id"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kCritical);
  EXPECT_EQ(got[0].reason,
            "executable never seen in training (run by a shell the service started, whose shells ran 2 utilities "
            "in training: a command it never ran)");
  // Through a wrapper the same.
  got = scorer.Score(&fp, ExecAncestry({"/usr/bin/dash", "/usr/bin/nohup", "/usr/sbin/varnishd"}, "/usr/bin/id"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kCritical);
  // A shell started by something else (an operator's, the entrypoint's): not this rule.
  got = scorer.Score(&fp, ExecAncestry({"/usr/bin/dash", "/usr/bin/bash"}, "/usr/bin/id"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(got[0].score, 0.9);
  // A script runner: its shells ran 8 or more utilities.
  Fingerprint runner = fp;
  for (const char* u : {"/usr/bin/gzip", "/usr/bin/find", "/usr/bin/sort", "/usr/bin/cut", "/usr/bin/tar",
                        "/usr/bin/date"}) {
    runner.lineage[std::string("/usr/bin/dash -> ") + u] = {};
    runner.executables[u] = {};
  }
  ASSERT_TRUE(ScriptRunnerOf(runner).runs_scripts());
  got = scorer.Score(&runner, ExecAncestry({"/usr/bin/dash", "/usr/sbin/varnishd"}, "/usr/bin/id"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(got[0].score, 0.9);
}

// A utility that scripts start (tar, started by the backup's shell) is no
// service: the shell it runs (GNU tar runs its compressor with `sh -c`) is
// the script's plumbing, and a compressor it never ran there is a new
// program (medium), not an injected command (critical). The same tar started
// by the service itself still is the service's tree.
TEST(ScorerLineageTest, AUtilitysShellIsAScriptsPlumbingNotTheService) {
  Fingerprint fp = Learn({ExecUnder("/usr/bin/bash", 1, "/usr/bin/tar"),
                          ExecAncestry({"/usr/bin/tar"}, "/usr/bin/dash"),
                          ExecAncestry({"/usr/bin/dash", "/usr/bin/tar"}, "/usr/bin/gzip")});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, ExecAncestry({"/usr/bin/dash", "/usr/bin/tar"}, "/usr/bin/gzip")).empty());
  std::vector<Finding> got = scorer.Score(&fp, ExecAncestry({"/usr/bin/dash", "/usr/bin/tar"}, "/usr/bin/xz"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kMedium) << got[0].reason;
  got = scorer.Score(&fp, ExecAncestry({"/usr/bin/dash", "/usr/bin/tar", "/usr/bin/bash"}, "/usr/bin/xz"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kMedium) << got[0].reason;
  // A tar no shell ever started (the service's own program in /usr/bin).
  Fingerprint service = Learn({ExecUnder("/usr/lib/systemd/systemd", 1, "/usr/bin/tar"),
                               ExecAncestry({"/usr/bin/tar"}, "/usr/bin/dash"),
                               ExecAncestry({"/usr/bin/dash", "/usr/bin/tar"}, "/usr/bin/gzip")});
  got = scorer.Score(&service, ExecAncestry({"/usr/bin/dash", "/usr/bin/tar"}, "/usr/bin/xz"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kCritical) << got[0].reason;
}

// Command wrappers (nice, flock, timeout, ...) run their argument and do
// nothing else: a program run through them was started by whoever started the
// wrapper. The job's shell under `flock ... nice` is the job's shell as
// learned; a new wrapper is low; the service starting a shell through a
// wrapper is still the service starting a shell; a shell under wrappers
// whose starter is unknown (reparented) is context, as a wrapper is no service.
TEST(ScorerLineageTest, CommandWrappersAreTransparentForWhoStartedAProgram) {
  Fingerprint fp = Learn({ExecUnder("/usr/bin/bash", 1, "/usr/bin/dash"), ExecUnder("/bin/sh", 2, "/usr/sbin/nginx"),
                          ExecUnder("/usr/bin/bash", 3, "/usr/bin/bash")});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, ExecAncestry({"/usr/bin/nice", "/usr/bin/flock", "/usr/bin/bash"}, "/usr/bin/dash")).empty());
  // The wrapper itself, new: low, whoever started it.
  Event nice = ExecAncestry({"/usr/bin/flock", "/usr/bin/bash"}, "/usr/bin/nice");
  std::vector<Finding> got = scorer.Score(&fp, nice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kLow);
  EXPECT_NE(got[0].reason.find("a command wrapper"), std::string::npos) << got[0].reason;
  // nginx -> nice -> sh is nginx starting a shell.
  got = scorer.Score(&fp, ExecAncestry({"/usr/bin/nice", "/usr/sbin/nginx", "/bin/sh"}, "/usr/bin/dash"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].subject, "/usr/bin/nice -> /usr/bin/dash");
  EXPECT_EQ(got[0].severity, Severity::kCritical);
  EXPECT_NE(got[0].reason.find("started by the service itself"), std::string::npos) << got[0].reason;
  // Wrappers all the way up (the starter gone): context.
  EXPECT_TRUE(scorer.Score(&fp, ExecAncestry({"/usr/bin/nice", "/usr/bin/flock"}, "/usr/bin/dash")).empty());
  // A privilege changer is no wrapper: setpriv is an intruder's tool, and the
  // shell it runs is judged under it.
  got = scorer.Score(&fp, ExecAncestry({"/usr/sbin/nginx"}, "/usr/bin/setpriv"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GE(got[0].severity, Severity::kMedium);
}

TEST(ScorerLineageTest, RarityRaisesDriftButNeverCreatesIt) {
  std::vector<Event> training;
  for (int i = 0; i < 1000; ++i) training.push_back(testing::Open("web", 2, "/srv/a", kAccessRead));
  training.push_back(ExecUnder("/docker-entrypoint.sh", 1, "/bin/sh"));  // once, one process
  training.push_back(testing::Open("web", 2, "/srv/once", kAccessRead));
  Fingerprint fp = Learn(training);
  for (auto& [path, stats] : fp.files) stats.processes = 1;
  fp.executables.at("/bin/sh").processes = 1;
  fp.training.events = training.size();
  Scorer scorer;
  // Seen once is still known.
  EXPECT_TRUE(scorer.Score(&fp, ExecUnder("/docker-entrypoint.sh", 7, "/bin/sh")).empty());
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("web", 7, "/srv/once", kAccessRead)).empty());
  // But drift that involves it weighs more.
  Event w = testing::Open("web", 10, "/srv/once", kAccessWrite);
  EXPECT_EQ(scorer.Score(&fp, w),
            std::vector<Finding>{Expected(w, FindingKind::kFile, "/srv/once",
                                          "write to a file only read in training "
                                          "(seen once in training)",
                                          0.3, Severity::kLow)});
  // In a short training, once means nothing.
  fp.training.events = 10;
  EXPECT_EQ(scorer.Score(&fp, w)[0].score, 0.27);
}

TEST(ScorerPatternTest, ReadLearnedPatternsDoNotAbsolveWrites) {
  std::vector<Event> training;
  for (int i = 0; i < 20; ++i) {
    training.push_back(
        testing::Open("web", 10, "/srv/data/part-" + std::to_string(i) + ".csv", kAccessRead));
  }
  Fingerprint fp = Learn(training);
  Generalize(&fp);
  ASSERT_EQ(fp.file_patterns.count("/srv/data/*"), 1u);
  Scorer scorer;
  EXPECT_TRUE(
      scorer.Score(&fp, testing::Open("web", 10, "/srv/data/new.csv", kAccessRead)).empty());
  Event w = testing::Open("web", 10, "/srv/data/new.csv", kAccessWrite | kAccessCreate);
  EXPECT_EQ(scorer.Score(&fp, w),
            std::vector<Finding>{Expected(w, FindingKind::kFile, "/srv/data/new.csv",
                                          "write to a file only read in training "
                                          "(pattern /srv/data/*)",
                                          0.27, Severity::kLow)});
  // Deeper paths are not covered by a one-level pattern.
  EXPECT_EQ(scorer.Score(&fp, testing::Open("web", 10, "/srv/data/x/y.csv", kAccessRead)).size(),
            1u);
}

TEST(ScorerPatternTest, CredentialsStayFindingsWhateverWasGeneralized) {
  std::vector<Event> training;
  for (int i = 0; i < 300; ++i) {
    training.push_back(testing::Open("web", 10, "/etc/conf" + std::to_string(i), kAccessRead));
    training.push_back(testing::Open("web", 10, "/home/app/f" + std::to_string(i), kAccessRead));
    training.push_back(testing::Open(
        "web", 10, "/var/run/secrets/kubernetes.io/serviceaccount/f" + std::to_string(i),
        kAccessRead));
  }
  Fingerprint fp = Learn(training);
  GeneralizeOptions o;
  o.item_budget = 10;  // as much pressure as there can be
  Generalize(&fp, o);
  EXPECT_EQ(fp.file_patterns.count("/home/app/*"), 1u);
  Scorer scorer;
  for (const char* path : {"/etc/shadow", "/var/run/secrets/kubernetes.io/serviceaccount/token",
                           "/home/app/.ssh/authorized_keys"}) {
    std::vector<Finding> got = scorer.Score(&fp, testing::Open("web", 10, path, kAccessRead));
    ASSERT_EQ(got.size(), 1u) << path;
    EXPECT_EQ(got[0].severity, Severity::kCritical) << path;
    EXPECT_EQ(got[0].reason, "file never seen in training (credential file)") << path;
  }
}

// A pod's service-account token and mounted ConfigMaps live in a directory
// Kubernetes names by time ("..2026_12_05_21_08_20.<random>"), another one in
// every pod and after every rotation: a later pod of the same Deployment
// reading its own token reads what training read (model/normalize.h's <ts>).
TEST(ScorerPatternTest, AnotherPodsTokenDirectoryIsTheSameToken) {
  const std::string sa = "/var/run/secrets/kubernetes.io/serviceaccount/";
  std::vector<Event> training = {
      testing::Exec("web", 10, "/usr/sbin/app"),
      testing::Open("web", 10, sa + "..2026_12_05_09_14_27.3141592653/token", kAccessRead),
      testing::Open("web", 10, "/etc/app/..2026_12_05_09_14_27.2718281828/app.yaml", kAccessRead)};
  Fingerprint fp = Learn(training);
  Scorer scorer;
  for (const std::string& path : {sa + "..2026_12_06_17_02_51.1618033988/token",
                                  sa + "..2026_12_06_18_02_51.57721/token",
                                  std::string("/etc/app/..2026_12_06_17_02_51.1414213562/app.yaml")}) {
    EXPECT_TRUE(scorer.Score(&fp, testing::Open("web", 10, path, kAccessRead)).empty()) << path;
  }
  // What training never read there is still a credential read.
  std::vector<Finding> got =
      scorer.Score(&fp, testing::Open("web", 10, sa + "..2026_12_06_17_02_51.1618033988/namespace", kAccessRead));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kCritical);
}

TEST(ScorerPatternTest, PeersInALearnedRangeAreKnown) {
  std::vector<Event> training;
  for (uint8_t i = 1; i <= 8; ++i)
    training.push_back(testing::Connect("web", 10, V4(10, 1, 0, i, 5432)));
  Fingerprint fp = Learn(training);
  Generalize(&fp);
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, testing::Connect("web", 10, V4(10, 1, 0, 77, 5432))).empty());
  // Same range, another port: not covered, but a known subnet.
  Event other = testing::Connect("web", 10, V4(10, 1, 0, 77, 22));
  EXPECT_EQ(scorer.Score(&fp, other)[0].reason, "new outbound peer (known subnet)");
}

// A new address of a name the workload resolved in training, on a port it
// connects out on, is the same service (a failover, a round-robin record);
// another name, another port, a shell's connection or a new program's tree
// is not.
TEST(ScorerDnsTest, ANewAddressOfALearnedNameOnALearnedPortIsKnown) {
  Fingerprint fp = Learn(Training());  // db.internal queried; 10.0.0.7:5432 reached
  Scorer scorer;
  Event moved = testing::Connect("web", 10, V4(203, 0, 113, 9, 5432));
  EXPECT_TRUE(scorer.Score(&fp, moved, {.queried_name = "db.internal"}).empty());
  EXPECT_EQ(scorer.Score(&fp, moved).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, moved, {.queried_name = "evil.example"}).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Connect("web", 10, V4(203, 0, 113, 9, 22)), {.queried_name = "db.internal"}).size(),
            1u);
  Event shell = moved;
  shell.process.exe = "/usr/bin/bash";
  auto from_shell = scorer.Score(&fp, shell, {.queried_name = "db.internal"});
  ASSERT_EQ(from_shell.size(), 1u);
  EXPECT_EQ(from_shell[0].severity, Severity::kCritical);
  auto in_tree = scorer.Score(&fp, moved, {.queried_name = "db.internal", .hostile_root = "exec /usr/bin/x"});
  ASSERT_EQ(in_tree.size(), 1u);
  EXPECT_EQ(in_tree[0].severity, Severity::kCritical);
}

// A connect to the workload's own listening socket (an exec probe's client,
// its admin CLI) reaches the workload itself; another loopback port, a
// non-loopback address, a shell's connection or a new program's tree does not.
TEST(ScorerNetworkTest, AConnectToTheWorkloadsOwnListenerIsNoFinding) {
  Fingerprint fp = Learn({testing::Listen("db", 10, V4(127, 0, 0, 1, 6379)),
                          testing::Listen("db", 10, V4(0, 0, 0, 0, 9121))});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, testing::Connect("db", 20, V4(127, 0, 0, 1, 6379))).empty());
  EXPECT_TRUE(scorer.Score(&fp, testing::Connect("db", 20, V4(127, 0, 0, 1, 9121))).empty());
  EXPECT_EQ(scorer.Score(&fp, testing::Connect("db", 20, V4(127, 0, 0, 2, 6379))).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Connect("db", 20, V4(127, 0, 0, 1, 6380))).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Connect("db", 20, V4(10, 0, 0, 5, 9121))).size(), 1u);
  Event shell = testing::Connect("db", 20, V4(127, 0, 0, 1, 6379));
  shell.process.exe = "/usr/bin/nc.openbsd";
  EXPECT_EQ(scorer.Score(&fp, shell).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Connect("db", 20, V4(127, 0, 0, 1, 6379)), {.hostile_root = "exec /x"}).size(),
            1u);
}

// A UDP server's answers are inbound UDP flows (bpf/events.h): a new client
// of its port is its audience, as for TCP; another port, or the port over
// TCP, is news. A new outbound UDP peer is a finding that names the protocol.
TEST(ScorerNetworkTest, AUdpServersNewClientsAreItsAudience) {
  auto udp = [](Event e) {
    e.protocol = kProtocolUdp;
    return e;
  };
  Fingerprint fp = Learn({udp(testing::Accept("dns", 10, V4(127, 0, 0, 1, 21053), V4(127, 0, 0, 2, 40000))),
                          udp(testing::Connect("dns", 10, V4(127, 0, 0, 9, 8125)))});
  Scorer scorer;
  EXPECT_TRUE(
      scorer.Score(&fp, udp(testing::Accept("dns", 11, V4(127, 0, 0, 1, 21053), V4(10, 1, 2, 3, 50000)))).empty());
  EXPECT_EQ(scorer.Score(&fp, udp(testing::Accept("dns", 11, V4(127, 0, 0, 1, 21054), V4(127, 0, 0, 2, 40000)))).size(),
            1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Accept("dns", 11, V4(127, 0, 0, 1, 21053), V4(127, 0, 0, 2, 40000))).size(), 1u);
  EXPECT_TRUE(scorer.Score(&fp, udp(testing::Connect("dns", 11, V4(127, 0, 0, 9, 8125)))).empty());
  EXPECT_EQ(scorer.Score(&fp, testing::Connect("dns", 11, V4(127, 0, 0, 9, 8125))).size(), 1u);
  auto out = scorer.Score(&fp, udp(testing::Connect("dns", 11, V4(203, 0, 113, 7, 4444))));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].subject, "udp 203.0.113.7:4444");
  EXPECT_GE(out[0].severity, Severity::kMedium);
}

// An FTP-like workload (testing::PortHabitTraining).
Fingerprint PortHabitsTraining() { return Learn(testing::PortHabitTraining("ftp")); }

TEST(ScorerNetworkTest, ACallbackToAClientsEphemeralPortIsAHabitWhenTrainingMadeThem) {
  Fingerprint fp = PortHabitsTraining();
  const PortHabits habits = PortHabitsOf(fp);
  EXPECT_EQ(habits.callbacks, 8u);
  Scorer scorer;
  const Event back = testing::Connect("ftp", 12, V4(127, 0, 21, 75, 41234));
  EXPECT_TRUE(scorer.Score(&fp, back, {.peer_is_client = true}).empty()) << "a client of this run";
  EXPECT_TRUE(scorer.Score(&fp, testing::Connect("ftp", 12, V4(127, 0, 0, 3, 50001))).empty())
      << "a learned client";
  EXPECT_EQ(scorer.Score(&fp, back).size(), 1u) << "an address that never connected in";
  EXPECT_EQ(scorer.Score(&fp, testing::Connect("ftp", 12, V4(127, 0, 21, 75, 4444)), {.peer_is_client = true}).size(),
            1u)
      << "not an ephemeral port";
  Event shell = back;
  shell.process.exe = "/usr/bin/bash";
  EXPECT_EQ(scorer.Score(&fp, shell, {.peer_is_client = true}).size(), 1u) << "a shell's connection";
  EXPECT_EQ(scorer.Score(&fp, back, {.hostile_root = "exec /x", .peer_is_client = true}).size(), 1u)
      << "a new program's tree";
  // Without the habit (fewer than 8 callbacks in training) a client is no excuse.
  Fingerprint few = Learn({testing::Exec("ftp", 10, "/usr/sbin/app"),
                           testing::Accept("ftp", 11, V4(127, 0, 0, 1, 2121), V4(127, 0, 0, 3, 40000)),
                           testing::Connect("ftp", 11, V4(127, 0, 0, 3, 33000))});
  EXPECT_EQ(PortHabitsOf(few).callbacks, 0u);
  EXPECT_EQ(scorer.Score(&few, back, {.peer_is_client = true}).size(), 1u);
}

TEST(ScorerNetworkTest, ANewPortOfAWorkloadThatListensAsItGoesIsLow) {
  Fingerprint fp = PortHabitsTraining();
  const PortHabits habits = PortHabitsOf(fp);
  EXPECT_EQ(habits.transient_listens, 9u);  // 2121 and the eight data ports
  Scorer scorer;
  const Event listen = testing::Listen("ftp", 12, V4(127, 0, 0, 1, 12150));
  std::vector<Finding> got = scorer.Score(&fp, listen);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kLow);
  EXPECT_NE(got[0].reason.find("it opens listening ports as it goes"), std::string::npos) << got[0].reason;
  // Its clients there are its audience.
  EXPECT_TRUE(scorer.Score(&fp, testing::Accept("ftp", 12, V4(127, 0, 0, 1, 12150), V4(127, 0, 21, 7, 40000))).empty());
  // Another address, a shell or interpreter, a new program's tree: as before.
  EXPECT_GE(scorer.Score(&fp, testing::Listen("ftp", 12, V4(0, 0, 0, 0, 12150)))[0].severity, Severity::kHigh);
  Event perl = listen;
  perl.process.exe = "/usr/bin/perl";
  EXPECT_EQ(scorer.Score(&fp, perl)[0].severity, Severity::kCritical);
  EXPECT_EQ(scorer.Score(&fp, listen, {.hostile_root = "exec /x"})[0].severity, Severity::kCritical);
  // A workload with a few fixed ports has no such habit.
  Fingerprint fixed = Learn({testing::Exec("web", 10, "/usr/sbin/app"), testing::Listen("web", 10, V4(127, 0, 0, 1, 8080)),
                             testing::Listen("web", 10, V4(127, 0, 0, 1, 8443))});
  EXPECT_EQ(scorer.Score(&fixed, testing::Listen("web", 12, V4(127, 0, 0, 1, 12150)))[0].severity, Severity::kMedium);
}

// A workload that listened on ports the kernel chose (ephemeral range, a bind
// to port 0) in training, three or more: another such port on a learned
// address from its own program is low; a fixed port, another address, a shell
// or a new program's tree are judged as before; two are no habit.
TEST(ScorerNetworkTest, AnotherKernelChosenPortIsLowWhenTrainingListenedOnSeveral) {
  std::vector<Event> training = {testing::Exec("cache", 10, "/usr/sbin/app"),
                                 testing::Listen("cache", 10, V4(127, 0, 0, 1, 6081))};
  for (uint16_t port : {34477, 37423, 41417}) training.push_back(testing::Listen("cache", 10, V4(0, 0, 0, 0, port)));
  Fingerprint fp = Learn(training);
  EXPECT_EQ(PortHabitsOf(fp).kernel_port_listens, 3u);
  EXPECT_EQ(PortHabitsOf(fp).transient_listens, 0u);
  Scorer scorer;
  const Event listen = testing::Listen("cache", 12, V4(0, 0, 0, 0, 36309));
  std::vector<Finding> got = scorer.Score(&fp, listen);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kLow);
  EXPECT_NE(got[0].reason.find("a port the kernel chose"), std::string::npos) << got[0].reason;
  EXPECT_GE(scorer.Score(&fp, testing::Listen("cache", 12, V4(0, 0, 0, 0, 14445)))[0].severity, Severity::kHigh);
  EXPECT_GE(scorer.Score(&fp, testing::Listen("cache", 12, V4(10, 0, 0, 1, 36309)))[0].severity, Severity::kHigh);
  Event perl = listen;
  perl.process.exe = "/usr/bin/perl";
  EXPECT_EQ(scorer.Score(&fp, perl)[0].severity, Severity::kCritical);
  EXPECT_GE(scorer.Score(&fp, listen, {.hostile_root = "exec /x"})[0].severity, Severity::kHigh);
  training.pop_back();
  Fingerprint two = Learn(training);
  EXPECT_EQ(PortHabitsOf(two).kernel_port_listens, 0u);
  EXPECT_GE(scorer.Score(&two, listen)[0].severity, Severity::kHigh);
}

// A credential file the workload's own login process reads is learned; the
// same file opened in a new program's tree is the intruder's.
TEST(ScorerFileTest, ALearnedCredentialOpenedInANewProgramsTreeIsCritical) {
  Fingerprint fp = Learn({testing::Exec("ftp", 10, "/usr/sbin/app"),
                          testing::Open("ftp", 10, "/etc/shadow", kAccessRead)});
  Scorer scorer;
  const Event read = testing::Open("ftp", 20, "/etc/shadow", kAccessRead);
  EXPECT_TRUE(scorer.Score(&fp, read).empty());
  std::vector<Finding> got = scorer.Score(&fp, read, {.hostile_root = "exec /usr/bin/dash"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kCritical);
  EXPECT_NE(got[0].reason.find("credential file the workload's own programs opened in training"), std::string::npos)
      << got[0].reason;
  // A shell in an incident (an SSH server's users' shell an intruder uses:
  // known, but it just started new programs) opening it, even failing, too.
  Event failed = testing::Open("ftp", 21, "/etc/shadow", kAccessRead, 1000, -13);
  failed.process.exe = "/usr/bin/dash";
  EXPECT_TRUE(scorer.Score(&fp, failed).empty());
  got = scorer.Score(&fp, failed, {.suspect_shell = true});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].severity, Severity::kCritical);
  EXPECT_NE(got[0].reason.find("opened by a shell in an incident"), std::string::npos) << got[0].reason;
  // Another learned file there stays known.
  fp = Learn({testing::Open("ftp", 10, "/etc/vsftpd.conf", kAccessRead)});
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("ftp", 20, "/etc/vsftpd.conf", kAccessRead),
                           {.hostile_root = "exec /usr/bin/dash"})
                  .empty());
}

TEST(ScorerDnsTest, AnotherQueriedNameIsMentionedAndChangesNothingElse) {
  Fingerprint fp = Learn(Training());
  Scorer scorer;
  Event peer = testing::Connect("web", 10, V4(203, 0, 113, 5, 443));
  EXPECT_EQ(scorer.Score(&fp, peer, {.queried_name = "db.internal"}),
            std::vector<Finding>{Expected(peer, FindingKind::kNetwork, "203.0.113.5:443",
                                          "new outbound peer (outside every known subnet; "
                                          "after DNS query for db.internal)",
                                          0.7, Severity::kHigh)});
  // A known peer stays silent whatever the name.
  EXPECT_TRUE(scorer.Score(&fp, testing::Connect("web", 10, V4(10, 0, 0, 7, 5432)), {.queried_name = "x"}).empty());
}

TEST(ScorerHelperTest, RuntimeHelpersRaiseNothing) {
  Fingerprint fp = Learn(Training());
  Scorer scorer;
  Event runc = testing::Exec("web", 50, "/usr/bin/runc");
  Event shim = testing::Open("web", 51, "/etc/shadow", kAccessRead);
  shim.process.exe = "/usr/bin/containerd-shim-runc-v2";
  Event init = testing::Open("web", 52, "/proc/self/fd/5", kAccessWrite);
  init.process.exe = "/memfd:runc_cloned:/proc/self/exe (deleted)";
  init.comm = "runc:[2:INIT]";
  for (const Event& e : {runc, shim, init}) EXPECT_TRUE(scorer.Score(&fp, e).empty());
  // A look-alike in /tmp, or a comm alone, is no helper.
  EXPECT_EQ(scorer.Score(&fp, testing::Exec("web", 53, "/tmp/runc")).size(), 1u);
  Event renamed = testing::Open("web", 54, "/etc/shadow", kAccessRead);
  renamed.comm = "runc:[2:INIT]";
  EXPECT_EQ(scorer.Score(&fp, renamed).size(), 1u);
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

// Syscalls: drift only against a baseline that learned syscalls; severity
// by what the syscall gives an attacker.
TEST(ScorerSyscallTest, UnknownSyscallIsAFindingKnownOneIsNot) {
  Fingerprint fp = Learn({testing::Syscall("web", 10, "openat", 257),
                          testing::Syscall("web", 10, "read", 0)});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, testing::Syscall("web", 11, "openat", 257)).empty());
  Event e = testing::Syscall("web", 11, "getcpu", 309);
  EXPECT_EQ(scorer.Score(&fp, e),
            std::vector<Finding>{Expected(e, FindingKind::kSyscall, "getcpu",
                                          "syscall never used in training", 0.5, Severity::kMedium)});
}

TEST(ScorerSyscallTest, AttackerSyscallsRankHighOrCritical) {
  Fingerprint fp = Learn({testing::Syscall("web", 10, "read", 0)});
  Scorer scorer;
  Event personality = testing::Syscall("web", 11, "personality", 135);
  EXPECT_EQ(scorer.Score(&fp, personality),
            std::vector<Finding>{Expected(personality, FindingKind::kSyscall, "personality",
                                          "syscall never used in training "
                                          "(escape, evasion or persistence)",
                                          0.8, Severity::kHigh)});
  Event ptrace = testing::Syscall("web", 11, "ptrace", 101);
  EXPECT_EQ(scorer.Score(&fp, ptrace),
            std::vector<Finding>{Expected(ptrace, FindingKind::kSyscall, "ptrace",
                                          "syscall never used in training "
                                          "(tampers with processes or the kernel)",
                                          1.0, Severity::kCritical)});
  for (const char* name : {"mount", "unshare", "setns", "memfd_create", "chroot", "keyctl"}) {
    auto f = scorer.Score(&fp, testing::Syscall("web", 11, name));
    ASSERT_EQ(f.size(), 1u) << name;
    EXPECT_EQ(f[0].severity, Severity::kHigh) << name;
  }
  for (const char* name : {"bpf", "init_module", "finit_module", "kexec_load",
                           "process_vm_writev", "open_by_handle_at"}) {
    auto f = scorer.Score(&fp, testing::Syscall("web", 11, name));
    ASSERT_EQ(f.size(), 1u) << name;
    EXPECT_EQ(f[0].severity, Severity::kCritical) << name;
  }
}

// What training watched decides which syscalls a baseline can judge: a
// baseline that watched only the sentinels (no --syscalls) judges those,
// learned or not, and says nothing of others; one that watched none, nothing.
TEST(ScorerSyscallTest, ABaselineJudgesOnlyTheSyscallsItsTrainingWatched) {
  Fingerprint sentinels = Learn({testing::Exec("web", 10, "/usr/sbin/nginx")});
  sentinels.syscall_watch = SyscallWatch::kSentinels;
  ASSERT_TRUE(sentinels.syscalls.empty());
  Scorer scorer;
  Event ptrace = testing::Syscall("web", 11, "ptrace", 101);
  auto f = scorer.Score(&sentinels, ptrace);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].subject, "ptrace");
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  EXPECT_TRUE(scorer.Score(&sentinels, testing::Syscall("web", 11, "getcpu", 309)).empty());
  EXPECT_TRUE(scorer.Score(&sentinels, testing::Syscall("web", 11, "openat", 257)).empty());
  // A sentinel the workload used in training is known.
  sentinels.syscalls["unshare"] = {};
  EXPECT_TRUE(scorer.Score(&sentinels, testing::Syscall("web", 11, "unshare", 272)).empty());
  EXPECT_EQ(scorer.Score(&sentinels, testing::Syscall("web", 11, "setns", 308)).size(), 1u);

  // systemd's child setting up a unit's sandbox before it execs the service
  // is the service manager, not the workload.
  Event setup = testing::Syscall("web", 12, "keyctl", 250);
  setup.process.exe = "/usr/lib/systemd/systemd";
  EXPECT_TRUE(scorer.Score(&sentinels, setup).empty());
  setup.process.exe = "/usr/sbin/nginx";
  EXPECT_EQ(scorer.Score(&sentinels, setup).size(), 1u);

  Fingerprint none = sentinels;
  none.syscall_watch = SyscallWatch::kNone;
  EXPECT_TRUE(scorer.Score(&none, ptrace).empty());
  // kAll without a learned syscall (a baseline from before the field, trained
  // without --syscalls) is none.
  Fingerprint legacy = Learn({testing::Exec("web", 10, "/usr/sbin/nginx")});
  ASSERT_EQ(legacy.syscall_watch, SyscallWatch::kAll);
  EXPECT_EQ(EffectiveSyscallWatch(legacy), SyscallWatch::kNone);
  EXPECT_TRUE(scorer.Score(&legacy, ptrace).empty());
}

// The sentinels the collector hooks one by one are exactly the syscalls the
// scorer ranks as escaping, hiding or tampering.
TEST(ScorerSyscallTest, SentinelsAreTheEvasiveAndTamperingSyscalls) {
  for (const collector::SentinelSyscall& s : collector::SentinelSyscalls()) {
    EXPECT_TRUE(IsEvasiveSyscall(s.name) || IsTamperingSyscall(s.name)) << s.name;
    EXPECT_TRUE(s.tracepoint.starts_with("sys_enter_")) << s.tracepoint;
  }
  size_t dangerous = 0;
  for (uint32_t nr = 0; nr < DW_SYSCALL_MAX; ++nr) {
    const std::string name = collector::SyscallName(nr);
    if (!IsEvasiveSyscall(name) && !IsTamperingSyscall(name)) continue;
    ++dangerous;
    EXPECT_TRUE(collector::IsSentinelSyscall(name)) << name;
  }
  EXPECT_GE(dangerous, 20u);  // this ABI's numbers name most of them
}

// The workload's own program making a syscall of a group it never used runs
// a code path training did not (crash recovery, a rare request): low. A
// program it never ran, a syscall in no group (privilege) or a dangerous one,
// and a new program's tree are scored as before.
TEST(ScorerSyscallTest, TheWorkloadsOwnProgramOnANewCodePathIsLow) {
  Fingerprint fp = Learn({testing::Exec("web", 10, "/usr/sbin/app"), testing::Syscall("web", 10, "read", 0)});
  Scorer scorer;
  auto chown = scorer.Score(&fp, testing::Syscall("web", 11, "chown", 92));
  ASSERT_EQ(chown.size(), 1u);
  EXPECT_EQ(chown[0].severity, Severity::kLow);
  EXPECT_EQ(chown[0].reason,
            "syscall never used in training (the workload's own program, an ordinary syscall group)");
  auto setuid = scorer.Score(&fp, testing::Syscall("web", 11, "setuid", 105));
  ASSERT_EQ(setuid.size(), 1u);
  EXPECT_EQ(setuid[0].severity, Severity::kMedium);
  auto ptrace = scorer.Score(&fp, testing::Syscall("web", 11, "ptrace", 101));
  ASSERT_EQ(ptrace.size(), 1u);
  EXPECT_EQ(ptrace[0].severity, Severity::kCritical);
  Event other = testing::Syscall("web", 11, "chown", 92);
  other.process.exe = "/usr/bin/perl";
  auto by_other = scorer.Score(&fp, other);
  ASSERT_EQ(by_other.size(), 1u);
  EXPECT_EQ(by_other[0].severity, Severity::kMedium);
  ScoreContext tree;
  tree.hostile_root = "exec /bin/sh";
  auto in_tree = scorer.Score(&fp, testing::Syscall("web", 11, "chown", 92), tree);
  ASSERT_EQ(in_tree.size(), 1u);
  EXPECT_EQ(in_tree[0].severity, Severity::kHigh);
}

// A syscall of a group the workload used (model/syscall_groups.h) is another
// entry point to a power it has; a new group, a dangerous syscall or a new
// program's tree still count.
TEST(ScorerSyscallTest, ASyscallOfALearnedGroupIsNoFinding) {
  Fingerprint fp = Learn({testing::Syscall("web", 10, "write", 1), testing::Syscall("web", 10, "mkdir", 83),
                          testing::Syscall("web", 10, "rt_sigaction", 13),
                          testing::Syscall("web", 10, "setns", 308)});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, testing::Syscall("web", 11, "writev", 20)).empty());
  EXPECT_TRUE(scorer.Score(&fp, testing::Syscall("web", 11, "rmdir", 84)).empty());
  EXPECT_EQ(SyscallGroup("rmdir"), "file-system");
  EXPECT_EQ(LearnedGroupMember(fp.syscalls, "rmdir"), "mkdir");
  // An allow-list agrees: every syscall the scorer passes is in it.
  std::vector<std::string> allowed = WithLearnedGroups(fp.syscalls);
  for (const char* name :
       {"write", "writev", "rmdir", "setns", "rt_sigaction", "sigaltstack", "clock_nanosleep", "epoll_wait"}) {
    EXPECT_TRUE(std::binary_search(allowed.begin(), allowed.end(), name)) << name;
  }
  for (const char* name : {"socket", "kill", "unshare", "chown"}) {
    EXPECT_FALSE(std::binary_search(allowed.begin(), allowed.end(), name)) << name;
  }
  // A new group: the workload never used the network.
  auto socket = scorer.Score(&fp, testing::Syscall("web", 11, "socket", 41));
  ASSERT_EQ(socket.size(), 1u);
  EXPECT_EQ(socket[0].severity, Severity::kMedium);
  // Handling signals is not sending them; making processes is.
  EXPECT_EQ(scorer.Score(&fp, testing::Syscall("web", 11, "kill", 62)).size(), 1u);
  Fingerprint manager = Learn({testing::Syscall("web", 10, "clone", 56)});
  EXPECT_TRUE(scorer.Score(&manager, testing::Syscall("web", 11, "kill", 62)).empty());
  // A harmless group (waits, sleeps, syncs) gives no power outside the
  // process: no finding, though no member was learned; in a new program's
  // tree it is one.
  EXPECT_EQ(LearnedGroupMember(fp.syscalls, "clock_nanosleep"), "");
  EXPECT_TRUE(scorer.Score(&fp, testing::Syscall("web", 11, "clock_nanosleep", 230)).empty());
  EXPECT_TRUE(scorer.Score(&fp, testing::Syscall("web", 11, "fdatasync", 75)).empty());
  ScoreContext tree;
  tree.hostile_root = "exec /tmp/x";
  auto sleep = scorer.Score(&fp, testing::Syscall("web", 11, "clock_nanosleep", 230), tree);
  ASSERT_EQ(sleep.size(), 1u);
  EXPECT_GE(sleep[0].severity, Severity::kLow);
  // Evasive and tampering syscalls are never absolved by a group, and a
  // learned one does not absolve its neighbours.
  EXPECT_EQ(SyscallGroup("unshare"), "");
  EXPECT_EQ(scorer.Score(&fp, testing::Syscall("web", 11, "unshare", 272)).size(), 1u);
  // In a new program's tree, even a learned group's syscall is news.
  ScoreContext hostile;
  hostile.hostile_root = "/tmp/x";
  EXPECT_EQ(scorer.Score(&fp, testing::Syscall("web", 11, "writev", 20), hostile).size(), 1u);
}

// A pattern covers the workload's own writes; a new program's tree writing
// under it is judged on exact items (an encryptor in the data directory).
TEST(ScorerContextTest, ANewProgramsWriteUnderAPatternIsAFinding) {
  Fingerprint fp = Learn({testing::Open("web", 10, "/srv/data/users.tbl", kAccessRead | kAccessWrite)});
  Generalization g;
  g.stats.access = kAccessRead | kAccessWrite | kAccessCreate;
  fp.file_patterns["/srv/data/*"] = g;
  Scorer scorer;
  const uint8_t create = kAccessWrite | kAccessCreate;
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("web", 10, "/srv/data/orders.tbl", create)).empty());
  ScoreContext hostile;
  hostile.hostile_root = "exec /usr/bin/dash";
  auto write = scorer.Score(&fp, testing::Open("web", 66, "/srv/data/orders.tbl.enc", create), hostile);
  ASSERT_EQ(write.size(), 1u);
  EXPECT_GE(write[0].severity, Severity::kMedium);
  EXPECT_NE(write[0].reason.find("covers the workload's own writes only"), std::string::npos)
      << write[0].reason;
  // Reading what the pattern covers stays known, and so does the exact item.
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("web", 66, "/srv/data/orders.tbl", kAccessRead), hostile).empty());
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("web", 66, "/srv/data/users.tbl", kAccessWrite), hostile).empty());
}

// A new program beside the workload's own (its suite: psql beside postgres,
// redis-cli beside redis-server, mariadb-dump in bin beside mariadbd in sbin) is low; a stranger in a shared directory, a
// shell among siblings, or a sibling in a new program's tree is not.
TEST(ScorerExecTest, ASiblingOfTheWorkloadsProgramIsLow) {
  Fingerprint fp = Learn({testing::Exec("db", 10, "/usr/lib/postgresql/15/bin/postgres"),
                          testing::Exec("db", 11, "/usr/bin/redis-server")});
  Scorer scorer;
  auto own_dir = scorer.Score(&fp, testing::Exec("db", 12, "/usr/lib/postgresql/15/bin/pg_ctl"));
  ASSERT_EQ(own_dir.size(), 1u);
  EXPECT_EQ(own_dir[0].severity, Severity::kLow);
  EXPECT_NE(own_dir[0].reason.find("a sibling of the workload's own /usr/lib/postgresql/15/bin/postgres"),
            std::string::npos)
      << own_dir[0].reason;
  auto stem = scorer.Score(&fp, testing::Exec("db", 12, "/usr/bin/redis-cli"));
  ASSERT_EQ(stem.size(), 1u);
  EXPECT_EQ(stem[0].severity, Severity::kLow);
  // A daemon's clients: its name less the "d", and sbin's bin twin.
  Fingerprint daemon = Learn({testing::Exec("db", 10, "/usr/sbin/mariadbd")});
  for (const char* client : {"/usr/bin/mariadb-dump", "/usr/sbin/mariadb-upgrade", "/usr/bin/mariadb"}) {
    auto kin = scorer.Score(&daemon, testing::Exec("db", 12, client));
    ASSERT_EQ(kin.size(), 1u) << client;
    EXPECT_EQ(kin[0].severity, Severity::kLow) << client << ": " << kin[0].reason;
  }
  for (const char* other : {"/usr/bin/mysqlx", "/usr/local/bin/mariadb-dump", "/usr/bin/gzip", "/usr/bin/mar"}) {
    auto far = scorer.Score(&daemon, testing::Exec("db", 12, other));
    ASSERT_EQ(far.size(), 1u) << other;
    EXPECT_EQ(far[0].severity, Severity::kMedium) << other;
  }
  // Shared directory, other name: a stranger.
  auto stranger = scorer.Score(&fp, testing::Exec("db", 12, "/usr/bin/gzip"));
  ASSERT_EQ(stranger.size(), 1u);
  EXPECT_EQ(stranger[0].severity, Severity::kMedium);
  // A shell or interpreter keeps its own rule, wherever it lives.
  auto shell = scorer.Score(&fp, testing::Exec("db", 12, "/usr/lib/postgresql/15/bin/sh"));
  ASSERT_EQ(shell.size(), 1u);
  EXPECT_GE(shell[0].severity, Severity::kHigh);
  ScoreContext hostile;
  hostile.hostile_root = "exec /usr/bin/dash";
  auto in_tree = scorer.Score(&fp, testing::Exec("db", 12, "/usr/bin/redis-cli"), hostile);
  ASSERT_EQ(in_tree.size(), 1u);
  EXPECT_GE(in_tree[0].severity, Severity::kMedium);
}

// A unit's command the service manager runs (ExecReload=/bin/kill -HUP
// $MAINPID, a shell line, a stop command) that training never saw is low:
// the unit file's, not the workload's. The same programs started any other
// way keep their rules; a fileless one or one on a container's writable
// layer is no unit file's command.
// A git server runs each repository's own copy of its hooks: the hook of a
// repository training never pushed to is the same program at the same place
// in a sibling tree of the same shape, low. Another name there, another
// shape of tree, a copy higher up, a system directory or a world-writable
// one, or a copy the workload wrote itself, stays what it was.
TEST(ScorerExecTest, AnotherTenantsCopyOfALearnedProgramIsLow) {
  const std::string repos = "/srv/git/repos/";
  Fingerprint fp = Learn({testing::Exec("git", 10, "/usr/lib/git-core/git-daemon"),
                          testing::Exec("git", 11, repos + "apps/web.git/hooks/update"),
                          testing::Exec("git", 12, "/usr/lib/cups/filter/pstops")});
  Scorer scorer;
  auto severity = [&](const std::string& exe, ScoreContext context = {}) {
    auto got = scorer.Score(&fp, testing::Exec("git", 20, exe), context);
    return got.empty() ? std::string("none") : std::string(SeverityName(got[0].severity)) + " " + got[0].reason;
  };
  for (const std::string& exe : {repos + "libs/common.git/hooks/update", repos + "apps/api.git/hooks/update"}) {
    const std::string got = severity(exe);
    EXPECT_TRUE(got.starts_with("low")) << exe << ": " << got;
    EXPECT_NE(got.find("another tenant's copy of the workload's own " + repos + "apps/web.git/hooks/update"),
              std::string::npos)
        << got;
  }
  for (const std::string& exe : {repos + "libs/common.git/hooks/post-update",  // another name
                                repos + "libs/common/hooks/update",           // another shape
                                repos + "libs/x/common.git/hooks/update",     // another depth
                                std::string("/srv/other/repos/apps/web.git/hooks/update"),  // high up
                                std::string("/usr/lib/cups/backend/pstops"),  // a system directory
                                std::string("/tmp/apps/web.git/hooks/update")}) {
    EXPECT_FALSE(severity(exe).starts_with("low")) << exe << ": " << severity(exe);
  }
  EXPECT_FALSE(severity(repos + "libs/common.git/hooks/update", {.wrote_exe = true}).starts_with("low"));
}

TEST(ScorerExecTest, AUnitsCommandTheServiceManagerRunsIsLow) {
  Fingerprint fp = Learn({testing::Exec("db", 10, "/usr/sbin/mariadbd")});
  Scorer scorer;
  auto by_manager = [](std::string exe) {
    Event e = testing::Exec("db", 12, exe);
    e.ppid = e.process.ppid = 1;
    e.process.parent_exe = "/usr/lib/systemd/systemd";
    e.exec_flags = kExecByServiceManager;
    return e;
  };
  for (const char* exe : {"/usr/bin/kill", "/usr/bin/dash", "/usr/bin/perl"}) {
    auto got = scorer.Score(&fp, by_manager(exe));
    ASSERT_EQ(got.size(), 1u) << exe;
    EXPECT_EQ(got[0].severity, Severity::kLow) << exe << ": " << got[0].reason;
    EXPECT_NE(got[0].reason.find("run by the service manager (pid 1) for the unit"), std::string::npos)
        << got[0].reason;
    auto other = scorer.Score(&fp, testing::Exec("db", 12, exe));
    ASSERT_EQ(other.size(), 1u) << exe;
    EXPECT_GE(other[0].severity, Severity::kMedium) << exe;
  }
  Event fileless = by_manager("memfd:x");
  fileless.exec_flags |= kExecFileless;
  EXPECT_EQ(scorer.Score(&fp, fileless).at(0).severity, Severity::kCritical);
  Event upper = by_manager("/usr/bin/kill");
  upper.exec_flags |= kExecUpperLayer;
  EXPECT_GE(scorer.Score(&fp, upper).at(0).severity, Severity::kHigh);
}

// A suite tool that runs another through system() or popen() (pg_dumpall
// runs `sh -c '"/usr/lib/postgresql/15/bin/pg_dump" -V'`): the shell is low,
// its lineage edge context. Anything else a shell is asked to run, a parent
// that is the service itself or no kin, stays a shell.
TEST(ScorerExecTest, AShellOneSuiteProgramRunsToStartAnotherIsLow) {
  Fingerprint fp = Learn({testing::Exec("db", 10, "/usr/lib/postgresql/15/bin/postgres"),
                          testing::Exec("db", 10, "/usr/bin/dash")});
  Fingerprint no_shell = Learn({testing::Exec("db", 10, "/usr/lib/postgresql/15/bin/postgres")});
  const std::string dumpall = "/usr/lib/postgresql/15/bin/pg_dumpall";
  auto shell = [&](const std::string& parent, std::vector<std::string> argv) {
    Event e = testing::Exec("db", 12, "/usr/bin/dash");
    e.argv = std::move(argv);
    e.process.argv = e.argv;
    e.process.parent_exe = parent;
    return e;
  };
  Scorer scorer;
  for (const std::string& cmd : {std::string("\"/usr/lib/postgresql/15/bin/pg_dump\" -V"),
                                std::string("/usr/lib/postgresql/15/bin/pg_dump -Fp 'dbname=postgres'"),
                                std::string("'/usr/lib/postgresql/15/bin/postgres' --version")}) {
    Event e = shell(dumpall, {"sh", "-c", cmd});
    auto got = scorer.Score(&no_shell, e);
    ASSERT_EQ(got.size(), 1u) << cmd;
    EXPECT_EQ(got[0].severity, Severity::kLow) << cmd << ": " << got[0].reason;
    EXPECT_NE(got[0].reason.find("pg_dumpall runs /usr/lib/postgresql/15/bin/"), std::string::npos)
        << got[0].reason;
    // A known shell under a new parent: the edge is context, not "started by the service".
    EXPECT_TRUE(scorer.Score(&fp, e).empty()) << cmd;
  }
  struct Case {
    std::string parent;
    std::vector<std::string> argv;
  };
  const Case cases[] = {
      {"/usr/lib/postgresql/15/bin/postgres", {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V"}},
      {"/usr/bin/python3", {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V"}},
      {dumpall, {"sh", "-c", "id"}},
      {dumpall, {"sh", "-c", "/usr/bin/id"}},
      {dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V; id"}},
      {dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump $(id)"}},
      {dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump > /etc/cron.d/x"}},
      {dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V\nid"}},
      {dumpall, {"sh", "-c", "\"/usr/lib/postgresql/15/bin/pg_dump\"x -V"}},
      {dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/sh"}},
      {dumpall, {"sh"}},
      {dumpall, {"sh", "-i"}},
      {dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump", "x"}},
  };
  for (const Case& c : cases) {
    auto got = scorer.Score(&no_shell, shell(c.parent, c.argv));
    ASSERT_FALSE(got.empty()) << c.parent << " " << c.argv.back();
    EXPECT_GE(got[0].severity, Severity::kHigh) << c.parent << " " << c.argv.back();
  }
  // The service itself starting a known shell stays "started by the service itself".
  auto service = scorer.Score(
      &fp, shell("/usr/lib/postgresql/15/bin/postgres", {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V"}));
  ASSERT_EQ(service.size(), 1u);
  EXPECT_EQ(service[0].severity, Severity::kCritical);
  // In a new program's tree, or under a suspect parent, a shell is a shell.
  ScoreContext hostile;
  hostile.hostile_root = "exec /usr/bin/dash";
  auto in_tree = scorer.Score(&no_shell, shell(dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V"}), hostile);
  ASSERT_FALSE(in_tree.empty());
  EXPECT_GE(in_tree[0].severity, Severity::kHigh);
  ScoreContext suspect;
  suspect.parent_suspect = true;
  auto after_suspect = scorer.Score(&no_shell, shell(dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V"}), suspect);
  ASSERT_FALSE(after_suspect.empty());
  EXPECT_GE(after_suspect[0].severity, Severity::kHigh);
  auto known_after_suspect = scorer.Score(&fp, shell(dumpall, {"sh", "-c", "/usr/lib/postgresql/15/bin/pg_dump -V"}), suspect);
  ASSERT_FALSE(known_after_suspect.empty());
  EXPECT_EQ(known_after_suspect[0].severity, Severity::kCritical);
}

// A workload whose shells run many distinct utilities runs scripts of steps:
// one more ordinary utility from one of its shells is low; an intruder's tool,
// a program outside /bin and /usr/bin, one from an unknown or a suspect
// parent, or one in a workload that only launches its service is not.
TEST(ScorerExecTest, AScriptRunnersNewUtilityIsLow) {
  const std::vector<std::string> steps = {"date", "mkdir", "mv", "sort", "wc", "gzip", "tar", "find"};
  std::vector<Event> training = {ExecUnder("/usr/bin/bash", 1, "/usr/bin/dash")};
  for (const std::string& step : steps) training.push_back(ExecUnder("/usr/bin/dash", 2, "/usr/bin/" + step));
  Fingerprint runner = Learn(training);
  Scorer scorer;
  for (const char* utility : {"/usr/bin/gawk", "/bin/zcat", "/usr/bin/sha256sum", "/usr/bin/df"}) {
    auto step = scorer.Score(&runner, ExecUnder("/usr/bin/dash", 9, utility));
    ASSERT_EQ(step.size(), 1u) << utility;
    EXPECT_EQ(step[0].severity, Severity::kLow) << utility << ": " << step[0].reason;
    EXPECT_NE(step[0].reason.find("an ordinary utility run by the workload's scripts: its shells started 8 "
                                  "distinct utilities in training"),
              std::string::npos)
        << step[0].reason;
  }
  // The launcher shell (bash started dash) is a known parent too.
  EXPECT_EQ(scorer.Score(&runner, ExecUnder("/usr/bin/bash", 9, "/usr/bin/gawk"))[0].severity, Severity::kLow);
  auto medium = [&](const Fingerprint& fp, const Event& e, const ScoreContext& context = {}) {
    auto f = scorer.Score(&fp, e, context);
    return f.size() == 1 && f[0].severity >= Severity::kMedium;
  };
  // An intruder's tools, by name or stem: discovery, privilege, permissions,
  // persistence, payloads, installing.
  for (const char* tool : {"/usr/bin/id", "/usr/bin/whoami", "/usr/bin/uname", "/usr/bin/ps", "/bin/ss",
                           "/usr/bin/sudo", "/usr/bin/nsenter", "/usr/bin/chmod", "/usr/bin/crontab",
                           "/usr/bin/base64", "/usr/bin/apt-get", "/usr/bin/gcc-12", "/usr/bin/pip3",
                           "/usr/bin/kill", "/usr/bin/ssh-keygen"}) {
    EXPECT_TRUE(medium(runner, ExecUnder("/usr/bin/dash", 9, tool))) << tool;
  }
  // Shells, interpreters and network tools keep their own rules.
  for (const char* shellish : {"/usr/bin/zsh", "/usr/bin/python3.11", "/usr/bin/curl"}) {
    auto f = scorer.Score(&runner, ExecUnder("/usr/bin/dash", 9, shellish));
    ASSERT_EQ(f.size(), 1u) << shellish;
    EXPECT_EQ(f[0].severity, Severity::kCritical) << shellish;
  }
  // Elsewhere than /bin and /usr/bin: system administration, the site's own, a data directory.
  for (const char* elsewhere : {"/usr/sbin/useradd", "/usr/local/bin/sync-tool", "/srv/job/bin/step"}) {
    EXPECT_TRUE(medium(runner, ExecUnder("/usr/bin/dash", 9, elsewhere))) << elsewhere;
  }
  // A parent that is no shell, or a shell that started nothing in training.
  EXPECT_TRUE(medium(runner, ExecUnder("/usr/bin/gzip", 9, "/usr/bin/gawk")));
  EXPECT_TRUE(medium(runner, ExecUnder("/usr/bin/zsh", 9, "/usr/bin/gawk")));
  EXPECT_TRUE(medium(runner, testing::Exec("web", 9, "/usr/bin/gawk")));
  // A suspect parent, or a new program's tree.
  ScoreContext suspect;
  suspect.parent_suspect = true;
  EXPECT_TRUE(medium(runner, ExecUnder("/usr/bin/dash", 9, "/usr/bin/gawk"), suspect));
  ScoreContext hostile;
  hostile.hostile_root = "exec /usr/bin/id";
  EXPECT_TRUE(medium(runner, ExecUnder("/usr/bin/dash", 9, "/usr/bin/gawk"), hostile));
  // One step fewer: a workload whose shells started seven utilities.
  training.pop_back();
  Fingerprint launcher = Learn(training);
  EXPECT_TRUE(medium(launcher, ExecUnder("/usr/bin/dash", 9, "/usr/bin/gawk")));
}

// Reading a directory that holds learned files lists what the workload uses.
TEST(ScorerFileTest, ListingADirectoryOfLearnedFilesIsNoFinding) {
  Fingerprint fp = Learn({testing::Open("db", 10, "/srv/db/data/base.tbl", kAccessRead | kAccessWrite)});
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("db", 10, "/srv/db/data", kAccessRead)).empty());
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("db", 10, "/srv/db", kAccessRead)).empty());
  EXPECT_EQ(scorer.Score(&fp, testing::Open("db", 10, "/srv/db/data", kAccessWrite)).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Open("db", 10, "/srv/dbx", kAccessRead)).size(), 1u);
}

// A read that failed read nothing, unless it probed a credential or
// persistence location or came from a new program's tree.
TEST(ScorerFileTest, AFailedReadIsNoFindingOutsideCredentialsAndNewPrograms) {
  Fingerprint fp = Learn({testing::Open("db", 10, "/srv/db/data/base.tbl", kAccessRead)});
  Scorer scorer;
  const int32_t enoent = -2;
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("db", 10, "/usr/share/locale/C.utf8/LC_TIME/x.mo", kAccessRead, 1000, enoent)).empty());
  EXPECT_EQ(scorer.Score(&fp, testing::Open("db", 10, "/usr/share/locale/C.utf8/LC_TIME/x.mo", kAccessRead)).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Open("db", 10, "/etc/shadow", kAccessRead, 1000, enoent)).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Open("db", 10, "/etc/cron.d/job", kAccessRead, 1000, enoent)).size(), 1u);
  EXPECT_EQ(scorer.Score(&fp, testing::Open("db", 10, "/srv/db/new", kAccessWrite, 1000, enoent)).size(), 1u);
  ScoreContext hostile;
  hostile.hostile_root = "exec /usr/bin/dash";
  EXPECT_EQ(scorer.Score(&fp, testing::Open("db", 10, "/usr/share/x", kAccessRead, 1000, enoent), hostile).size(), 1u);
}

TEST(ScorerSyscallTest, ABaselineWithoutSyscallsNeverFlagsOne) {
  Fingerprint fp = Learn(Training());
  ASSERT_TRUE(fp.syscalls.empty());
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, testing::Syscall("web", 11, "ptrace", 101)).empty());
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

TEST(ScorerContextFreeTest, FilelessUpperLayerAndShellNetworkRules) {
  Fingerprint fp = Learn(Training());
  Scorer scorer;
  // A memfd exec is named and critical, whatever its name.
  Event memfd = testing::Exec("web", 20, "/memfd:x (deleted)");
  std::vector<Finding> f = scorer.Score(&fp, memfd);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].subject, "memfd:x");
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  EXPECT_EQ(f[0].reason, "executable never seen in training (fileless execution)");
  // So is a file the kernel flags fileless (unlinked before exec).
  Event deleted = testing::Exec("web", 21, "/srv/app/worker");
  deleted.exec_flags = kExecFileless;
  EXPECT_EQ(scorer.Score(&fp, deleted)[0].score, 1.0);
  // And one from the container's writable layer.
  Event upper = testing::Exec("web", 22, "/usr/local/bin/helper");
  upper.exec_flags = kExecUpperLayer;
  EXPECT_EQ(scorer.Score(&fp, upper)[0].reason,
            "executable never seen in training (written into the container's writable layer)");
  // A shell connecting out is a reverse shell, even to loopback.
  Event reverse = testing::Connect("web", 23, V4(127, 0, 0, 1, 14444));
  reverse.process.exe = "/usr/bin/bash";
  EXPECT_EQ(scorer.Score(&fp, reverse)[0].severity, Severity::kCritical);
  Event app = testing::Connect("web", 24, V4(127, 0, 0, 1, 14444));
  app.process.exe = "/usr/sbin/nginx";
  EXPECT_EQ(scorer.Score(&fp, app)[0].severity, Severity::kLow);
  // A perl listener is a bind shell.
  Event bind = testing::Listen("web", 25, V4(127, 0, 0, 1, 14445));
  bind.process.exe = "/usr/bin/perl";
  EXPECT_EQ(scorer.Score(&fp, bind)[0].score, 1.0);
}

TEST(ScorerContextFreeTest, AScriptWrittenWhereTheWorkloadServesIsHighAndNoWildcardAbsolvesIt) {
  std::vector<Event> training = Training();
  for (int i = 0; i < 20; ++i) {
    training.push_back(testing::Open("web", 10, "/srv/www/page" + std::string(1, static_cast<char>('a' + i)) + ".html",
                                     kAccessRead | kAccessWrite | kAccessCreate));
  }
  Fingerprint fp = Learn(training);
  Generalize(&fp);
  ASSERT_EQ(fp.file_patterns.count("/srv/www/*"), 1u);
  Scorer scorer;
  // Writing pages is normal there; writing a script is not, and it is where the site is served.
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("web", 10, "/srv/www/new.html", kAccessWrite | kAccessCreate)).empty());
  std::vector<Finding> shell = scorer.Score(&fp, testing::Open("web", 10, "/srv/www/x.php", kAccessWrite | kAccessCreate));
  ASSERT_EQ(shell.size(), 1u);
  EXPECT_EQ(shell[0].score, 0.8);
  EXPECT_EQ(shell[0].reason,
            "file never seen in training (executable or script where the workload serves or runs from)");
}

}  // namespace
}  // namespace dw::model
