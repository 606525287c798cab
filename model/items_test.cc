// model/items_test.cc: the Event -> item mapping shared by learning and scoring.
#include "model/items.h"

#include <gtest/gtest.h>

#include <vector>

#include "model/generalize.h"
#include "model/testing/test_events.h"

namespace dw::model {
namespace {

using testing::V4;
using Table = ItemRef::Table;

ItemRef Net(Direction d, uint8_t protocol, const char* address, uint16_t port,
            const char* subject) {
  ItemRef r;
  r.kind = FindingKind::kNetwork;
  r.table = Table::kNetwork;
  r.net = NetItem{d, protocol, address, port};
  r.subject = subject;
  return r;
}

TEST(ItemsOfTest, ExecIsTheExecutablePath) {
  ItemRef want;
  want.kind = FindingKind::kExec;
  want.table = Table::kExecutable;
  want.key = "/usr/bin/curl";
  want.subject = "/usr/bin/curl";
  EXPECT_EQ(ItemsOf(testing::Exec("web", 10, "/usr/bin/curl")), std::vector<ItemRef>{want});
}

TEST(ItemsOfTest, ExecFallsBackToTheProcessExe) {
  Event e = testing::Exec("web", 10, "/usr/bin/env");
  e.path.clear();
  std::vector<ItemRef> items = ItemsOf(e);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].key, "/usr/bin/env");
  e.process.exe.clear();
  EXPECT_TRUE(ItemsOf(e).empty());
}

TEST(ItemsOfTest, OpenIsTheNormalisedPathWithAccess) {
  ItemRef want;
  want.kind = FindingKind::kFile;
  want.table = Table::kFile;
  want.key = "/proc/<pid>/status";
  want.access = kAccessRead;
  want.subject = "/proc/<pid>/status";
  EXPECT_EQ(ItemsOf(testing::Open("web", 10, "/proc/4242/status", kAccessRead)),
            std::vector<ItemRef>{want});
}

TEST(ItemsOfTest, FailedOpenIsStillAnItem) {
  Event e = testing::Open("web", 10, "/etc/shadow", kAccessRead, 1000, -13);
  ItemRef want;
  want.kind = FindingKind::kFile;
  want.table = Table::kFile;
  want.key = "/etc/shadow";
  want.access = kAccessRead;
  want.subject = "/etc/shadow";
  EXPECT_EQ(ItemsOf(e), std::vector<ItemRef>{want});
}

TEST(ItemsOfTest, ConnectIsThePeer) {
  EXPECT_EQ(ItemsOf(testing::Connect("web", 10, V4(10, 0, 0, 7, 5432))),
            std::vector<ItemRef>{Net(Direction::kOutbound, 6, "10.0.0.7", 5432, "10.0.0.7:5432")});
}

TEST(ItemsOfTest, AcceptIsTheClientAddressAndOurPort) {
  // The client's ephemeral port (51000) is not part of the item.
  Event e = testing::Accept("web", 10, V4(10, 0, 0, 2, 8080), V4(10, 0, 0, 9, 51000));
  std::vector<ItemRef> want = {Net(Direction::kInbound, 6, "10.0.0.9", 8080, "10.0.0.9 -> :8080")};
  EXPECT_EQ(ItemsOf(e), want);
  e.peer.port = 51999;
  EXPECT_EQ(ItemsOf(e), want);
}

TEST(ItemsOfTest, ListenIsTheBoundAddress) {
  EXPECT_EQ(
      ItemsOf(testing::Listen("web", 10, V4(0, 0, 0, 0, 8080))),
      std::vector<ItemRef>{Net(Direction::kListen, 6, "0.0.0.0", 8080, "listen 0.0.0.0:8080")});
}

