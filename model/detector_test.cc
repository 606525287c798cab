// model/detector_test.cc: findings are created once per (workload, kind,
// subject) and repeats are counted.
#include "model/detector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "model/items.h"
#include "model/testing/test_events.h"

namespace dw::model {
namespace {

using testing::V4;

std::map<std::string, Fingerprint> Fingerprints() {
  Fingerprint fp;
  fp.workload = "web";
  for (const Event& e : {testing::Exec("web", 10, "/usr/sbin/nginx"),
                         testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessRead)}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item).access |= item.access;
  }
  return {{"web", fp}};
}

TEST(DetectorTest, RepeatsAreCountedNotReturned) {
  Detector d(Fingerprints());
  Event sh = testing::Exec("web", 11, "/bin/sh", 1000);
  std::vector<Finding*> first = d.Observe(sh);
  ASSERT_EQ(first.size(), 1u);
  Finding want;
  want.time_ns = 1000;
  want.workload = "web";
  want.cgroup_path = "system.slice/web";
  want.kind = FindingKind::kExec;
  want.subject = "/bin/sh";
  want.reason = "executable never seen in training (shell)";
  want.severity = Severity::kCritical;
  want.score = 0.9;
  want.process = sh.process;
  want.item = ItemsOf(sh)[0];
  EXPECT_NE(first[0]->incident, 0);  // ids are hashes; DetectorIncidentTest covers them
  want.incident = first[0]->incident;
  EXPECT_EQ(*first[0], want);

  // The same drift from another process later: folded into the first finding.
  EXPECT_TRUE(d.Observe(testing::Exec("web", 12, "/bin/sh", 2000)).empty());
  EXPECT_TRUE(d.Observe(testing::Exec("web", 13, "/bin/sh", 3000)).empty());
  want.count = 3;
  ASSERT_EQ(d.findings().size(), 1u);
  EXPECT_EQ(*d.findings()[0], want);
  EXPECT_EQ(d.findings()[0].get(), first[0]);
}

TEST(DetectorTest, UpdatedListsChangedCountsOnce) {
  Detector d(Fingerprints());
  Finding* sh = d.Observe(testing::Exec("web", 11, "/bin/sh"))[0];
  Finding* shadow = d.Observe(testing::Open("web", 11, "/etc/shadow", kAccessRead))[0];
  EXPECT_TRUE(d.Updated().empty());  // new findings are Observe()'s to report

  d.Observe(testing::Open("web", 11, "/etc/shadow", kAccessRead));
  d.Observe(testing::Exec("web", 12, "/bin/sh"));
  d.Observe(testing::Open("web", 12, "/etc/shadow", kAccessRead));
  EXPECT_EQ(d.Updated(), (std::vector<Finding*>{shadow, sh}));
  EXPECT_EQ(shadow->count, 3u);
  EXPECT_EQ(sh->count, 2u);
  EXPECT_TRUE(d.Updated().empty());

  d.Observe(testing::Exec("web", 13, "/bin/sh"));
  EXPECT_EQ(d.Updated(), std::vector<Finding*>{sh});
}

TEST(DetectorTest, DedupIsPerWorkloadKindAndSubject) {
  std::map<std::string, Fingerprint> fps = Fingerprints();
  fps["api"] = fps["web"];
  fps["api"].workload = "api";
  Detector d(std::move(fps));
  EXPECT_EQ(d.Observe(testing::Exec("web", 11, "/bin/sh")).size(), 1u);
  EXPECT_EQ(d.Observe(testing::Exec("api", 21, "/bin/sh")).size(), 1u);
  // Same subject as a file (kind file) is a different finding from the exec.
  // (pid 40: pid 11's own plain reads fold into its exec finding.)
  EXPECT_EQ(d.Observe(testing::Open("web", 40, "/bin/sh", kAccessRead)).size(), 1u);
  // Learned items raise nothing.
  EXPECT_TRUE(d.Observe(testing::Exec("web", 11, "/usr/sbin/nginx")).empty());
  EXPECT_EQ(d.findings().size(), 3u);
}

TEST(DetectorContextTest, ANewProgramIsOneFindingWithItsReadsFolded) {
  Detector d(Fingerprints());
  Event python = testing::Exec("web", 50, "/usr/bin/python3", 1000);
  std::vector<Finding*> fresh = d.Observe(python);
  ASSERT_EQ(fresh.size(), 1u);
  Finding* exec = fresh[0];
  // 180 module reads, some twice: no finding, a count of distinct paths.
  for (int i = 0; i < 180; ++i) {
    std::string path = "/usr/lib/python3.11/mod" + std::to_string(i) + ".py";
    EXPECT_TRUE(d.Observe(testing::Open("web", 50, path, kAccessRead)).empty()) << path;
    EXPECT_TRUE(d.Observe(testing::Open("web", 50, path, kAccessRead)).empty()) << path;
  }
  EXPECT_EQ(exec->folded, 180u);
  EXPECT_EQ(exec->folded_examples.size(), Finding::kMaxFoldedExamples);
  EXPECT_EQ(exec->folded_examples[0], "/usr/lib/python3.11/mod0.py");
  EXPECT_EQ(d.Updated(), std::vector<Finding*>{exec});
  // A sensitive read and a write stay findings of their own.
  std::vector<Finding*> shadow = d.Observe(testing::Open("web", 50, "/etc/shadow", kAccessRead));
  ASSERT_EQ(shadow.size(), 1u);
  EXPECT_EQ(shadow[0]->incident, exec->incident);
  EXPECT_EQ(shadow[0]->incident_root, "exec /usr/bin/python3");
  EXPECT_EQ(d.Observe(testing::Open("web", 50, "/srv/out.txt", kAccessWrite)).size(), 1u);
  // Another process's reads are not folded.
  EXPECT_EQ(d.Observe(testing::Open("web", 60, "/usr/lib/python3.11/mod0.py", kAccessRead)).size(), 1u);
  EXPECT_EQ(d.findings().size(), 4u);
}

// One finding per new module: a known program loading a new shared object
// (a JIT provider) makes one finding, and the libraries the dynamic loader
// opens for it right after (its LLVM, from the system's library directories)
// fold into it; later, from elsewhere, or by another process, they do not.
TEST(DetectorContextTest, ANewLibrarysDependenciesFoldIntoItsFinding) {
  constexpr int64_t kMs = 1'000'000;
  Detector d(Fingerprints());
  std::vector<Finding*> jit =
      d.Observe(testing::Open("web", 10, "/usr/lib/app/15/lib/llvmjit.so", kAccessRead, 1000 * kMs));
  ASSERT_EQ(jit.size(), 1u);
  EXPECT_LT(jit[0]->score, 0.4);
  EXPECT_TRUE(d.Observe(testing::Open("web", 10, "/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1", kAccessRead,
                                      1002 * kMs))
                  .empty());
  EXPECT_TRUE(
      d.Observe(testing::Open("web", 10, "/lib/x86_64-linux-gnu/libz3.so.4", kAccessRead, 1003 * kMs)).empty());
  EXPECT_EQ(jit[0]->folded, 2u);
  EXPECT_EQ(jit[0]->folded_examples, (std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1",
                                                               "/lib/x86_64-linux-gnu/libz3.so.4"}));
  // Another process, /usr/local, a file that is no library, or too late: findings
  // (each in a directory of its own: the workload's reads in one directory fold).
  EXPECT_EQ(d.Observe(testing::Open("web", 11, "/usr/lib/x86_64-linux-gnu/libedit.so.2", kAccessRead, 1004 * kMs))
                .size(),
            1u);
  EXPECT_EQ(d.Observe(testing::Open("web", 10, "/usr/local/lib/libhook.so", kAccessRead, 1005 * kMs)).size(), 1u);
  EXPECT_EQ(d.Observe(testing::Open("web", 10, "/usr/lib/tool/ld.so.cache", kAccessRead, 1006 * kMs))
                .size(),
            1u);
  EXPECT_EQ(d.Observe(testing::Open("web", 10, "/usr/lib/i386-linux-gnu/libxml2.so.2", kAccessRead, 2500 * kMs))
                .size(),
            1u);
  // A sensitive read right after stays a finding of its own.
  EXPECT_EQ(d.Observe(testing::Open("web", 10, "/etc/shadow", kAccessRead, 2501 * kMs)).size(), 1u);
  EXPECT_EQ(jit[0]->folded, 2u);
}

