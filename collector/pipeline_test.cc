// collector/pipeline_test.cc: records through decode, workload naming and lineage.
#include "collector/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>

#include "bpf/events.h"
#include "collector/testing/records.h"
#include "collector/trace_source.h"

#ifndef DW_TESTDATA_DIR
#error "DW_TESTDATA_DIR must name the repository's testdata directory"
#endif

namespace dw::collector {
namespace {

using testing::Who;

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(PipelineTest, NamesWorkloadsAndFillsLineage) {
  MapCgroupResolver cgroups;
  cgroups.Add(7, "system.slice/nginx.service");
  std::vector<ProcessSnapshot> initial = {{1, 0, 0, "/sbin/init", {"/sbin/init"}},
                                          {50, 1, 7, "/usr/sbin/nginx", {"nginx"}}};
  Pipeline p(&cgroups, 1'000'000'000, initial);

  Who nginx{5, 7, 50, 1};
  Who child{6, 7, 51, 50};
  ASSERT_TRUE(p.Process(Span(testing::ForkRecord(nginx, 51))));
  auto exec = p.Process(Span(testing::ExecRecord(child, "/bin/sh", {"sh", "-c", "id"})));
  ASSERT_TRUE(exec) << exec.error().message();

  Event want;
  want.kind = EventKind::kExec;
  want.time_ns = 1'000'000'006;
  want.cgroup = CgroupId{7};
  want.pid = want.tid = 51;
  want.ppid = 50;
  want.comm = "test";
  want.path = "/bin/sh";
  want.argv = {"sh", "-c", "id"};
  want.cgroup_path = "system.slice/nginx.service";
  want.workload = "nginx.service";
  want.process = {51, "/bin/sh", {"sh", "-c", "id"}, 50, "/usr/sbin/nginx",
                  {"/usr/sbin/nginx", "/sbin/init"}};
  EXPECT_EQ(*exec, want);
  EXPECT_EQ(p.stats(), (PipelineStats{2, 2, 0, 0}));
}

// With a RuntimeContextReader, every event of a cgroup shares its context
// (looked up once); without one it stays empty.
TEST(PipelineTest, AttachesTheRuntimeContextOncePerCgroup) {
  const std::string id(64, 'd');
  MapCgroupResolver cgroups;
  cgroups.Add(7, "system.slice/docker-" + id + ".scope");
  cgroups.Add(8, "system.slice/cron.service");
  RuntimeContextReader reader({.root = "/nonexistent-root", .node = "node-9"});
  Pipeline p(&cgroups, 0, {}, nullptr, nullptr, &reader);
  auto a = p.Process(Span(testing::OpenRecord(Who{1, 7, 10, 1}, "/etc/hosts", DW_ACCESS_READ)));
  auto b = p.Process(Span(testing::OpenRecord(Who{2, 7, 11, 1}, "/etc/passwd", DW_ACCESS_READ)));
  auto c = p.Process(Span(testing::OpenRecord(Who{3, 8, 12, 1}, "/etc/crontab", DW_ACCESS_READ)));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a->process.runtime, (RuntimeContext{.node = "node-9", .container_id = id}));
  EXPECT_EQ(&*b->process.runtime, &*a->process.runtime);  // shared, not copied
  EXPECT_EQ(*c->process.runtime, RuntimeContext{.node = "node-9"});
  EXPECT_EQ(reader.lookups(), 2u);
  EXPECT_EQ(reader.unresolved(), 1u);  // no runtime knows the container under that root

  Pipeline plain(&cgroups, 0, {});
  auto d = plain.Process(Span(testing::OpenRecord(Who{1, 7, 10, 1}, "/etc/hosts", DW_ACCESS_READ)));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->process.runtime->empty());
}

TEST(PipelineTest, UnknownCgroupAndCorruptRecordsAreCounted) {
  MapCgroupResolver cgroups;
  Pipeline p(&cgroups, 0, {});
  auto e = p.Process(Span(testing::OpenRecord(Who{1, 99, 10, 1}, "/etc/hosts", DW_ACCESS_READ)));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->workload, "cgroup-id:99");
  std::string bad = testing::ExitRecord(Who{});
  bad.resize(bad.size() - 1);
  EXPECT_EQ(p.Process(Span(bad)).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(p.stats(), (PipelineStats{2, 1, 1, 1}));
}

TEST(PipelineTest, LookupFillsParentsStartedAfterTheSnapshot) {
  MapCgroupResolver cgroups;
  cgroups.Add(7, "app");
  int lookups = 0;
  Pipeline p(&cgroups, 0, {}, [&](uint32_t pid) -> std::optional<ProcessSnapshot> {
    ++lookups;
    if (pid == 40) return ProcessSnapshot{40, 1, 7, "/bin/bash", {"bash"}};
    return std::nullopt;
  });
  auto e = p.Process(Span(testing::ExecRecord(Who{1, 7, 41, 40}, "/usr/bin/whoami", {"whoami"})));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->process.parent_exe, "/bin/bash");
  // pid 1 is unknown and fails; a second event asks no one again.
  int before = lookups;
  ASSERT_TRUE(p.Process(Span(testing::ExitRecord(Who{2, 7, 41, 40}))));
  EXPECT_EQ(lookups, before);
}

