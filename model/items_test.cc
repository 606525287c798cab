// model/items_test.cc: the Event -> item mapping shared by learning and scoring.
#include "model/items.h"

#include <gtest/gtest.h>

#include <vector>

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