// One finding per new program: a low suite tool's own plumbing (the shell
// pg_dumpall runs pg_dump through, and pg_dump) folds into its finding; a
// program of medium or more it starts stays a finding of its own.
TEST(DetectorContextTest, ALowNewProgramsLowChildrenFoldIntoItsFinding) {
  Fingerprint fp;
  fp.workload = "db";
  for (const ItemRef& item : ItemsOf(testing::Exec("db", 10, "/usr/lib/postgresql/15/bin/postgres"))) {
    FindOrAddItem(&fp, item);
  }
  Detector d({{"db", fp}});
  const std::string bin = "/usr/lib/postgresql/15/bin/";
  auto exec = [](uint32_t pid, uint32_t ppid, const std::string& exe, const std::string& parent,
                 std::vector<std::string> argv, int64_t t) {
    Event e = testing::Exec("db", pid, exe, t);
    e.ppid = e.process.ppid = ppid;
    e.process.parent_exe = parent;
    e.argv = e.process.argv = std::move(argv);
    return e;
  };
  std::vector<Finding*> dumpall =
      d.Observe(exec(20, 5, bin + "pg_dumpall", "/usr/bin/bash", {bin + "pg_dumpall", "--globals-only"}, 1000));
  ASSERT_EQ(dumpall.size(), 1u);
  EXPECT_EQ(dumpall[0]->severity, Severity::kLow);
  d.Observe(testing::Fork("db", 20, 21, 1100));
  EXPECT_TRUE(d.Observe(exec(21, 20, "/usr/bin/dash", bin + "pg_dumpall",
                             {"sh", "-c", "\"" + bin + "pg_dump\" -V"}, 1200))
                  .empty());
  d.Observe(testing::Fork("db", 21, 22, 1300));
  EXPECT_TRUE(d.Observe(exec(22, 21, bin + "pg_dump", "/usr/bin/dash", {bin + "pg_dump", "-V"}, 1400)).empty());
  EXPECT_EQ(dumpall[0]->folded, 2u);
  EXPECT_EQ(dumpall[0]->folded_examples,
            (std::vector<std::string>{"exec /usr/bin/dash", "exec " + bin + "pg_dump"}));
  d.Observe(testing::Fork("db", 20, 23, 1500));
  std::vector<Finding*> id = d.Observe(exec(23, 20, "/usr/bin/id", bin + "pg_dumpall", {"id"}, 1600));
  ASSERT_EQ(id.size(), 1u);
  EXPECT_GE(id[0]->severity, Severity::kMedium);
  EXPECT_EQ(dumpall[0]->folded, 2u);
}

// A low new program's name lookups (a zone checker resolving the zone's mail
// hosts: a new resolver and a new name) fold into its finding; the connection
// that follows stays a finding of its own, and the same lookups by the
// workload's own program are findings as before.
TEST(DetectorContextTest, ALowNewProgramsNameLookupsFoldIntoItsFinding) {
  Fingerprint fp;
  fp.workload = "dns";
  for (const ItemRef& item : ItemsOf(testing::Exec("dns", 10, "/usr/sbin/named"))) FindOrAddItem(&fp, item);
  Detector d({{"dns", fp}});
  std::vector<Finding*> check = d.Observe(testing::Exec("dns", 20, "/usr/bin/named-checkzone", 1000));
  ASSERT_EQ(check.size(), 1u);
  ASSERT_EQ(check[0]->severity, Severity::kLow);
  Event lookup = testing::Dns("dns", 20, V4(10, 255, 255, 53, 53), "mail.example.test", 1100);
  lookup.process.exe = "/usr/bin/named-checkzone";
  EXPECT_TRUE(d.Observe(lookup).empty());
  EXPECT_EQ(check[0]->folded, 2u);
  EXPECT_EQ(check[0]->folded_examples,
            (std::vector<std::string>{"network dns 10.255.255.53:53", "network mail.example.test"}));
  Event connect = testing::Connect("dns", 20, V4(10, 1, 2, 3, 25), 1200);
  connect.process.exe = "/usr/bin/named-checkzone";
  std::vector<Finding*> peer = d.Observe(connect);
  ASSERT_EQ(peer.size(), 1u) << "a connection is not a lookup";
  EXPECT_EQ(peer[0]->kind, FindingKind::kNetwork);
  Event own = testing::Dns("dns", 10, V4(10, 255, 255, 53, 53), "other.example.test", 1300);
  own.process.exe = "/usr/sbin/named";
  EXPECT_EQ(d.Observe(own).size(), 2u) << "the service's own lookups are not a new program's";
}

// One lookup through a resolver's search list (a Kubernetes pod's ndots:5):
// the queries of one name under each search domain and the name itself are
// one finding with the others folded. Another name, the same names from
// another process, and the same names after the window are findings of their own.
TEST(DetectorContextTest, OneLookupsSearchListQueriesFoldIntoItsFirstFinding) {
  Fingerprint fp;
  fp.workload = "web";
  for (const Event& e : {testing::Exec("web", 10, "/usr/sbin/app"),
                         testing::Dns("web", 10, V4(10, 96, 0, 10, 53), "db.shop.svc.cluster.local")}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item);
  }
  Detector d({{"web", fp}});
  const Endpoint resolver = V4(10, 96, 0, 10, 53);
  const int64_t ms = 1'000'000;
  std::vector<Finding*> first = d.Observe(testing::Dns("web", 10, resolver, "api.example.com.shop.svc.cluster.local", ms));
  ASSERT_EQ(first.size(), 1u);
  for (const char* name : {"api.example.com.svc.cluster.local", "api.example.com.cluster.local", "api.example.com"}) {
    EXPECT_TRUE(d.Observe(testing::Dns("web", 10, resolver, name, 2 * ms)).empty()) << name;
  }
  EXPECT_EQ(first[0]->folded, 3u);
  // Another name is another lookup; so is the same lookup by another process,
  // and one after the window.
  EXPECT_EQ(d.Observe(testing::Dns("web", 10, resolver, "cdn.example.net.shop.svc.cluster.local", 3 * ms)).size(), 1u);
  EXPECT_EQ(d.Observe(testing::Dns("web", 11, resolver, "api.example.com.svc.cluster.local", 4 * ms)).size(), 1u);
  EXPECT_EQ(d.Observe(testing::Dns("web", 10, resolver, "cdn.example.net.svc.cluster.local", 10'000 * ms)).size(), 1u);
}

// One finding per connection attempt: getaddrinfo's UDP probes of each
// address a name resolved to (source-address selection) and the TCP connect
// that follows are one finding. New TCP peers alone, another port, another
// process, or after a second: findings of their own.
TEST(DetectorContextTest, AConnectionAttemptsAddressProbesFoldIntoItsFirstFinding) {
  Fingerprint fp;
  fp.workload = "web";
  for (const Event& e : {testing::Exec("web", 10, "/usr/sbin/app"), testing::Connect("web", 10, V4(10, 0, 0, 9, 5432))}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item);
  }
  Detector d({{"web", fp}});
  const int64_t ms = 1'000'000;
  auto udp = [](uint32_t pid, Endpoint peer, int64_t t) {
    Event e = testing::Connect("web", pid, peer, t);
    e.protocol = kProtocolUdp;
    return e;
  };
  std::vector<Finding*> first = d.Observe(udp(10, V4(203, 0, 113, 7, 443), ms));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(first[0]->subject.find("udp"), std::string::npos) << first[0]->subject;
  EXPECT_TRUE(d.Observe(udp(10, V4(203, 0, 113, 8, 443), 2 * ms)).empty());
  EXPECT_TRUE(d.Observe(testing::Connect("web", 10, V4(203, 0, 113, 8, 443), 3 * ms)).empty());
  EXPECT_EQ(first[0]->folded, 2u);
  EXPECT_EQ(d.Observe(testing::Connect("web", 11, V4(198, 51, 100, 1, 443), 4 * ms)).size(), 1u);
  EXPECT_EQ(d.Observe(testing::Connect("web", 11, V4(198, 51, 100, 2, 443), 5 * ms)).size(), 1u);
  EXPECT_EQ(d.Observe(udp(10, V4(203, 0, 113, 9, 8443), 6 * ms)).size(), 1u);
  EXPECT_EQ(d.Observe(udp(10, V4(203, 0, 113, 10, 443), 3'000 * ms)).size(), 1u);
}

TEST(SameLookupThroughSearchListTest, ExpansionsOfOneNameOnly) {
  for (auto [a, b] : std::vector<std::pair<const char*, const char*>>{
           {"api.example.com.ns.svc.cluster.local", "api.example.com.svc.cluster.local"},
           {"api.example.com.svc.cluster.local", "api.example.com.cluster.local"},
           {"api.example.com.ns.svc.cluster.local", "api.example.com"},
           {"db", "db.corp.example"},
           {"db.corp.example", "db"}}) {
    EXPECT_TRUE(SameLookupThroughSearchList(a, b)) << a << " " << b;
  }
  for (auto [a, b] : std::vector<std::pair<const char*, const char*>>{
           {"db.ns.svc.cluster.local", "cache.ns.svc.cluster.local"},  // other names
           {"mail.google.com", "mail.yahoo.com"},                      // tails unrelated
           {"x1.evil.test", "x2.evil.test"},
           {"api.example.com", "api.example.com"},                     // the same query
           {"api.example.co", "api.example.com"},
           {"a.b.cluster.local", "a.b.ec2.internal"}}) {
    EXPECT_FALSE(SameLookupThroughSearchList(a, b)) << a << " " << b;
  }
}

// An intruder's shell where the workload runs shells of its own: the shell is
// known, so only what it does shows. Once it started a new program (`id`,
// medium), the known programs it starts (`uname`, which the workload's own
// scripts run) fold into that finding, and its new writes rise one severity
// and fold by directory, and the new peers of the programs it starts rise one
// severity. Another shell of the workload, not suspect, stays as it was: its
// known programs raise nothing, its new write and its programs' new peer are low.
TEST(DetectorContextTest, ASuspectShellsKnownProgramsAndWritesJoinTheIncident) {
  Fingerprint fp;
  fp.workload = "mail";
  auto exec = [](uint32_t pid, uint32_t ppid, const std::string& exe, const std::string& parent, int64_t t) {
    Event e = testing::Exec("mail", pid, exe, t);
    e.ppid = e.process.ppid = ppid;
    e.process.parent_exe = parent;
    return e;
  };
  auto write = [](uint32_t pid, const std::string& path, int64_t t) {
    Event e = testing::Open("mail", pid, path, kAccessWrite | kAccessCreate, t);
    e.process.exe = "/usr/bin/dash";
    return e;
  };
  for (const Event& e : {exec(5, 1, "/usr/bin/bash", "/usr/bin/containerd-shim", 10),
                         exec(6, 5, "/usr/bin/dash", "/usr/bin/bash", 20),
                         exec(7, 6, "/usr/bin/uname", "/usr/bin/dash", 30),
                         exec(8, 6, "/usr/bin/python3", "/usr/bin/dash", 40)}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item);
  }
  Detector d({{"mail", fp}});
  EXPECT_TRUE(d.Observe(exec(30, 5, "/usr/bin/dash", "/usr/bin/bash", 1000)).empty());
  EXPECT_TRUE(d.Observe(exec(40, 5, "/usr/bin/dash", "/usr/bin/bash", 1000)).empty());
  std::vector<Finding*> id = d.Observe(exec(31, 30, "/usr/bin/id", "/usr/bin/dash", 2000));
  ASSERT_EQ(id.size(), 1u);
  EXPECT_GE(id[0]->severity, Severity::kMedium);
  EXPECT_TRUE(d.Observe(exec(32, 30, "/usr/bin/uname", "/usr/bin/dash", 3000)).empty());
  EXPECT_EQ(id[0]->folded, 1u);
  EXPECT_EQ(id[0]->folded_examples, (std::vector<std::string>{"exec /usr/bin/uname"}));
  // The other shell's `uname`: context, as before.
  EXPECT_TRUE(d.Observe(exec(41, 40, "/usr/bin/uname", "/usr/bin/dash", 3000)).empty());
  EXPECT_EQ(id[0]->folded, 1u);

  std::vector<Finding*> burst = d.Observe(write(30, "/srv/mail/data/burst-0.enc", 4000));
  ASSERT_EQ(burst.size(), 1u);
  EXPECT_EQ(burst[0]->severity, Severity::kMedium);
  EXPECT_NE(burst[0]->reason.find("written by a shell in an incident"), std::string::npos) << burst[0]->reason;
  for (int i = 1; i < 5; ++i) {
    EXPECT_TRUE(d.Observe(write(30, "/srv/mail/data/burst-" + std::to_string(i) + ".enc", 4000 + i)).empty()) << i;
  }
  EXPECT_EQ(burst[0]->folded, 4u);
  std::vector<Finding*> other = d.Observe(write(40, "/srv/mail/spool/report.txt", 5000));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0]->severity, Severity::kLow);
  // A known program the suspect shell starts (python3, known under dash) that
  // connects to a new peer: raised (a reverse shell through a known
  // interpreter); the same from the other shell: low.
  auto connect = [](uint32_t pid, uint32_t ppid, int64_t t) {
    Event e = testing::Connect("mail", pid, V4(127, 0, 0, 1, 14444), t);
    e.ppid = e.process.ppid = ppid;
    e.process.exe = "/usr/bin/python3";
    e.process.parent_exe = "/usr/bin/dash";
    return e;
  };
  d.Observe(testing::Fork("mail", 30, 33, 4100));
  EXPECT_TRUE(d.Observe(exec(33, 30, "/usr/bin/python3", "/usr/bin/dash", 4200)).empty());
  std::vector<Finding*> reverse = d.Observe(connect(33, 30, 4300));
  ASSERT_EQ(reverse.size(), 1u);
  EXPECT_EQ(reverse[0]->severity, Severity::kMedium) << reverse[0]->reason;
  d.Observe(testing::Fork("mail", 40, 43, 4100));
  EXPECT_TRUE(d.Observe(exec(43, 40, "/usr/bin/python3", "/usr/bin/dash", 4200)).empty());
  Event quiet = connect(43, 40, 4400);
  quiet.peer = V4(127, 0, 0, 1, 14446);
  std::vector<Finding*> plain = d.Observe(quiet);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0]->severity, Severity::kLow);
  // After the incident window the shell is no longer suspect: a write is low
  // again (and past the window of the other shell's low write, which it
  // would join: one change of a known program).
  std::vector<Finding*> later =
      d.Observe(write(30, "/srv/mail/tmp/later.txt", 5000 + DetectorOptions{}.incident_window_ns + 1));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]->severity, Severity::kLow);
}