TEST(ItemsOfTest, DnsIsTheResolverAndTheLowerCaseName) {
  ItemRef name;
  name.kind = FindingKind::kNetwork;
  name.table = Table::kDns;
  name.key = "api.example.com";
  name.subject = "api.example.com";
  EXPECT_EQ(
      ItemsOf(testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "API.Example.com.")),
      (std::vector<ItemRef>{Net(Direction::kDns, 17, "10.0.0.53", 53, "dns 10.0.0.53:53"), name}));
  EXPECT_EQ(ItemsOf(testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "")),
            std::vector<ItemRef>{Net(Direction::kDns, 17, "10.0.0.53", 53, "dns 10.0.0.53:53")});
}

TEST(ItemsOfTest, UnusualProtocolIsNamedInTheSubject) {
  Event e = testing::Connect("web", 10, V4(10, 0, 0, 7, 9000));
  e.protocol = 17;
  EXPECT_EQ(ItemsOf(e), std::vector<ItemRef>{
                            Net(Direction::kOutbound, 17, "10.0.0.7", 9000, "udp 10.0.0.7:9000")});
  e.protocol = 0;  // unknown: the kind's usual protocol
  EXPECT_EQ(ItemsOf(e),
            std::vector<ItemRef>{Net(Direction::kOutbound, 6, "10.0.0.7", 9000, "10.0.0.7:9000")});
}

TEST(ItemsOfTest, Ipv6PeerIsBracketed) {
  Event e = testing::Connect("web", 10, Endpoint{});
  e.peer.family = 10;
  e.peer.addr[15] = 1;  // ::1
  e.peer.port = 443;
  EXPECT_EQ(ItemsOf(e),
            std::vector<ItemRef>{Net(Direction::kOutbound, 6, "::1", 443, "[::1]:443")});
}

TEST(ItemsOfTest, ProcessLifecycleAndEmptyEventsTouchNothing) {
  EXPECT_TRUE(ItemsOf(testing::Fork("web", 10, 11)).empty());
  EXPECT_TRUE(ItemsOf(testing::Exit("web", 10)).empty());
  EXPECT_TRUE(ItemsOf(testing::Open("web", 10, "", kAccessRead)).empty());
  EXPECT_TRUE(ItemsOf(testing::Connect("web", 10, Endpoint{})).empty());
}

// The detection path's ItemsOf reuses one scratch from event to event: each
// event's items are exactly the fresh ones, whatever came before (longer
// paths, more items, other kinds, fields a network item sets and a file item
// does not).
TEST(ItemsOfTest, AReusedScratchGivesEachEventsItemsWhole) {
  std::vector<Event> events;
  Event exec = testing::Exec("web", 10, "/usr/bin/python3.11");
  exec.process.parent_exe = "/usr/bin/dash";
  events.push_back(exec);
  events.push_back(testing::Open("web", 10, "/srv/app/data/20261203/report-4242.csv.1",
                                 kAccessWrite | kAccessCreate));
  Endpoint v6;
  v6.family = 10;
  v6.addr[15] = 1;
  v6.port = 53;
  Event dns = testing::Dns("web", 10, v6, "Example.COM.");
  dns.protocol = 6;  // an unusual protocol: a prefixed subject
  events.push_back(dns);
  events.push_back(testing::Dns("web", 10, V4(10, 0, 0, 2, 53), ""));  // no name
  events.push_back(testing::Open("web", 10, "/a", kAccessRead));
  events.push_back(testing::Fork("web", 10, 11));
  events.push_back(testing::Accept("web", 10, V4(0, 0, 0, 0, 8080), V4(192, 168, 1, 9, 40000)));
  events.push_back(testing::Exec("web", 12, "/memfd:x (deleted)"));
  events.push_back(testing::Syscall("web", 12, "ptrace"));
  events.push_back(testing::Listen("web", 12, V4(127, 0, 0, 1, 9000)));
  events.push_back(testing::Connect("web", 12, V4(10, 1, 2, 3, 443)));

  ItemScratch scratch;
  for (int round = 0; round < 2; ++round) {
    for (const Event& e : events) {
      std::span<const ItemRef> got = ItemsOf(e, &scratch);
      EXPECT_EQ(std::vector<ItemRef>(got.begin(), got.end()), ItemsOf(e))
          << EventKindName(e.kind) << " " << e.path;
    }
  }
  // And the fresh answers are what the other tests say: spot checks.
  EXPECT_EQ(ItemsOf(dns)[1].subject, "example.com");
  EXPECT_EQ(ItemsOf(dns)[0].subject, "tcp dns [::1]:53");
  EXPECT_EQ(ItemsOf(events[7])[0].key, "memfd:x");
}