// A caller that keeps one Event (replay, the agent) gets the context a fresh
// Event gets for every event: the same process again (its context kept),
// after its exec, its reparenting, a new parent's exec, another cgroup, an
// exit and a reused pid.
TEST(PipelineTest, AReusedEventHasTheContextOfAFreshOne) {
  MapCgroupResolver cgroups;
  cgroups.Add(7, "app");
  cgroups.Add(8, "other");
  const std::vector<ProcessSnapshot> start = {{1, 0, 0, "/sbin/init", {"init"}},
                                              {40, 1, 0, "/bin/bash", {"bash"}},
                                              {41, 40, 7, "/usr/sbin/app", {"app"}}};
  const std::vector<std::string> records = {
      testing::OpenRecord(Who{1, 7, 41, 40}, "/a", DW_ACCESS_READ),
      testing::OpenRecord(Who{2, 7, 41, 40}, "/b", DW_ACCESS_READ),
      testing::ForkRecord(Who{3, 7, 41, 40}, 42),
      testing::OpenRecord(Who{4, 7, 42, 41}, "/c", DW_ACCESS_READ),
      testing::ExecRecord(Who{5, 7, 42, 41}, "/bin/sh", {"sh", "-c", "x"}),
      testing::OpenRecord(Who{6, 7, 42, 41}, "/d", DW_ACCESS_READ),
      testing::ExecRecord(Who{7, 7, 41, 40}, "/usr/sbin/app2", {"app2"}),  // the parent execs
      testing::OpenRecord(Who{8, 7, 42, 41}, "/e", DW_ACCESS_READ),
      testing::ExitRecord(Who{9, 7, 41, 40}),
      testing::OpenRecord(Who{10, 7, 42, 1}, "/f", DW_ACCESS_READ),  // reparented to init
      testing::OpenRecord(Who{11, 7, 42, 1}, "/g", DW_ACCESS_READ),
      testing::OpenRecord(Who{12, 8, 42, 1}, "/h", DW_ACCESS_READ),  // moved to another cgroup
      testing::ExitRecord(Who{13, 8, 42, 1}),
      testing::ExecRecord(Who{14, 7, 42, 40}, "/usr/bin/new", {"new"}),  // the pid reused
      testing::OpenRecord(Who{15, 7, 42, 40}, "/i", DW_ACCESS_READ),
  };
  Pipeline fresh(&cgroups, 0, start);
  Pipeline reusing(&cgroups, 0, start);
  Event one;
  for (const std::string& r : records) {
    auto want = fresh.Process(Span(r));
    ASSERT_TRUE(want);
    ASSERT_TRUE(reusing.Process(Span(r), &one).ok());
    EXPECT_EQ(one.process, want->process) << "at " << want->time_ns;
  }
  // The walk was not vacuous: contexts with exes, argv and ancestry.
  auto last = fresh.Process(Span(testing::OpenRecord(Who{16, 7, 42, 40}, "/j", DW_ACCESS_READ)));
  ASSERT_TRUE(last);
  EXPECT_EQ(last->process.exe, "/usr/bin/new");
  EXPECT_EQ(last->process.ancestry, std::vector<std::string>({"/bin/bash", "/sbin/init"}));
}

// Counts the names asked of a HostWorkloadNamer.
class CountingNamer : public WorkloadNamer {
 public:
  explicit CountingNamer(IdentityOptions options) : inner_(std::move(options)) {}
  std::string Name(const std::string& cgroup_path) override {
    asked.push_back(cgroup_path);
    return inner_.Name(cgroup_path);
  }
  std::vector<std::string> asked;

 private:
  HostWorkloadNamer inner_;
};

TEST(PipelineTest, NamerNamesEachCgroupOnce) {
  MapCgroupResolver cgroups;
  cgroups.Add(7, "tenants/acme/api");
  cgroups.Add(8, "system.slice/sshd.service");
  IdentityOptions options;
  options.root = "/nonexistent-driftwatch-root";
  options.rules = {{"tenants/*/*", "$2@$1"}};
  CountingNamer namer(options);
  Pipeline p(&cgroups, 0, {}, nullptr, &namer);

  std::vector<std::string> workloads;
  for (Who who : {Who{1, 7, 10, 1}, Who{2, 8, 11, 1}, Who{3, 7, 10, 1}}) {
    auto e = p.Process(Span(testing::OpenRecord(who, "/etc/hosts", DW_ACCESS_READ)));
    ASSERT_TRUE(e) << e.error().message();
    workloads.push_back(e->workload);
  }
  EXPECT_EQ(workloads, (std::vector<std::string>{"api@acme", "sshd.service", "api@acme"}));
  EXPECT_EQ(namer.asked, (std::vector<std::string>{"tenants/acme/api", "system.slice/sshd.service"}));
}