// One finding per new listener: the clients of a port the workload started
// listening on in this run fold into its listen finding; a client of a port
// it does not listen on stays a finding, and so does another new port.
TEST(DetectorContextTest, ANewListenersClientsFoldIntoItsFinding) {
  Detector d(Fingerprints());
  std::vector<Finding*> listen = d.Observe(testing::Listen("web", 10, V4(127, 0, 0, 1, 18001), 1000));
  ASSERT_EQ(listen.size(), 1u);
  EXPECT_EQ(listen[0]->subject, "listen 127.0.0.1:18001");
  for (uint8_t host : {15, 88, 15, 161}) {
    EXPECT_TRUE(d.Observe(testing::Accept("web", 11, V4(127, 0, 0, 1, 18001), V4(127, 0, 10, host, 40000 + host),
                                          2000 + host))
                    .empty())
        << int{host};
  }
  EXPECT_EQ(listen[0]->folded, 3u);
  EXPECT_EQ(listen[0]->folded_examples[0], "network 127.0.10.15 -> :18001");
  // A client of a port no listen was seen for, and a second new port: findings.
  EXPECT_EQ(d.Observe(testing::Accept("web", 11, V4(127, 0, 0, 1, 9999), V4(127, 0, 10, 15, 41000), 3000)).size(),
            1u);
  EXPECT_EQ(d.Observe(testing::Listen("web", 10, V4(127, 0, 0, 1, 18002), 4000)).size(), 1u);
  EXPECT_EQ(listen[0]->folded, 3u);
}

// A deployment unpacked: an application server that read NAME.war (dropped by
// a deployment, not written by the workload) writes its scripts under NAME/:
// low, with the archive in the reason. A script written anywhere else, under
// NAME/ after the window, or from an archive the workload wrote itself (an
// upload) is a script written where the workload serves: high.
TEST(DetectorContextTest, AnArchiveADeploymentDroppedIsUnpackedNotWritten) {
  Fingerprint fp;
  fp.workload = "app";
  for (const Event& e : {testing::Exec("app", 10, "/usr/bin/java"),
                         testing::Open("app", 10, "/srv/app/webapps/ROOT/index.jsp", kAccessRead),
                         testing::Open("app", 10, "/srv/app/webapps/orders.war", kAccessRead)}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item).access |= item.access;
  }
  Detector d({{"app", fp}});
  const auto java = [](Event e) {
    e.process.exe = "/usr/bin/java";
    return e;
  };
  const uint8_t write = kAccessWrite | kAccessCreate;
  // A known application redeployed (its archive read in training too).
  EXPECT_TRUE(d.Observe(java(testing::Open("app", 10, "/srv/app/webapps/orders.war", kAccessRead, 1000))).empty());
  std::vector<Finding*> jsp = d.Observe(java(testing::Open("app", 10, "/srv/app/webapps/orders/cart.jsp", write, 2000)));
  ASSERT_EQ(jsp.size(), 1u);
  EXPECT_EQ(jsp[0]->severity, Severity::kLow);
  EXPECT_NE(jsp[0]->reason.find("unpacked from /srv/app/webapps/orders.war"), std::string::npos) << jsp[0]->reason;
  // Not under orders/: a script where the workload serves.
  std::vector<Finding*> shell =
      d.Observe(java(testing::Open("app", 10, "/srv/app/webapps/ROOT/shell.jsp", write, 3000)));
  ASSERT_EQ(shell.size(), 1u);
  EXPECT_EQ(shell[0]->severity, Severity::kHigh);
  // Past the window: no longer the unpacking.
  const int64_t later = 1000 + DetectorOptions{}.incident_window_ns + 1;
  std::vector<Finding*> late =
      d.Observe(java(testing::Open("app", 10, "/srv/app/webapps/orders/late.jsp", write, later)));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0]->severity, Severity::kHigh);
  // A new application: its archive's read is the finding, and what it
  // unpacks (low) joins it, one change of the known program.
  std::vector<Finding*> war =
      d.Observe(java(testing::Open("app", 11, "/srv/app/webapps/shop.war", kAccessRead, later + 1000)));
  ASSERT_EQ(war.size(), 1u);
  EXPECT_TRUE(d.Observe(java(testing::Open("app", 11, "/srv/app/webapps/shop/index.jsp", write, later + 2000))).empty());
  EXPECT_EQ(war[0]->folded_examples, std::vector<std::string>{"/srv/app/webapps/shop/index.jsp"});
  // An archive the workload wrote itself (an upload through the application):
  // what it unpacks is no deployment.
  Detector upload({{"app", fp}});
  upload.Observe(java(testing::Open("app", 20, "/srv/app/webapps/evil.war", write, 1000)));
  upload.Observe(java(testing::Open("app", 20, "/srv/app/webapps/evil.war", kAccessRead, 1500)));
  std::vector<Finding*> unpacked =
      upload.Observe(java(testing::Open("app", 20, "/srv/app/webapps/evil/cmd.jsp", write, 2000)));
  ASSERT_EQ(unpacked.size(), 1u);
  EXPECT_EQ(unpacked[0]->severity, Severity::kHigh);
}