// Reads' normal forms are remembered up to kRemembered paths, then forgotten:
// the same items across the forgetting. A write shares a read's form unless
// its path spells the writer's pid or tid.
TEST(ItemsOfTest, RememberedReadsSurviveForgetting) {
  ItemScratch scratch;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < ItemScratch::kRemembered + 50; ++i) {
      const Event e = testing::Open("web", 10, "/proc/" + std::to_string(1000 + i) + "/status", kAccessRead);
      std::span<const ItemRef> got = ItemsOf(e, &scratch);
      ASSERT_EQ(got.size(), 1u);
      ASSERT_EQ(got[0].key, "/proc/<pid>/status");
    }
  }
  Event read = testing::Open("web", 4242, "/srv/out/4242.tmp", kAccessRead);
  EXPECT_EQ(ItemsOf(read, &scratch)[0].key, "/srv/out/4242.tmp");
  Event write = testing::Open("web", 4242, "/srv/out/4242.tmp", kAccessWrite);
  EXPECT_EQ(ItemsOf(write, &scratch)[0].key, "/srv/out/<pid>.tmp");
  EXPECT_EQ(ItemsOf(read, &scratch)[0].key, "/srv/out/4242.tmp");
  EXPECT_EQ(ItemsOf(write, &scratch)[0].key, "/srv/out/<pid>.tmp");
  Event other = testing::Open("web", 4343, "/srv/out/4242.tmp", kAccessWrite);
  EXPECT_EQ(ItemsOf(other, &scratch)[0].key, "/srv/out/4242.tmp");
  Event thread = testing::Open("web", 4242, "/srv/out/5151.tmp", kAccessCreate);
  EXPECT_EQ(ItemsOf(thread, &scratch)[0].key, "/srv/out/5151.tmp");
  thread.tid = 5151;
  EXPECT_EQ(ItemsOf(thread, &scratch)[0].key, "/srv/out/<tid>.tmp");
  // Every event of the test, through a fresh scratch and a warm one: the same.
  for (const Event& e : {read, write, other, thread}) {
    ItemScratch fresh;
    EXPECT_EQ(ItemsOf(e, &fresh)[0].key, ItemsOf(e, &scratch)[0].key) << e.path;
  }
}

TEST(FindItemTest, FindsWhatFindOrAddAdded) {
  Fingerprint fp;
  Event events[] = {testing::Exec("web", 1, "/bin/app"),
                    testing::Open("web", 1, "/etc/hosts", kAccessRead),
                    testing::Connect("web", 1, V4(10, 0, 0, 7, 5432)),
                    testing::Dns("web", 1, V4(10, 0, 0, 53, 53), "db.internal")};
  for (const Event& e : events) {
    for (const ItemRef& item : ItemsOf(e)) {
      EXPECT_EQ(FindItem(fp, item), nullptr) << item.subject;
      FindOrAddItem(&fp, item).count = 7;
      const ItemStats* found = FindItem(fp, item);
      ASSERT_NE(found, nullptr) << item.subject;
      EXPECT_EQ(found->count, 7u);
    }
  }
  EXPECT_EQ(fp.executables.size(), 1u);
  EXPECT_EQ(fp.files.size(), 1u);
  EXPECT_EQ(fp.network.size(), 2u);  // the outbound peer and the resolver
  EXPECT_EQ(fp.dns_names.size(), 1u);
}