// The cgroups a workload's events came from (the agent forgets their reported
// syscalls on relearn): two cgroups of one workload, not the other's.
TEST(PipelineTest, CgroupsOfAWorkloadAreThoseItsEventsCameFrom) {
  MapCgroupResolver cgroups;
  cgroups.Add(9, "tenants/acme/api");
  cgroups.Add(7, "tenants/acme/api/worker");
  cgroups.Add(8, "system.slice/sshd.service");
  IdentityOptions options;
  options.root = "/nonexistent-driftwatch-root";
  options.rules = {{"tenants/*/*", "$2@$1"}, {"tenants/*/*/*", "$2@$1"}};
  CountingNamer namer(options);
  Pipeline p(&cgroups, 0, {}, nullptr, &namer);
  EXPECT_TRUE(p.CgroupsOf("api@acme").empty());
  for (Who who : {Who{1, 9, 10, 1}, Who{2, 8, 11, 1}, Who{3, 7, 12, 1}}) {
    ASSERT_TRUE(p.Process(Span(testing::OpenRecord(who, "/etc/hosts", DW_ACCESS_READ))));
  }
  EXPECT_EQ(p.CgroupsOf("api@acme"), (std::vector<CgroupId>{CgroupId{7}, CgroupId{9}}));
  EXPECT_EQ(p.CgroupsOf("sshd.service"), (std::vector<CgroupId>{CgroupId{8}}));
  EXPECT_TRUE(p.CgroupsOf("nope").empty());
}

// Every trace in testdata/ was recorded with wire version 1 and replays
// exactly as it did before version 2: same events, same paths and lineage
// (the digest is that of the version-1 decoder's output, 53807 events:
// compared line by line when version 2 came).
TEST(PipelineTest, WireVersionOneTracesReplayUnchanged) {
  // The 11 traces that were there when version 2 came (the later held-out ones are version 1
  // up to heldout.dwt and version 2 from heldout2.dwt, and are only checked to open with a
  // version this build reads).
  std::set<std::string> traces;
  for (const auto& f : std::filesystem::recursive_directory_iterator(DW_TESTDATA_DIR)) {
    if (f.path().extension() != ".dwt") continue;
    const std::string dir = f.path().parent_path().filename().string();
    const std::string name = f.path().stem().string();
    const bool original = (dir == "testdata" && name.starts_with("demo-")) ||
                          ((dir == "nginx" || dir == "redis" || dir == "postgresql") && !name.starts_with("heldout"));
    if (original) traces.insert(f.path().string());
    auto source = TraceEventSource::Open(f.path().string());
    ASSERT_TRUE(source.has_value()) << source.error().message();
    if (original) {
      EXPECT_EQ((*source)->wire_version(), 1u) << f.path();
    } else {
      EXPECT_GE((*source)->wire_version(), static_cast<uint32_t>(DW_WIRE_VERSION_MIN)) << f.path();
      EXPECT_LE((*source)->wire_version(), static_cast<uint32_t>(DW_WIRE_VERSION)) << f.path();
    }
  }
  ASSERT_EQ(traces.size(), 11u);
  uint64_t digest = 1469598103934665603ull;  // FNV-1a over one line per event
  const auto mix = [&](const std::string& s) {
    for (unsigned char c : s) digest = (digest ^ c) * 1099511628211ull;
    digest = (digest ^ 0xff) * 1099511628211ull;
  };
  uint64_t events = 0;
  for (const std::string& path : traces) {
    auto source = TraceEventSource::Open(path);
    ASSERT_TRUE(source.has_value()) << source.error().message();
    TraceEventSource& s = **source;
    EXPECT_EQ(s.wire_version(), 1u) << path;
    Pipeline p(&s.cgroups(), s.boot_to_unix_ns(), s.initial_processes(),
               [&](uint32_t pid) { return s.LookupProcess(pid); });
    p.set_wire_version(s.wire_version());
    std::atomic<bool> stop{false};
    ASSERT_TRUE(s.Run(
                     [&](std::span<const uint8_t> r) {
                       auto e = p.Process(r);
                       ASSERT_TRUE(e.has_value()) << path << ": " << e.error().message();
                       ++events;
                       std::string line = std::to_string(static_cast<int>(e->kind)) + " " +
                                          std::to_string(e->time_ns) + " " +
                                          std::to_string(e->pid) + " " + std::to_string(e->ppid) +
                                          " " + e->comm + " " + e->path + " " + e->workload + " " +
                                          e->peer.ToString() + " " + e->dns_name + " " +
                                          e->syscall + " " + std::to_string(e->access) + " " +
                                          std::to_string(e->exec_flags) + " " + e->parent_exe +
                                          " " + e->process.exe + " " + e->process.parent_exe;
                       for (const auto& a : e->argv) line += " " + a;
                       for (const auto& a : e->process.ancestry) line += " <" + a;
                       mix(line);
                     },
                     stop)
                    .ok());
    EXPECT_EQ(p.stats().corrupt, 0u) << path;
  }
  EXPECT_EQ(events, 53807u);
  EXPECT_EQ(digest, 2007168891489591065ull) << std::hex << digest;
}

}  // namespace
}  // namespace dw::collector