// One finding per change of a known program: the low reads, writes and
// syscalls of the workload's own program (any of its processes) in the
// incident window are one finding across directories (an extension loaded by
// the backends: control file, library, data); a sensitive read, another
// program's read, a new program's own reads and the next window's read are not.
TEST(DetectorContextTest, AKnownProgramsLowNoveltiesInAWindowAreOneFinding) {
  std::map<std::string, Fingerprint> fps = Fingerprints();  // web: /usr/sbin/nginx, its nginx.conf
  for (const ItemRef& item : ItemsOf(testing::Syscall("web", 10, "write", 1))) FindOrAddItem(&fps["web"], item);
  Detector d(fps);
  const auto nginx = [](Event e) {
    e.process.exe = "/usr/sbin/nginx";
    return e;
  };
  std::vector<Finding*> first =
      d.Observe(nginx(testing::Open("web", 10, "/usr/share/nginx/ext/geo.control", kAccessRead, 1000)));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]->severity, Severity::kLow);
  EXPECT_TRUE(d.Observe(nginx(testing::Open("web", 10, "/usr/lib/nginx/modules/geo.so", kAccessRead, 2000))).empty());
  EXPECT_TRUE(d.Observe(nginx(testing::Open("web", 11, "/usr/share/nginx/data/geo.rules", kAccessRead, 3000))).empty());
  EXPECT_TRUE(d.Observe(nginx(testing::Open("web", 11, "/var/cache/nginx/geo.idx", kAccessWrite | kAccessCreate, 3500)))
                  .empty());
  EXPECT_TRUE(d.Observe(nginx(testing::Syscall("web", 10, "chown", 92, 4000))).empty());
  EXPECT_EQ(first[0]->folded, 4u);
  EXPECT_EQ(first[0]->folded_examples,
            (std::vector<std::string>{"/usr/lib/nginx/modules/geo.so", "/usr/share/nginx/data/geo.rules",
                                      "/var/cache/nginx/geo.idx", "syscall chown"}));
  // Not folded: a sensitive read, another program's read, and a new
  // program's reads (they fold into its own exec finding).
  std::vector<Finding*> shadow = d.Observe(nginx(testing::Open("web", 10, "/etc/shadow", kAccessRead, 5000)));
  ASSERT_EQ(shadow.size(), 1u);
  EXPECT_GE(shadow[0]->severity, Severity::kHigh);
  EXPECT_EQ(d.Observe(testing::Open("web", 12, "/usr/share/other/x.dat", kAccessRead, 5100)).size(), 1u);
  std::vector<Finding*> tool = d.Observe(testing::Exec("web", 13, "/usr/lib/nginx/tool", 5200));
  ASSERT_EQ(tool.size(), 1u);
  Event tool_read = testing::Open("web", 13, "/usr/share/nginx/tool/t.dat", kAccessRead, 5300);
  tool_read.process.exe = "/usr/lib/nginx/tool";
  EXPECT_TRUE(d.Observe(tool_read).empty());
  EXPECT_EQ(tool[0]->folded, 1u);
  EXPECT_EQ(first[0]->folded, 4u);
  // The next window: a finding again.
  const int64_t later = 1000 + DetectorOptions{}.incident_window_ns + 1;
  EXPECT_EQ(d.Observe(nginx(testing::Open("web", 10, "/usr/share/nginx/ext/geo2.control", kAccessRead, later))).size(),
            1u);
}

// The workload's own programs reading new files of one directory (a release's
// new content, an extension's scripts) make one finding with a count and
// examples, for the incident window; writes and sensitive reads stay findings.
TEST(DetectorContextTest, PlainReadsInOneDirectoryAreOneFindingForTheWindow) {
  Detector d(Fingerprints());
  const std::string ext = "/usr/share/app/extension";
  std::vector<Finding*> first = d.Observe(testing::Open("web", 10, ext + "/trgm.control", kAccessRead, 1000));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_LT(first[0]->score, 0.4);
  // Another process of the workload, the same directory: folded, once per path.
  for (const char* name : {"trgm--1.3.sql", "trgm--1.4.sql", "trgm--1.3.sql"}) {
    EXPECT_TRUE(d.Observe(testing::Open("web", 11, ext + "/" + name, kAccessRead, 2000)).empty()) << name;
  }
  // The listing of the directory itself joins its files' finding.
  EXPECT_TRUE(d.Observe(testing::Open("web", 10, ext, kAccessRead, 3000)).empty());
  EXPECT_EQ(first[0]->folded, 3u);
  EXPECT_EQ(first[0]->folded_examples,
            (std::vector<std::string>{ext + "/trgm--1.3.sql", ext + "/trgm--1.4.sql", ext}));
  EXPECT_EQ(d.Updated(), std::vector<Finding*>{first[0]});
  // The first file again is a repeat of its own finding.
  EXPECT_TRUE(d.Observe(testing::Open("web", 10, ext + "/trgm.control", kAccessRead, 4000)).empty());
  EXPECT_EQ(first[0]->count, 2u);
  // A write in the directory and a file in another directory are findings.
  EXPECT_EQ(d.Observe(testing::Open("web", 10, ext + "/trgm.so", kAccessWrite | kAccessCreate, 5000)).size(), 1u);
  EXPECT_EQ(d.Observe(testing::Open("web", 10, "/usr/lib/app/trgm.so", kAccessRead, 6000)).size(), 1u);
  // A credential beside a folded read is a finding of its own.
  EXPECT_EQ(d.Observe(testing::Open("web", 10, "/etc/app.local", kAccessRead, 7000)).size(), 1u);
  std::vector<Finding*> shadow = d.Observe(testing::Open("web", 10, "/etc/shadow", kAccessRead, 8000));
  ASSERT_EQ(shadow.size(), 1u);
  EXPECT_GE(shadow[0]->severity, Severity::kHigh);
  // Past the window the directory folds no more: its next new file is a finding.
  const int64_t later = 1000 + DetectorOptions{}.incident_window_ns + 1;
  EXPECT_EQ(d.Observe(testing::Open("web", 10, ext + "/trgm--1.5.sql", kAccessRead, later)).size(), 1u);
  EXPECT_EQ(d.findings().size(), 6u);
}

// A dump of many files into a new directory is one finding; a script among
// them, a read there, and running one of the folded files stay findings.
TEST(DetectorContextTest, LowWritesInOneDirectoryAreOneFindingForTheWindow) {
  Detector d(Fingerprints());
  const std::string dump = "/srv/backup/dump-1";
  const uint8_t write = kAccessWrite | kAccessCreate;
  std::vector<Finding*> first = d.Observe(testing::Open("web", 10, dump + "/toc.dat", write, 1000));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]->severity, Severity::kLow);
  for (const char* name : {"3370.dat.gz", "3371.dat.gz", "3370.dat.gz", "blobs.toc"}) {
    EXPECT_TRUE(d.Observe(testing::Open("web", 11, dump + "/" + name, write, 2000)).empty()) << name;
  }
  EXPECT_EQ(first[0]->folded, 3u);
  EXPECT_EQ(first[0]->folded_examples,
            (std::vector<std::string>{dump + "/3370.dat.gz", dump + "/3371.dat.gz", dump + "/blobs.toc"}));
  // A script written there, and a read there, are findings of their own.
  std::vector<Finding*> script = d.Observe(testing::Open("web", 11, dump + "/restore.sh", write, 3000));
  ASSERT_EQ(script.size(), 1u);
  EXPECT_GE(script[0]->severity, Severity::kHigh);
  EXPECT_EQ(d.Observe(testing::Open("web", 11, dump + "/readme.txt", kAccessRead, 3000)).size(), 1u);
  // Running a folded file is running a file the workload wrote.
  std::vector<Finding*> run = d.Observe(testing::Exec("web", 12, dump + "/3371.dat.gz", 4000));
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0]->severity, Severity::kCritical);
  EXPECT_NE(run[0]->reason.find("runs a file the workload wrote"), std::string::npos) << run[0]->reason;
  // After the window a new file there is a finding again.
  const int64_t later = 1000 + DetectorOptions{}.incident_window_ns + 1;
  EXPECT_EQ(d.Observe(testing::Open("web", 10, dump + "/3372.dat.gz", write, later)).size(), 1u);
  EXPECT_EQ(d.findings().size(), 5u);
}

// An intruder's tree writing many files into one directory (an encryptor, an
// unpacked archive) is one finding for the window, at the first one's
// severity; a script written there, another directory, another tree and
// running a folded file stay findings of their own.
TEST(DetectorContextTest, ANewProgramsTreesWritesInOneDirectoryAreOneFinding) {
  Detector d(Fingerprints());
  const uint8_t write = kAccessWrite | kAccessCreate;
  std::vector<Finding*> sh = d.Observe(testing::Exec("web", 20, "/bin/sh", 1000));
  ASSERT_EQ(sh.size(), 1u);
  const std::string data = "/srv/data";
  std::vector<Finding*> first = d.Observe(testing::Open("web", 20, data + "/f-0.enc", write, 2000));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]->severity, Severity::kMedium);  // raised in the tree
  EXPECT_EQ(first[0]->incident, sh[0]->incident);
  for (int i = 1; i < 50; ++i) {
    EXPECT_TRUE(d.Observe(testing::Open("web", 20, data + "/f-" + std::to_string(i) + ".enc", write, 2000 + i)).empty())
        << i;
  }
  EXPECT_EQ(first[0]->folded, 49u);
  EXPECT_EQ(first[0]->folded_examples.size(), Finding::kMaxFoldedExamples);
  EXPECT_EQ(first[0]->folded_examples[0], data + "/f-1.enc");
  // A script there scores high: its own finding.
  std::vector<Finding*> script = d.Observe(testing::Open("web", 20, data + "/run.sh", write, 3000));
  ASSERT_EQ(script.size(), 1u);
  EXPECT_GE(script[0]->severity, Severity::kHigh);
  // Another directory: its own first finding.
  EXPECT_EQ(d.Observe(testing::Open("web", 20, "/srv/other/x.enc", write, 3000)).size(), 1u);
  // The workload's own program writing there is not the intruder's tree.
  EXPECT_EQ(d.Observe(testing::Open("web", 10, data + "/own.dat", write, 3000)).size(), 1u);
  // Running a folded file is running a file the workload wrote.
  std::vector<Finding*> run = d.Observe(testing::Exec("web", 21, data + "/f-7.enc", 4000));
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0]->severity, Severity::kCritical);
  // After the window a new file there is a finding again.
  const int64_t later = 2000 + DetectorOptions{}.incident_window_ns + 1;
  EXPECT_EQ(d.Observe(testing::Open("web", 20, data + "/f-99.enc", write, later)).size(), 1u);
}