ItemRef Lineage(const std::string& edge) {
  ItemRef r;
  r.kind = FindingKind::kExec;
  r.table = Table::kLineage;
  r.key = edge;
  r.subject = edge;
  return r;
}

ItemRef Exe(const std::string& exe) {
  ItemRef r;
  r.kind = FindingKind::kExec;
  r.table = Table::kExecutable;
  r.key = exe;
  r.subject = exe;
  return r;
}

TEST(ItemsOfTest, ExecWithAKnownParentIsAlsoALineageEdge) {
  Event e = testing::Exec("web", 10, "/bin/sh");
  e.process.parent_exe = "/usr/sbin/nginx";
  EXPECT_EQ(ItemsOf(e),
            (std::vector<ItemRef>{Exe("/bin/sh"), Lineage("/usr/sbin/nginx -> /bin/sh")}));
  // Started by the runtime: one parent name on every host.
  e.process.parent_exe = "/usr/local/bin/containerd-shim-runc-v2";
  EXPECT_EQ(ItemsOf(e),
            (std::vector<ItemRef>{Exe("/bin/sh"), Lineage("<container-runtime> -> /bin/sh")}));
  e.process.parent_exe = "/memfd:runc_cloned:/proc/self/exe (deleted)";
  EXPECT_EQ(ItemsOf(e)[1], Lineage("<container-runtime> -> /bin/sh"));
}

TEST(IsRuntimeHelperTest, ByExecutableAndRuncInitComm) {
  struct Case {
    const char* exe;
    const char* comm;
    bool helper;
  } cases[] = {
      {"/usr/bin/runc", "runc", true},
      {"/usr/sbin/runc", "", true},
      {"/usr/bin/crun", "", true},
      {"/usr/local/bin/youki", "", true},
      {"/usr/bin/runsc", "", true},
      {"/usr/bin/conmon", "", true},
      {"/usr/bin/containerd-shim-runc-v2", "containerd-shim", true},
      {"/usr/bin/runc (deleted)", "", true},
      {"/memfd:runc_cloned:/proc/self/exe (deleted)", "runc:[2:INIT]", true},
      {"", "runc:[1:CHILD]", true},
      // Not helpers.
      {"/usr/sbin/nginx", "nginx", false},
      {"/usr/bin/runcx", "", false},
      {"/tmp/runc", "runc", false},  // world-writable: never trusted
      {"/dev/shm/containerd-shim", "", false},
      {"/usr/bin/python3", "runc:[2:INIT]", false},  // a comm alone proves nothing
      {"", "nginx", false},
  };
  for (const Case& c : cases) {
    Event e = testing::Open("web", 10, "/etc/hosts", kAccessRead);
    e.process.exe = c.exe;
    e.comm = c.comm;
    EXPECT_EQ(IsRuntimeHelper(e), c.helper) << c.exe << " " << c.comm;
    EXPECT_EQ(ItemsOf(e).empty(), c.helper) << c.exe << " " << c.comm;
  }
  // For an exec, the new image decides: runc init becoming the entrypoint is
  // the workload's own exec.
  Event entry = testing::Exec("web", 10, "/docker-entrypoint.sh");
  entry.comm = "docker-entrypoi";
  EXPECT_FALSE(IsRuntimeHelper(entry));
  EXPECT_TRUE(IsRuntimeHelper(testing::Exec("web", 10, "/usr/bin/runc")));
}

