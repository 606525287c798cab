// collector/verdict_cache_test.cc: which events get a verdict-cache key, and
// how epochs make a workload's entries unreachable, against a fake of the
// kernel's maps that answers lookups as bpf/common.bpf.h does.
#include "collector/verdict_cache.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace dw::collector {
namespace {

// The kernel side: verdict_epochs and verdicts, and the lookup the programs
// make (a cgroup without an epoch is never answered).
class FakeMaps : public VerdictMaps {
 public:
  Status SetVerdictEpoch(CgroupId cgroup, uint32_t epoch) override {
    epochs[cgroup.value] = epoch;
    return Status::Ok();
  }
  Status ClearVerdictEpoch(CgroupId cgroup) override {
    epochs.erase(cgroup.value);
    return Status::Ok();
  }
  Status InsertVerdict(const VerdictKey& key) override {
    keys.insert(key);
    return Status::Ok();
  }
  // Whether the programs would filter `e`.
  bool Answers(const Event& e) const {
    auto it = epochs.find(e.cgroup.value);
    if (it == epochs.end()) return false;
    auto key = VerdictKeyOf(e, it->second);
    return key && keys.count(*key) > 0;
  }
  std::map<uint64_t, uint32_t> epochs;
  std::set<VerdictKey> keys;
};

Event Read(uint64_t cgroup, const std::string& workload, uint64_t ino) {
  Event e;
  e.kind = EventKind::kOpen;
  e.cgroup = CgroupId{cgroup};
  e.workload = workload;
  e.path = "/srv/www/index.html";
  e.access = kAccessRead;
  e.result = 4;
  e.file = FileId{ino, 2, 0x800001, 1, 30, 0x1234};
  return e;
}

Event Sock(EventKind kind, uint8_t last, uint16_t local_port, uint16_t peer_port) {
  Event e;
  e.kind = kind;
  e.cgroup = CgroupId{7};
  e.workload = "web";
  e.protocol = 6;
  e.local = Endpoint{2, {127, 0, 0, 1}, local_port};
  e.peer = Endpoint{2, {10, 0, 0, last}, peer_port};
  return e;
}

TEST(VerdictKeyTest, PlainReadsOfIdentifiedFiles) {
  Event e = Read(7, "web", 99);
  VerdictKey want;
  want.cgroup = 7;
  want.epoch = 3;
  want.kind = static_cast<uint16_t>(EventKind::kOpen);
  want.access = kAccessRead;
  want.file = e.file;
  EXPECT_EQ(VerdictKeyOf(e, 3), want);
  // The path is not in the key: the kernel never walks it for a lookup.
  e.path = "/elsewhere";
  EXPECT_EQ(VerdictKeyOf(e, 3), want);
  // Another generation of the same inode number is another key.
  Event reused = Read(7, "web", 99);
  reused.file.generation = 2;
  EXPECT_NE(VerdictKeyOf(reused, 3), want);
}

TEST(VerdictKeyTest, WhatIsNeverCached) {
  Event write = Read(7, "web", 99);
  write.access = kAccessRead | kAccessWrite;
  Event create = Read(7, "web", 99);
  create.access = kAccessWrite | kAccessCreate;
  Event failed = Read(7, "web", 99);
  failed.result = -2;
  Event unknown_file = Read(7, "web", 99);  // wire version 1 or 2
  unknown_file.file = FileId{};
  Event exec;
  exec.kind = EventKind::kExec;
  exec.path = "/usr/sbin/nginx";
  Event listen = Sock(EventKind::kListen, 1, 80, 0);
  Event udp = Sock(EventKind::kConnect, 1, 40000, 53);
  udp.protocol = 17;
  for (const Event& e : {write, create, failed, unknown_file, exec, listen, udp}) {
    EXPECT_EQ(VerdictKeyOf(e, 1), std::nullopt) << EventKindName(e.kind) << " " << int{e.access};
  }
}

TEST(VerdictKeyTest, ConnectsByPeerPortAcceptsByLocalPort) {
  // A connect is its peer and the peer's port; an accept its client and our
  // port (the client's port is ephemeral).
  EXPECT_EQ(VerdictKeyOf(Sock(EventKind::kConnect, 5, 41000, 5432), 1),
            VerdictKeyOf(Sock(EventKind::kConnect, 5, 42000, 5432), 1));
  EXPECT_NE(VerdictKeyOf(Sock(EventKind::kConnect, 5, 41000, 5432), 1),
            VerdictKeyOf(Sock(EventKind::kConnect, 5, 41000, 5433), 1));
  EXPECT_EQ(VerdictKeyOf(Sock(EventKind::kAccept, 5, 80, 50001), 1),
            VerdictKeyOf(Sock(EventKind::kAccept, 5, 80, 50002), 1));
  EXPECT_NE(VerdictKeyOf(Sock(EventKind::kAccept, 5, 80, 50001), 1),
            VerdictKeyOf(Sock(EventKind::kAccept, 6, 80, 50001), 1));
  // Direction is in the key.
  Event in = Sock(EventKind::kAccept, 5, 5432, 5432);
  Event out = Sock(EventKind::kConnect, 5, 5432, 5432);
  EXPECT_NE(VerdictKeyOf(in, 1), VerdictKeyOf(out, 1));
  auto key = VerdictKeyOf(Sock(EventKind::kAccept, 5, 80, 50001), 4);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->port, 80);
  EXPECT_EQ(key->family, 2);
  EXPECT_EQ(key->access, 6);
  EXPECT_EQ(key->addr[3], 5);
}