// A new program uses syscalls the workload never made: the program is the
// news, so they fold into its finding; those that escape, hide or tamper stay
// findings of their own.
TEST(DetectorContextTest, ANewProgramsOwnSyscallsFoldIntoItsFinding) {
  std::map<std::string, Fingerprint> fps = Fingerprints();
  fps["web"].syscalls["read"].count = 1;
  Detector d(std::move(fps));
  std::vector<Finding*> fresh = d.Observe(testing::Exec("web", 50, "/usr/bin/gawk", 1000));
  ASSERT_EQ(fresh.size(), 1u);
  Finding* exec = fresh[0];
  EXPECT_EQ(exec->severity, Severity::kMedium);
  for (const char* name : {"sigaltstack", "getgroups", "getpgrp", "getgroups"}) {
    EXPECT_TRUE(d.Observe(testing::Syscall("web", 50, name, 0, 2000)).empty()) << name;
  }
  EXPECT_EQ(exec->folded, 3u);
  EXPECT_EQ(exec->folded_examples,
            (std::vector<std::string>{"syscall sigaltstack", "syscall getgroups", "syscall getpgrp"}));
  std::vector<Finding*> ptrace = d.Observe(testing::Syscall("web", 50, "ptrace", 101, 3000));
  ASSERT_EQ(ptrace.size(), 1u);
  EXPECT_EQ(ptrace[0]->severity, Severity::kCritical);
  EXPECT_EQ(ptrace[0]->incident, exec->incident);
  EXPECT_EQ(d.Observe(testing::Syscall("web", 50, "unshare", 272, 3000)).size(), 1u);
  // The workload's own process making one of them: a finding.
  EXPECT_EQ(d.Observe(testing::Syscall("web", 10, "getpgrp", 0, 4000)).size(), 1u);
  EXPECT_EQ(d.findings().size(), 4u);
}

// An operator using the workload's own suite (psql, pg_dump, vacuumdb beside
// postgres) is one finding for the window, with what each program read.
TEST(DetectorContextTest, TheSuitesProgramsOfOneDirectoryAreOneFindingForTheWindow) {
  const std::string bin = "/usr/lib/postgresql/15/bin";
  Fingerprint fp;
  fp.workload = "db";
  for (const ItemRef& item : ItemsOf(testing::Exec("db", 10, bin + "/postgres"))) FindOrAddItem(&fp, item);
  Detector d({{"db", fp}});
  std::vector<Finding*> psql = d.Observe(testing::Exec("db", 20, bin + "/psql", 1000));
  ASSERT_EQ(psql.size(), 1u);
  EXPECT_EQ(psql[0]->severity, Severity::kLow);
  EXPECT_TRUE(d.Observe(testing::Exec("db", 21, bin + "/pg_dump", 2000)).empty());
  EXPECT_TRUE(d.Observe(testing::Open("db", 21, "/usr/share/postgresql/15/psqlrc", kAccessRead, 2100)).empty());
  EXPECT_TRUE(d.Observe(testing::Exec("db", 22, bin + "/vacuumdb", 3000)).empty());
  EXPECT_EQ(psql[0]->folded, 3u);
  EXPECT_EQ(psql[0]->folded_examples, (std::vector<std::string>{"exec " + bin + "/pg_dump",
                                                                "/usr/share/postgresql/15/psqlrc",
                                                                "exec " + bin + "/vacuumdb"}));
  // What a suite program writes (pg_dump's dump) folds there too; a script it
  // writes does not, and running the dump is running a file the workload wrote.
  EXPECT_TRUE(d.Observe(testing::Open("db", 21, "/srv/backup/t.sql", kAccessWrite | kAccessCreate, 3100)).empty());
  EXPECT_EQ(psql[0]->folded, 4u);
  EXPECT_EQ(psql[0]->folded_examples.back(), "/srv/backup/t.sql");
  std::vector<Finding*> script =
      d.Observe(testing::Open("db", 21, "/srv/backup/restore.sh", kAccessWrite | kAccessCreate, 3150));
  ASSERT_EQ(script.size(), 1u);
  EXPECT_GE(script[0]->severity, Severity::kHigh);
  std::vector<Finding*> run = d.Observe(testing::Exec("db", 25, "/srv/backup/t.sql", 3160));
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0]->severity, Severity::kCritical);
  // A plain new program is its own.
  std::vector<Finding*> gawk = d.Observe(testing::Exec("db", 23, "/usr/bin/gawk", 3200));
  ASSERT_EQ(gawk.size(), 1u);
  EXPECT_EQ(gawk[0]->severity, Severity::kMedium);
  // After the window the next suite program is a finding again.
  const int64_t later = 1000 + DetectorOptions{}.incident_window_ns + 1;
  EXPECT_EQ(d.Observe(testing::Exec("db", 24, bin + "/pg_ctl", later)).size(), 1u);
  EXPECT_EQ(d.findings().size(), 5u);
}

TEST(DetectorContextTest, ATreeStartedByANewProgramRaisesWhatItDoes) {
  Detector d(Fingerprints());
  ASSERT_EQ(d.Observe(testing::Exec("web", 70, "/bin/sh", 1000)).size(), 1u);
  d.Observe(testing::Fork("web", 70, 71));
  // The shell's child connects out: a reverse shell.
  std::vector<Finding*> c = d.Observe(testing::Connect("web", 71, V4(127, 0, 0, 1, 4444)));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]->severity, Severity::kCritical);
  EXPECT_EQ(c[0]->reason, "new outbound peer (in the process tree of exec /bin/sh)");
  // A new binary it runs is raised one level (0.5 medium -> 0.7 high).
  std::vector<Finding*> x = d.Observe(testing::Exec("web", 71, "/opt/tool/run", 2000));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0]->score, 0.7);
  EXPECT_EQ(x[0]->incident_root, "exec /bin/sh");
  // Outside the tree the same peer is low.
  Detector clean(Fingerprints());
  std::vector<Finding*> c2 = clean.Observe(testing::Connect("web", 90, V4(127, 0, 0, 1, 4444)));
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0]->severity, Severity::kLow);
  // The tree ends with its processes.
  d.Observe(testing::Exit("web", 71));
  d.Observe(testing::Exit("web", 70));
  std::vector<Finding*> later = d.Observe(testing::Connect("web", 71, V4(127, 0, 0, 1, 5555)));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]->severity, Severity::kLow);
}

TEST(DetectorContextTest, RunningAFileTheWorkloadWroteIsCritical) {
  std::map<std::string, Fingerprint> fps = Fingerprints();
  // Training knew the tool by name, and the build output it writes and runs.
  for (const Event& e : {testing::Exec("web", 10, "/srv/app/tool"), testing::Exec("web", 10, "/srv/build/out"),
                         testing::Open("web", 10, "/srv/build/out", kAccessWrite | kAccessCreate)}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fps["web"], item).access |= item.access;
  }
  Detector d(std::move(fps));
  Event write = testing::Open("web", 80, "/srv/app/tool", kAccessWrite);
  std::vector<Finding*> written = d.Observe(write);
  ASSERT_EQ(written.size(), 1u);  // a write to a file never written: low
  EXPECT_EQ(written[0]->severity, Severity::kLow);
  std::vector<Finding*> run = d.Observe(testing::Exec("web", 81, "/srv/app/tool"));
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0]->severity, Severity::kCritical);
  // The drop is part of it: its finding rises with the exec.
  EXPECT_EQ(written[0]->severity, Severity::kCritical);
  EXPECT_TRUE(written[0]->reason.ends_with("(later executed)")) << written[0]->reason;
  EXPECT_EQ(d.Updated(), std::vector<Finding*>{written[0]});
  EXPECT_EQ(run[0]->reason, "executable rewritten by the workload before it ran (runs a file the workload wrote)");
  // Writing and running what training saw written and run is normal.
  EXPECT_TRUE(d.Observe(testing::Open("web", 82, "/srv/build/out", kAccessWrite | kAccessCreate)).empty());
  EXPECT_TRUE(d.Observe(testing::Exec("web", 83, "/srv/build/out")).empty());
}