TEST(FindItemTest, PatternsStandInForTheItemsTheyReplaced) {
  Fingerprint fp;
  fp.file_patterns["/var/cache/app/*"].stats.access = kAccessRead;
  fp.net_patterns[NetItem{Direction::kOutbound, 6, "10.1.0.0/24", 5432}].stats.count = 9;
  ItemRef file = ItemsOf(testing::Open("web", 1, "/var/cache/app/new", kAccessRead))[0];
  ItemRef peer = ItemsOf(testing::Connect("web", 1, V4(10, 1, 0, 99, 5432)))[0];

  ItemMatch m = LookupItem(fp, file);
  EXPECT_EQ(m.stats, &fp.file_patterns.at("/var/cache/app/*").stats);
  ASSERT_NE(m.file_pattern, nullptr);
  EXPECT_EQ(*m.file_pattern, "/var/cache/app/*");
  EXPECT_EQ(m.net_pattern, nullptr);
  m = LookupItem(fp, peer);
  ASSERT_NE(m.net_pattern, nullptr);
  EXPECT_EQ(m.net_pattern->address, "10.1.0.0/24");

  // Learning goes into the pattern; nothing is re-added.
  FindOrAddItem(&fp, file).access |= kAccessWrite;
  ++FindOrAddItem(&fp, peer).count;
  EXPECT_TRUE(fp.files.empty());
  EXPECT_TRUE(fp.network.empty());
  EXPECT_EQ(fp.file_patterns.at("/var/cache/app/*").stats.access, kAccessRead | kAccessWrite);
  EXPECT_EQ(fp.net_patterns.begin()->second.stats.count, 10u);

  // An exact item wins over the pattern; protected paths never match one.
  fp.files["/var/cache/app/exact"].count = 3;
  EXPECT_EQ(FindItem(fp, ItemsOf(testing::Open("web", 1, "/var/cache/app/exact", 1))[0])->count,
            3u);
  fp.file_patterns["/home/ann/*"];
  ItemRef key = ItemsOf(testing::Open("web", 1, "/home/ann/id_rsa", kAccessRead))[0];
  EXPECT_EQ(FindItem(fp, key), nullptr);
  FindOrAddItem(&fp, key);
  EXPECT_EQ(fp.files.count("/home/ann/id_rsa"), 1u);
}

TEST(ItemsOfTest, SyscallIsItsName) {
  ItemRef want;
  want.kind = FindingKind::kSyscall;
  want.table = Table::kSyscall;
  want.key = "personality";
  want.subject = "personality";
  EXPECT_EQ(ItemsOf(testing::Syscall("web", 10, "personality", 135)), std::vector<ItemRef>{want});
  EXPECT_TRUE(ItemsOf(testing::Syscall("web", 10, "", 135)).empty());
}

TEST(FindItemTest, SyscallsHaveTheirOwnTable) {
  Fingerprint fp;
  const ItemRef item = ItemsOf(testing::Syscall("web", 10, "openat", 257))[0];
  EXPECT_EQ(FindItem(fp, item), nullptr);
  FindOrAddItem(&fp, item).count = 3;
  ASSERT_NE(FindItem(fp, item), nullptr);
  EXPECT_EQ(FindItem(fp, item)->count, 3u);
  EXPECT_EQ(fp.syscalls.count("openat"), 1u);
  EXPECT_EQ(fp.ItemCount(), 1u);
}

TEST(FindItemTest, LineageEdgesHaveTheirOwnTable) {
  Fingerprint fp;
  ItemRef edge = Lineage("/usr/sbin/nginx -> /bin/sh");
  EXPECT_EQ(FindItem(fp, edge), nullptr);
  FindOrAddItem(&fp, edge).count = 2;
  EXPECT_EQ(fp.lineage.at("/usr/sbin/nginx -> /bin/sh").count, 2u);
  EXPECT_EQ(FindItem(fp, Exe("/bin/sh")), nullptr);
}