TEST(VerdictCacheTest, RememberedEventsAreAnsweredUntilTheWorkloadChanges) {
  FakeMaps maps;
  VerdictCache cache(&maps);
  const Event index = Read(7, "web", 99);
  EXPECT_FALSE(maps.Answers(index));
  ASSERT_TRUE(cache.Remember(index).ok());
  EXPECT_TRUE(maps.Answers(index));
  const uint32_t first = cache.EpochOf(CgroupId{7});
  EXPECT_NE(first, 0u);
  // Another file of the same cgroup shares its epoch; another cgroup of the
  // same workload gets its own.
  ASSERT_TRUE(cache.Remember(Read(7, "web", 100)).ok());
  EXPECT_EQ(cache.EpochOf(CgroupId{7}), first);
  ASSERT_TRUE(cache.Remember(Read(8, "web", 99)).ok());
  EXPECT_NE(cache.EpochOf(CgroupId{8}), 0u);
  EXPECT_NE(cache.EpochOf(CgroupId{8}), first);
  // Another workload is untouched by web's change.
  ASSERT_TRUE(cache.Remember(Read(9, "db", 5)).ok());
  EXPECT_EQ(maps.keys.size(), 4u);

  ASSERT_TRUE(cache.Forget("web").ok());
  EXPECT_FALSE(maps.Answers(index));
  EXPECT_FALSE(maps.Answers(Read(8, "web", 99)));
  EXPECT_TRUE(maps.Answers(Read(9, "db", 5)));
  EXPECT_EQ(cache.EpochOf(CgroupId{7}), 0u);
  // Remembered again under the new baseline: a new epoch, so the keys
  // inserted before the change (still in the LRU) stay unreachable.
  ASSERT_TRUE(cache.Remember(Read(7, "web", 100)).ok());
  EXPECT_NE(cache.EpochOf(CgroupId{7}), first);
  EXPECT_TRUE(maps.Answers(Read(7, "web", 100)));
  EXPECT_FALSE(maps.Answers(index));
  EXPECT_EQ(cache.stats(), (VerdictCache::Stats{5, 2}));

  ASSERT_TRUE(cache.ForgetAll().ok());
  EXPECT_TRUE(maps.epochs.empty());
  EXPECT_FALSE(maps.Answers(Read(9, "db", 5)));
}

TEST(VerdictCacheTest, ACgroupNamedForAnotherWorkloadLosesItsEpoch) {
  FakeMaps maps;
  VerdictCache cache(&maps);
  ASSERT_TRUE(cache.Remember(Read(7, "web@1", 99)).ok());
  ASSERT_TRUE(cache.Remember(Read(8, "web@1", 99)).ok());
  // Any event of cgroup 7 under a new name, known or not.
  Event exec;
  exec.kind = EventKind::kExec;
  exec.cgroup = CgroupId{7};
  exec.workload = "web@2";
  ASSERT_TRUE(cache.Claim(exec).ok());
  EXPECT_EQ(cache.EpochOf(CgroupId{7}), 0u);
  EXPECT_FALSE(maps.Answers(Read(7, "web@2", 99)));
  EXPECT_TRUE(maps.Answers(Read(8, "web@1", 99)));
  // web@1's baseline change reaches only the cgroup it still has.
  ASSERT_TRUE(cache.Remember(Read(7, "web@2", 99)).ok());
  ASSERT_TRUE(cache.Forget("web@1").ok());
  EXPECT_TRUE(maps.Answers(Read(7, "web@2", 99)));
  EXPECT_FALSE(maps.Answers(Read(8, "web@1", 99)));
}

TEST(FilteredDeltasTest, GrowthSinceTheLastReading) {
  FilteredDeltas deltas;
  FilteredCalls a{}, b{};
  a[4] = 10;
  b[5] = 3;
  EXPECT_EQ(deltas.Take({{CgroupId{7}, a}, {CgroupId{8}, b}}),
            (std::map<CgroupId, FilteredCalls>{{CgroupId{7}, a}, {CgroupId{8}, b}}));
  FilteredCalls a2 = a;
  a2[4] = 25;
  FilteredCalls grew{};
  grew[4] = 15;
  // Cgroup 8 did not grow: left out.
  EXPECT_EQ(deltas.Take({{CgroupId{7}, a2}, {CgroupId{8}, b}}),
            (std::map<CgroupId, FilteredCalls>{{CgroupId{7}, grew}}));
  // Evicted and made again: counts from 0.
  FilteredCalls again{};
  again[4] = 2;
  EXPECT_EQ(deltas.Take({{CgroupId{7}, again}}), (std::map<CgroupId, FilteredCalls>{{CgroupId{7}, again}}));
}

TEST(VerdictCacheTest, EventsWithoutKeyOrWorkloadGiveNoEpoch) {
  FakeMaps maps;
  VerdictCache cache(&maps);
  Event write = Read(7, "web", 99);
  write.access = kAccessWrite;
  ASSERT_TRUE(cache.Remember(write).ok());
  ASSERT_TRUE(cache.Remember(Read(7, "", 99)).ok());
  EXPECT_TRUE(maps.epochs.empty());
  EXPECT_TRUE(maps.keys.empty());
}

}  // namespace
}  // namespace dw::collector