// The dynamic loader opens a library before mapping it: a new one from a
// world-writable directory is high; one the workload wrote is drop and
// execute, critical, and its write's finding rises with it. A library in
// an ordinary place, a failed probe, and what training saw written and
// loaded (an extracted native library) are not raised.
TEST(DetectorContextTest, LoadingALibraryFromAWritablePlaceOrOneItWroteIsRaised) {
  std::map<std::string, Fingerprint> fps = Fingerprints();
  for (const Event& e : {testing::Open("web", 10, "/tmp/libnative-1.so", kAccessWrite | kAccessCreate),
                         testing::Open("web", 10, "/tmp/libnative-1.so", kAccessRead)}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fps["web"], item).access |= item.access;
  }
  Detector d(std::move(fps));
  std::vector<Finding*> shm = d.Observe(testing::Open("web", 80, "/dev/shm/.x/libnss_dns.so.2", kAccessRead));
  ASSERT_EQ(shm.size(), 1u);
  EXPECT_EQ(shm[0]->severity, Severity::kHigh);
  EXPECT_NE(shm[0]->reason.find("shared library from a world-writable directory"), std::string::npos)
      << shm[0]->reason;
  std::vector<Finding*> lib = d.Observe(testing::Open("web", 81, "/usr/lib/x86_64-linux-gnu/libfoo.so.1", kAccessRead));
  ASSERT_EQ(lib.size(), 1u);
  EXPECT_EQ(lib[0]->severity, Severity::kLow);
  for (Finding* f : d.Observe(testing::Open("web", 82, "/tmp/libprobe.so", kAccessRead, 1000, -2))) {
    EXPECT_LT(f->severity, Severity::kHigh) << "a failed probe loads nothing";
  }

  const std::string dropped = "/var/tmp/.c/libgcc_s.so.1";
  std::vector<Finding*> wrote = d.Observe(testing::Open("web", 83, dropped, kAccessWrite | kAccessCreate));
  ASSERT_EQ(wrote.size(), 1u);
  EXPECT_EQ(wrote[0]->severity, Severity::kHigh) << "an executable's name, written";
  d.Observe(testing::Open("web", 83, dropped, kAccessRead));
  EXPECT_EQ(wrote[0]->severity, Severity::kCritical);
  EXPECT_TRUE(wrote[0]->reason.ends_with("(later loaded as a library)")) << wrote[0]->reason;

  EXPECT_TRUE(d.Observe(testing::Open("web", 84, "/tmp/libnative-1.so", kAccessWrite | kAccessCreate)).empty());
  EXPECT_TRUE(d.Observe(testing::Open("web", 84, "/tmp/libnative-1.so", kAccessRead)).empty());
}

TEST(DetectorTest, UnprofiledWorkloadsAreCountedNotScored) {
  Detector d(Fingerprints());
  EXPECT_TRUE(d.Observe(testing::Exec("batch", 31, "/bin/sh")).empty());
  EXPECT_TRUE(d.Observe(testing::Exec("", 32, "/bin/sh")).empty());
  d.Observe(testing::Exec("web", 11, "/bin/sh"));
  d.Observe(testing::Exec("web", 12, "/bin/sh"));
  d.Observe(testing::Dns("web", 12, V4(10, 0, 0, 53, 53), "x.example"));  // two findings
  d.Observe(testing::Fork("web", 12, 13));
  Detector::Stats want;
  want.events = 6;
  want.events_scored = 4;
  want.events_unprofiled = 1;
  want.findings = 3;
  want.repeats = 1;
  EXPECT_EQ(d.stats(), want);
  EXPECT_EQ(d.unprofiled_workloads(), std::set<std::string>{"batch"});
}

TEST(DetectorTest, SyscallFindingsFoldPerWorkloadAndName) {
  std::map<std::string, Fingerprint> fps = Fingerprints();
  fps["web"].syscalls["read"].count = 1;
  Detector d(std::move(fps));
  EXPECT_TRUE(d.Observe(testing::Syscall("web", 11, "read", 0)).empty());
  std::vector<Finding*> first = d.Observe(testing::Syscall("web", 11, "personality", 135, 1000));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]->kind, FindingKind::kSyscall);
  EXPECT_EQ(first[0]->subject, "personality");
  EXPECT_EQ(first[0]->severity, Severity::kHigh);
  // Another cgroup of the workload reports its own first use: a repeat.
  EXPECT_TRUE(d.Observe(testing::Syscall("web", 12, "personality", 135, 2000)).empty());
  ASSERT_EQ(d.findings().size(), 1u);
  EXPECT_EQ(d.findings()[0]->count, 2u);
}

TEST(DetectorTest, NoSyscallFindingsWithoutLearnedSyscalls) {
  Detector d(Fingerprints());
  EXPECT_TRUE(d.Observe(testing::Syscall("web", 11, "ptrace", 101)).empty());
  EXPECT_TRUE(d.findings().empty());
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

Event ExecOf(uint32_t pid, uint32_t ppid, const std::string& exe, int64_t t) {
  Event e;
  e.kind = EventKind::kExec;
  e.time_ns = t;
  e.workload = "w";
  e.pid = e.tid = pid;
  e.ppid = ppid;
  e.path = exe;
  e.process.pid = pid;
  e.process.ppid = ppid;
  e.process.exe = exe;
  return e;
}

// A script runner's new utilities are low and one finding for the window,
// each listed; once the shell that runs them raised a finding of medium or
// more (an intruder's `id` from a shell that looks like the job's), its next
// new utility is medium.
TEST(DetectorContextTest, AScriptRunnersNewUtilitiesAreLowUnlessTheirShellIsSuspect) {
  Fingerprint fp;
  fp.workload = "w";
  auto learn = [&fp](const Event& e) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item);
  };
  for (const char* step : {"date", "mkdir", "mv", "sort", "wc", "gzip", "tar", "find"}) {
    Event e = ExecOf(2, 1000, std::string("/usr/bin/") + step, 10);
    e.process.parent_exe = "/usr/bin/dash";
    learn(e);
  }
  Detector d({{"w", fp}});
  auto step = [](uint32_t pid, uint32_t shell, const std::string& exe, int64_t t) {
    Event e = ExecOf(pid, shell, exe, t);
    e.process.parent_exe = "/usr/bin/dash";
    return e;
  };
  std::vector<Finding*> gawk = d.Observe(step(20, 10, "/usr/bin/gawk", 1000));
  ASSERT_EQ(gawk.size(), 1u);
  EXPECT_EQ(gawk[0]->severity, Severity::kLow);
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(d.Observe(testing::Open("w", 20, "/usr/lib/x86_64-linux-gnu/lib" + std::to_string(i) + ".so",
                                        kAccessRead, 1100 + i))
                    .empty());
  }
  // Another script's new utility in the window: folded, and listed although
  // the examples were full of libraries.
  EXPECT_TRUE(d.Observe(step(21, 11, "/usr/bin/sha256sum", 2000)).empty());
  EXPECT_EQ(gawk[0]->folded, 9u);
  ASSERT_EQ(gawk[0]->folded_examples.size(), Finding::kMaxFoldedExamples);
  EXPECT_EQ(gawk[0]->folded_examples.back(), "exec /usr/bin/sha256sum");
  // An intruder in a shell like the job's: id is medium, and makes its shell suspect.
  std::vector<Finding*> id = d.Observe(step(30, 12, "/usr/bin/id", 3000));
  ASSERT_EQ(id.size(), 1u);
  EXPECT_EQ(id[0]->severity, Severity::kMedium);
  std::vector<Finding*> cat = d.Observe(step(31, 12, "/usr/bin/cat", 3100));
  ASSERT_EQ(cat.size(), 1u);
  EXPECT_EQ(cat[0]->severity, Severity::kMedium);
  // The job's other shell is not suspect: its new utility folds into the low finding.
  EXPECT_TRUE(d.Observe(step(22, 11, "/usr/bin/head", 3200)).empty());
}

// A package database as a map: exe -> source package.
class MapPackages : public PackageOracle {
 public:
  explicit MapPackages(std::map<std::string, std::string> of) : of_(std::move(of)) {}
  std::optional<Kin> SamePackage(const Event&, std::string_view exe,
                                 const std::map<std::string, ItemStats>& learned) override {
    ++asked;
    auto it = of_.find(std::string(exe));
    if (it == of_.end()) return std::nullopt;
    for (const auto& [path, stats] : learned) {
      if (auto l = of_.find(path); l != of_.end() && l->second == it->second) return Kin{it->second, path};
    }
    return std::nullopt;
  }
  int asked = 0;

 private:
  std::map<std::string, std::string> of_;
};

// A new program installed by the package of a program the workload ran (the
// mail server's postmap beside its postconf, in a directory all programs
// share and with no common stem) is its suite: low, and the package named.
// Not so for a shell or a network tool of that package, a program of another
// package, or without a package database.
TEST(DetectorContextTest, ANewProgramOfALearnedProgramsPackageIsItsSuite) {
  Fingerprint fp;
  fp.workload = "w";
  for (const Event& e : {ExecOf(2, 1, "/usr/lib/postfix/sbin/master", 10), ExecOf(3, 2, "/usr/sbin/postconf", 20)}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item);
  }
  MapPackages packages({{"/usr/lib/postfix/sbin/master", "postfix"},
                        {"/usr/sbin/postconf", "postfix"},
                        {"/usr/sbin/postmap", "postfix"},
                        {"/usr/bin/nc", "postfix"},
                        {"/usr/bin/gpg", "gnupg"}});
  auto exec = [](uint32_t pid, const std::string& exe, int64_t t) {
    Event e = ExecOf(pid, 2, exe, t);
    e.process.parent_exe = "/usr/lib/postfix/sbin/master";
    return e;
  };
  const int64_t apart = 120'000'000'000;  // each its own incident window
  Detector without({{"w", fp}});
  std::vector<Finding*> unknown = without.Observe(exec(30, "/usr/sbin/postmap", 1000));
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0]->severity, Severity::kMedium) << "no package database: a stranger";

  Detector d({{"w", fp}});
  d.SetPackageOracle(&packages);
  std::vector<Finding*> postmap = d.Observe(exec(30, "/usr/sbin/postmap", 1000));
  ASSERT_EQ(postmap.size(), 1u);
  EXPECT_EQ(postmap[0]->severity, Severity::kLow);
  EXPECT_NE(postmap[0]->reason.find("installed by postfix, the package of the workload's own "
                                    "/usr/lib/postfix/sbin/master"),
            std::string::npos)
      << postmap[0]->reason;
  std::vector<Finding*> gpg = d.Observe(exec(31, "/usr/bin/gpg", 1000 + apart));
  ASSERT_EQ(gpg.size(), 1u);
  EXPECT_EQ(gpg[0]->severity, Severity::kMedium) << "another package";
  std::vector<Finding*> nc = d.Observe(exec(32, "/usr/bin/nc", 1000 + 2 * apart));
  ASSERT_EQ(nc.size(), 1u);
  EXPECT_GE(nc[0]->severity, Severity::kHigh) << "a network tool stays one, whatever installed it";
  // Known programs are not asked about.
  const int asked = packages.asked;
  EXPECT_TRUE(d.Observe(exec(33, "/usr/sbin/postconf", 1000 + 3 * apart)).empty());
  EXPECT_EQ(packages.asked, asked);
}