TEST(DnsRecallTest, RemembersTheLastNamePerProcessWithinTheWindow) {
  DnsRecall recall(1000);
  recall.Observe(testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "Api.Example.com.", 5000));
  recall.Observe(testing::Dns("web", 11, V4(10, 0, 0, 53, 53), "other.example", 5000));
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", 10, V4(1, 2, 3, 4, 443), 5500)),
            "api.example.com");
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", 10, V4(1, 2, 3, 4, 443), 6001)), "");
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", 10, V4(1, 2, 3, 4, 443), 4000)), "");
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", 12, V4(1, 2, 3, 4, 443), 5500)), "");
  recall.Observe(testing::Exit("web", 10, 5600));
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", 10, V4(1, 2, 3, 4, 443), 5700)), "");
  EXPECT_EQ(recall.size(), 1u);
}

// A reverse lookup names one address: well-formed IPv4 and IPv6 reverse
// names only (a label that could carry anything else is a name like any).
TEST(ReverseLookupTest, OnlyWellFormedReverseNames) {
  EXPECT_TRUE(IsReverseLookupName("141.17.0.127.in-addr.arpa"));
  EXPECT_TRUE(IsReverseLookupName("0.0.0.0.in-addr.arpa"));
  EXPECT_TRUE(IsReverseLookupName(
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"));
  for (const char* name : {"256.17.0.127.in-addr.arpa", "17.0.127.in-addr.arpa", "1.2.3.4.5.in-addr.arpa",
                           "01.2.3.4.in-addr.arpa", "exfil.2.3.4.in-addr.arpa", "in-addr.arpa",
                           "1.2.3.4.in-addr.arpa.evil.example", "a.b.ip6.arpa", "example.com",
                           "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.g.ip6.arpa"}) {
    EXPECT_FALSE(IsReverseLookupName(name)) << name;
  }
}

// A reverse lookup resolves no name for the connect that follows: the
// forward query before it is still what the connect resolved.
TEST(DnsRecallTest, AReverseLookupIsNotTheNameAConnectResolved) {
  DnsRecall recall(1000);
  recall.Observe(testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "origin.example", 5000));
  recall.Observe(testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "9.17.0.127.in-addr.arpa", 5100));
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", 10, V4(1, 2, 3, 4, 443), 5500)), "origin.example");
  recall.Observe(testing::Dns("web", 11, V4(10, 0, 0, 53, 53), "9.17.0.127.in-addr.arpa", 5100));
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", 11, V4(1, 2, 3, 4, 443), 5500)), "");
}

// Lost exits cannot grow it without bound: full, it starts over.
TEST(DnsRecallTest, IsBoundedWhenExitsAreLost) {
  DnsRecall recall(1000);
  for (uint32_t pid = 1; pid <= DnsRecall::kMaxProcesses + 10; ++pid) {
    recall.Observe(testing::Dns("web", pid, V4(10, 0, 0, 53, 53), "a.example", 5000));
  }
  EXPECT_LE(recall.size(), DnsRecall::kMaxProcesses);
  const uint32_t last = DnsRecall::kMaxProcesses + 10;
  EXPECT_EQ(recall.NameBefore(testing::Connect("web", last, V4(1, 2, 3, 4, 443), 5500)), "a.example");
}

TEST(NetItemTest, ToString) {
  EXPECT_EQ((NetItem{Direction::kOutbound, 6, "10.0.0.7", 5432}).ToString(),
            "outbound tcp 10.0.0.7:5432");
  EXPECT_EQ((NetItem{Direction::kInbound, 6, "127.0.0.1", 80}).ToString(),
            "inbound tcp 127.0.0.1 -> :80");
  EXPECT_EQ((NetItem{Direction::kListen, 6, "0.0.0.0", 80}).ToString(), "listen tcp 0.0.0.0:80");
  EXPECT_EQ((NetItem{Direction::kDns, 17, "::1", 53}).ToString(), "dns udp [::1]:53");
  EXPECT_EQ(std::string(FindingKindName(FindingKind::kNetwork)), "network");
  EXPECT_EQ(std::string(SeverityName(Severity::kCritical)), "critical");
  EXPECT_EQ(std::string(DirectionName(Direction::kInbound)), "inbound");
}

}  // namespace
}  // namespace dw::model