TEST(DetectorIncidentTest, OneProcessTreeCloseInTimeIsOneIncident) {
  Fingerprint fp;
  fp.workload = "w";
  fp.executables["/usr/sbin/app"] = ItemStats{1, 0, 0, 1, 0};
  Detector d({{"w", fp}});
  const int64_t s = 1'000'000'000;
  // A shell (pid 50) spawned under the app runs two commands: one incident.
  auto a = d.Observe(ExecOf(50, 10, "/bin/sh", 1 * s));
  auto b = d.Observe(ExecOf(51, 50, "/usr/bin/id", 2 * s));
  auto c = d.Observe(ExecOf(52, 50, "/usr/bin/uname", 3 * s));
  // An unrelated process tree, and the same tree long after: new incidents.
  auto other = d.Observe(ExecOf(90, 80, "/usr/bin/curl", 4 * s));
  auto late = d.Observe(ExecOf(53, 50, "/usr/bin/wget", 200 * s));
  ASSERT_EQ(a.size() + b.size() + c.size() + other.size() + late.size(), 5u);
  EXPECT_NE(a[0]->incident, 0);
  EXPECT_EQ(b[0]->incident, a[0]->incident);
  EXPECT_EQ(c[0]->incident, a[0]->incident);
  EXPECT_NE(other[0]->incident, a[0]->incident);
  EXPECT_NE(late[0]->incident, a[0]->incident);
  EXPECT_NE(late[0]->incident, other[0]->incident);
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

Event OpenAt(int64_t t, const std::string& path, uint8_t access) {
  Event e;
  e.kind = EventKind::kOpen;
  e.time_ns = t;
  e.workload = "w";
  e.pid = e.tid = 7;
  e.path = path;
  e.access = access;
  e.result = 3;
  e.process.pid = 7;
  e.process.exe = "/usr/sbin/app";
  return e;
}

TEST(DetectorRateTest, AWriteBurstIsOneRateFindingAndRepeatsFold) {
  const int64_t s = 1'000'000'000;
  // Training: 60 buckets of ten reads of known files and one write.
  Fingerprint fp;
  fp.workload = "w";
  RateBucketer bucketer;
  auto learn = [&](const std::vector<RateSample>& v) {
    for (const auto& x : v) Learn(&fp.rates, x);
  };
  for (int b = 0; b < 60; ++b) {
    for (int i = 0; i < 10; ++i) {
      Event e = OpenAt(b * 10 * s + i * s, "/srv/app/f" + std::to_string(i), kAccessRead);
      fp.files[e.path] = ItemStats{60, 0, 0, 1, kAccessRead};
      learn(bucketer.Observe(e));
    }
    learn(bucketer.Observe(OpenAt(b * 10 * s + 9 * s, "/srv/app/log", kAccessWrite)));
  }
  fp.files["/srv/app/log"] = ItemStats{60, 0, 0, 1, kAccessWrite};
  ASSERT_GE(fp.rates.buckets, 30u);

  Detector d({{"w", fp}});
  const int64_t t0 = 1000 * s;
  std::vector<Finding*> got;
  auto take = [&](std::vector<Finding*> v) { got.insert(got.end(), v.begin(), v.end()); };
  // Normal buckets raise nothing.
  for (int b = 0; b < 5; ++b) {
    for (int i = 0; i < 10; ++i) take(d.Observe(OpenAt(t0 + b * 10 * s + i * s, "/srv/app/f" + std::to_string(i), kAccessRead)));
  }
  EXPECT_TRUE(got.empty());
  // A ransomware-like burst: 500 writes in one bucket, then again later.
  for (int burst = 0; burst < 2; ++burst) {
    int64_t start = t0 + (10 + burst * 5) * 10 * s;
    for (int i = 0; i < 500; ++i) {
      take(d.Observe(OpenAt(start + i * 1'000'000, "/srv/app/log", kAccessWrite)));
    }
  }
  take(d.Flush());
  // The workload's own program wrote it: load, one low finding for both bursts.
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->kind, FindingKind::kRate);
  EXPECT_EQ(got[0]->subject.rfind("load burst: writes 500/10s", 0), 0u) << got[0]->subject;
  EXPECT_EQ(got[0]->severity, Severity::kLow);
  EXPECT_EQ(got[0]->count, 2u);
}

// The same burst from a process a new program started is that program's
// behaviour: raised, not load.
TEST(DetectorRateTest, ABurstFromANewProgramsTreeIsRaised) {
  const int64_t s = 1'000'000'000;
  Fingerprint fp;
  fp.workload = "w";
  RateBucketer bucketer;
  for (int b = 0; b < 60; ++b) {
    for (int i = 0; i < 10; ++i) {
      Event e = OpenAt(b * 10 * s + i * s, "/srv/app/f" + std::to_string(i), kAccessRead);
      fp.files[e.path] = ItemStats{60, 0, 0, 1, kAccessRead};
      for (const auto& x : bucketer.Observe(e)) Learn(&fp.rates, x);
    }
  }
  fp.executables["/usr/sbin/app"] = ItemStats{1, 0, 0, 1, 0};
  Detector d({{"w", fp}});
  const int64_t t0 = 1000 * s;
  std::vector<Finding*> got;
  auto take = [&](std::vector<Finding*> v) { got.insert(got.end(), v.begin(), v.end()); };
  Event exec = testing::Exec("w", 66, "/tmp/.x/enc", t0);
  take(d.Observe(exec));
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0]->kind, FindingKind::kExec);
  for (int i = 0; i < 500; ++i) {
    Event e = OpenAt(t0 + 20 * s + i * 1'000'000, "/srv/app/f0", kAccessWrite);
    e.pid = e.tid = e.process.pid = 66;
    e.process.exe = "/tmp/.x/enc";
    take(d.Observe(e));
  }
  take(d.Flush());
  const Finding* rate = nullptr;
  for (const Finding* f : got) {
    if (f->kind == FindingKind::kRate) rate = f;
  }
  ASSERT_NE(rate, nullptr);
  EXPECT_TRUE(rate->subject.starts_with("writes 500/10s")) << rate->subject;
  EXPECT_GE(rate->severity, Severity::kHigh) << rate->reason;
  EXPECT_NE(rate->reason.find("mostly from suspect processes"), std::string::npos) << rate->reason;

  // A known program is a suspect once it raised a finding of medium or more
  // (an intruder's shell where the workload runs shells): its burst is raised
  // too, and an hour later the same program's burst is load again.
  Detector d2({{"w", fp}});
  got.clear();
  auto burst = [&](int64_t start) {
    for (int i = 0; i < 500; ++i) take(d2.Observe(OpenAt(start + i * 1'000'000, "/srv/app/f0", kAccessWrite)));
  };
  take(d2.Observe(OpenAt(t0, "/etc/shadow", kAccessRead)));
  ASSERT_EQ(got.size(), 1u);
  ASSERT_GE(got[0]->severity, Severity::kMedium);
  burst(t0 + 20 * s);
  burst(t0 + 3600 * s);
  take(d2.Flush());
  std::vector<const Finding*> rates;
  for (const Finding* f : got) {
    if (f->kind == FindingKind::kRate) rates.push_back(f);
  }
  ASSERT_EQ(rates.size(), 2u);
  EXPECT_GE(rates[0]->severity, Severity::kHigh) << rates[0]->reason;
  EXPECT_TRUE(rates[1]->subject.starts_with("load burst: ")) << rates[1]->subject;
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

TEST(DetectorRestoreTest, TheSameDriftAfterARestartIsTheSameFinding) {
  Detector first(Fingerprints());
  std::vector<Finding*> raised = first.Observe(testing::Exec("web", 11, "/bin/sh", 1000));
  ASSERT_EQ(raised.size(), 1u);
  Finding stored = *raised[0];
  stored.id = 42;  // as the store numbered it
  Finding unstored = stored;
  unstored.id = 0;
  unstored.subject = "/bin/other";

  Detector second(Fingerprints());
  second.Restore({stored, unstored});
  // Same drift, same process tree, within the window: no new finding, a count, the same incident.
  EXPECT_TRUE(second.Observe(testing::Exec("web", 11, "/bin/sh", 2000)).empty());
  ASSERT_EQ(second.findings().size(), 1u);
  EXPECT_EQ(second.findings()[0]->id, 42);
  EXPECT_EQ(second.findings()[0]->count, 2u);
  EXPECT_EQ(second.Updated(), std::vector<Finding*>{second.findings()[0].get()});
  std::vector<Finding*> next = second.Observe(testing::Open("web", 11, "/etc/shadow", kAccessRead, 3000));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0]->incident, stored.incident);
  EXPECT_EQ(next[0]->incident_root, "exec /bin/sh");
  // What was never stored is not restored.
  EXPECT_EQ(second.Observe(testing::Exec("web", 12, "/bin/other", 4000)).size(), 1u);
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

// The seam of the kernel verdict cache: known events in a plain context say
// so; drift, unprofiled workloads and events of a new program's tree do not;
// a fingerprint change is announced before it takes effect.
// A connect right after its process queried a name the workload resolved
// in training reaches a new address of that service: no finding, and not a
// verdict for the kernel cache (it depends on the query). Without the query,
// after the window, or by another process, the same connect is a finding.
TEST(DetectorDnsTest, APeerReachedByALearnedNameIsKnownRightAfterTheQuery) {
  Fingerprint fp;
  fp.workload = "web";
  for (const Event& e : {testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "db.internal"),
                         testing::Connect("web", 10, V4(10, 0, 0, 7, 5432))}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item).access |= item.access;
  }
  Detector d({{"web", fp}});
  const int64_t s = 1'000'000'000;
  d.Observe(testing::Dns("web", 20, V4(10, 0, 0, 53, 53), "DB.internal.", 10 * s));
  EXPECT_TRUE(d.LastEventKnown());
  EXPECT_TRUE(d.Observe(testing::Connect("web", 20, V4(10, 0, 9, 8, 5432), 10 * s + 1000)).empty());
  EXPECT_FALSE(d.LastEventKnown());
  EXPECT_EQ(d.Observe(testing::Connect("web", 21, V4(10, 0, 9, 8, 5432), 10 * s + 2000)).size(), 1u);
  d.Observe(testing::Dns("web", 22, V4(10, 0, 0, 53, 53), "db.internal", 20 * s));
  EXPECT_EQ(d.Observe(testing::Connect("web", 22, V4(10, 0, 9, 9, 5432), 23 * s)).size(), 1u);
  // A process that exited forgets its query; its pid reused does not inherit it.
  d.Observe(testing::Dns("web", 23, V4(10, 0, 0, 53, 53), "db.internal", 30 * s));
  d.Observe(testing::Exit("web", 23, 30 * s + 10));
  EXPECT_EQ(d.Observe(testing::Connect("web", 23, V4(10, 0, 9, 10, 5432), 30 * s + 20)).size(), 1u);
}

// Plain reads judged known are remembered per baseline: the same verdicts,
// by path and success, until the baseline changes; a runtime helper's read
// (never a finding) and a new program's tree's read teach nothing.
TEST(DetectorKnownReadsTest, RememberedReadsGiveTheScorersVerdicts) {
  Detector d(Fingerprints());  // web: nginx reads /etc/nginx/nginx.conf
  const std::string conf = "/etc/nginx/nginx.conf";
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(d.Observe(testing::Open("web", 10, conf, kAccessRead, 1000 + i)).empty());
    EXPECT_TRUE(d.LastEventKnown());
  }
  // A failed read is absolved (it read nothing); the same path read successfully is not.
  const std::string other = "/etc/nginx/other.conf";
  EXPECT_TRUE(d.Observe(testing::Open("web", 10, other, kAccessRead, 2000, -2)).empty());
  EXPECT_EQ(d.Observe(testing::Open("web", 10, other, kAccessRead, 2100)).size(), 1u);
  // A runtime helper reads anything without a finding; others still raise one.
  Event helper = testing::Open("web", 11, "/srv/third.conf", kAccessRead, 3000);
  helper.process.exe = "/usr/bin/runc";
  EXPECT_TRUE(d.Observe(helper).empty());
  EXPECT_EQ(d.Observe(testing::Open("web", 12, "/srv/third.conf", kAccessRead, 3100)).size(), 1u);
  // A new baseline without the file: the remembered verdict goes with the old one.
  Fingerprint fp;
  fp.workload = "web";
  for (const ItemRef& item : ItemsOf(testing::Exec("web", 10, "/usr/sbin/nginx"))) FindOrAddItem(&fp, item);
  d.SetFingerprint(fp);
  const int64_t later = 4000 + DetectorOptions{}.incident_window_ns;  // past /etc/nginx's read fold
  EXPECT_EQ(d.Observe(testing::Open("web", 10, conf, kAccessRead, later)).size(), 1u);
}

// Writes judged known are remembered too, with their access bits: a file
// training only wrote is drift when read, every time; a write whose path
// spells the writer's pid is normalised for each writer, never remembered.
TEST(DetectorKnownReadsTest, RememberedWritesKeepTheirAccessAndTheWritersIds) {
  const std::string log = "/var/log/nginx/access.log";
  const uint8_t create = kAccessWrite | kAccessCreate;
  Fingerprint fp;
  fp.workload = "web";
  for (const Event& e : {testing::Exec("web", 10, "/usr/sbin/nginx"),
                         testing::Open("web", 10, log, kAccessWrite),
                         testing::Open("web", 4242, "/run/nginx/4242.lock", create)}) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item).access |= item.access;
  }
  Detector d({{"web", fp}});
  auto known = [&d](const Event& e) {
    d.Observe(e);
    return d.LastEventKnown();
  };
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(known(testing::Open("web", 10, log, kAccessWrite, 1000 + i)));
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(known(testing::Open("web", 10, log, kAccessRead, 1100 + i)));
  EXPECT_TRUE(known(testing::Open("web", 10, log, kAccessWrite, 1200)));
  // Each writer's own lock file is known; another writer's number is not.
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(known(testing::Open("web", 4242, "/run/nginx/4242.lock", create, 2000 + i)));
    EXPECT_FALSE(known(testing::Open("web", 5353, "/run/nginx/4242.lock", create, 2100 + i)));
    EXPECT_TRUE(known(testing::Open("web", 5353, "/run/nginx/5353.lock", create, 2200 + i)));
  }
}

TEST(DetectorVerdictSeamTest, LastEventKnownAndFingerprintChanges) {
  Detector d(Fingerprints());
  d.Observe(testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessRead));
  EXPECT_TRUE(d.LastEventKnown());
  d.Observe(testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessRead | kAccessWrite));
  EXPECT_FALSE(d.LastEventKnown());  // a known file with new access bits: drift
  d.Observe(testing::Open("api", 10, "/etc/nginx/nginx.conf", kAccessRead));
  EXPECT_FALSE(d.LastEventKnown());  // no fingerprint
  // A new program (a shell) and its child: their known reads are not
  // cacheable, since their context is not the workload's.
  d.Observe(testing::Exec("web", 20, "/bin/sh"));
  EXPECT_FALSE(d.LastEventKnown());
  d.Observe(testing::Open("web", 20, "/etc/nginx/nginx.conf", kAccessRead));
  EXPECT_FALSE(d.LastEventKnown());
  d.Observe(testing::Fork("web", 20, 21));
  d.Observe(testing::Open("web", 21, "/etc/nginx/nginx.conf", kAccessRead));
  EXPECT_FALSE(d.LastEventKnown());
  d.Observe(testing::Open("web", 10, "/etc/nginx/nginx.conf", kAccessRead));
  EXPECT_TRUE(d.LastEventKnown());

  std::vector<std::string> changed;
  d.OnFingerprintChange([&](const std::string& w) {
    changed.push_back(w);
    EXPECT_TRUE(d.HasFingerprint("web"));  // before the change takes effect
  });
  Fingerprint fp = *d.fingerprint("web");
  d.SetFingerprint(fp);
  d.RemoveFingerprint("web");
  EXPECT_EQ(changed, (std::vector<std::string>{"web", "web"}));
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

// An FTP-like workload's port habits (PortHabits) through the Detector: a
// connection back to an address that connected in during this run is known;
// the new data ports of a widened passive range are one low finding.
TEST(DetectorPortHabitsTest, ClientsOfThisRunAndNewDataPortsOfOneChange) {
  Fingerprint fp;
  fp.workload = "ftp";
  for (const Event& e : testing::PortHabitTraining("ftp")) {
    for (const ItemRef& item : ItemsOf(e)) FindOrAddItem(&fp, item).access |= item.access;
  }
  Detector d({{"ftp", fp}});
  EXPECT_EQ(d.Observe(testing::Connect("ftp", 20, V4(127, 0, 21, 9, 41000))).size(), 1u) << "not a client yet";
  d.Observe(testing::Accept("ftp", 20, V4(127, 0, 0, 1, 2121), V4(127, 0, 21, 75, 45000)));
  EXPECT_TRUE(d.Observe(testing::Connect("ftp", 20, V4(127, 0, 21, 75, 41234))).empty());
  EXPECT_TRUE(d.LastEventKnown());
  // A widened passive range: the first new port is a low finding, the next
  // ones within the window fold into it.
  std::vector<Finding*> first = d.Observe(testing::Listen("ftp", 21, V4(127, 0, 0, 1, 12150), 2000));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]->severity, Severity::kLow);
  for (uint16_t port = 12151; port < 12155; ++port) {
    EXPECT_TRUE(d.Observe(testing::Listen("ftp", 22, V4(127, 0, 0, 1, port), 3000)).empty()) << port;
  }
  EXPECT_EQ(d.findings().size(), 2u);  // the first connect and the ports
}

}  // namespace
}  // namespace dw::model
