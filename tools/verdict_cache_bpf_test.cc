// tools/verdict_cache_bpf_test.cc: the kernel verdict cache with the real BPF
// programs, real processes in a fresh cgroup, and the real detector.
//
// Trains a baseline on tools/testing/dw_test_workload, then detects the same
// activity (known behaviour, then drift) once with the cache off and once on:
// the findings must be identical, and with the cache on the kernel must
// answer calls (filtered counter) and deliver fewer records. Also: what the
// key binds (a renamed or hard-linked file, a write to a cached file) is
// still a finding after caching; a baseline change or relearn makes the
// kernel send everything again. Needs root; skips with the reason otherwise
// (DW_REQUIRE_BPF=1 makes that a failure).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <set>
#include <thread>

#include "collector/bpf_source.h"
#include "collector/cgroup.h"
#include "collector/pipeline.h"
#include "collector/verdict_cache.h"
#include "model/detector.h"
#include "profiler/profiler.h"
#include "tools/testing/live_bpf.h"
#include "tools/testing/ports.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// (kind, subject): what the comparison of two runs looks at.
using Brief = std::pair<model::FindingKind, std::string>;

class VerdictCacheBpfTest : public tools::testing::LiveBpfTest {
 protected:
  void SetUp() override {
    Open({.prefix = "dwtest-vc", .app_cgroup = true, .verdict_cache = true});
    if (IsSkipped() || HasFatalFailure()) return;
    app_id_ = collector::CgroupIdOfPath(mount_, app_rel_).value();
    known_ = (tmp_ / "known.txt").string();
    std::ofstream(known_) << "data\n";
    StartCache();
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      detector_.reset();
      cache_.reset();
    }
    LiveBpfTest::TearDown();
  }

  // Loads the programs again with the cache on or off; no detector until
  // Detect().
  void Reopen(bool cache) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      detector_.reset();
      cache_.reset();
    }
    options_.verdict_cache = cache;
    Restart(/*syscalls=*/false);
    StartCache();
  }

  // A cached file's other names and its writes still reach the detector.
  void NewNamesAndWrites();

  void StartCache() {
    std::lock_guard<std::mutex> lock(mu_);
    collector::VerdictMaps* maps = source_->verdict_maps();
    cache_ = maps != nullptr ? std::make_unique<collector::VerdictCache>(maps) : nullptr;
  }

  // Events go to the detector when one is set (and known ones into the
  // cache, as the agent does).
  void OnEvent(const Event& e) override {
    if (!detector_) return;
    for (model::Finding* f : detector_->Observe(e)) findings_.emplace_back(f->kind, f->subject);
    if (cache_ && detector_->LastEventKnown()) {
      Status c = cache_->Remember(e);
      EXPECT_TRUE(c.ok()) << c.message();
    }
  }

  // Detection from now on, against `fps`; a baseline change forgets the
  // workload's cached verdicts (as in the agent).
  void Detect(const std::map<std::string, model::Fingerprint>& fps) {
    std::lock_guard<std::mutex> lock(mu_);
    detector_ = std::make_unique<model::Detector>(fps);
    if (cache_) {
      detector_->OnFingerprintChange([this](const std::string& w) { EXPECT_TRUE(cache_->Forget(w).ok()); });
    }
    findings_.clear();
  }

  // Runs the workload with `args` in the app cgroup; returns once its exit
  // event was handled (every earlier record of it was handled before).
  void RunWorkload(const std::vector<std::string>& args) {
    std::vector<std::string> all = {DW_TEST_WORKLOAD};
    all.insert(all.end(), args.begin(), args.end());
    LiveBpfTest::RunWorkload(all);
  }

  // Whether `path` was reported as a file finding of its own or folded into
  // one (one finding per directory, or per change of a known program).
  bool Reported(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!detector_) return false;
    for (const auto& f : detector_->findings()) {
      if (f->kind != model::FindingKind::kFile) continue;
      if (f->subject == path ||
          std::find(f->folded_examples.begin(), f->folded_examples.end(), path) != f->folded_examples.end()) {
        return true;
      }
    }
    return false;
  }
  std::vector<Brief> TakeFindings() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Brief> out = std::exchange(findings_, {});
    std::sort(out.begin(), out.end());
    return out;
  }
  collector::KernelCounters Counters() {
    auto all = source_->CgroupCounters();
    EXPECT_TRUE(all.has_value()) << all.error().message();
    if (!all) return {};
    auto it = all->find(app_id_);
    return it == all->end() ? collector::KernelCounters{} : it->second;
  }
  // The known behaviour: the known file read 20 times, a loopback server
  // (listen, connect, accept), a child running /bin/true.
  std::vector<std::string> Normal() {
    std::vector<std::string> args;
    for (int i = 0; i < 20; ++i) args.insert(args.end(), {"--open", known_});
    args.insert(args.end(), {"--serve", std::to_string(port_), "--spawn", "/bin/true"});
    return args;
  }
  std::map<std::string, model::Fingerprint> Train() {
    profiler::Profiler profiler;
    profiler.BeginSession();
    for (int i = 0; i < 2; ++i) {
      RunWorkload(Normal());
      for (const Event& e : TakeEvents()) profiler.Observe(e);
    }
    std::map<std::string, model::Fingerprint> fps;
    for (model::Fingerprint& fp : profiler.TakeDirty()) fps[fp.workload] = std::move(fp);
    EXPECT_EQ(fps.count(app_rel_), 1u);
    return fps;
  }
  size_t Opens(const std::vector<Event>& events, const std::string& path) {
    return static_cast<size_t>(std::count_if(events.begin(), events.end(), [&](const Event& e) {
      return e.kind == EventKind::kOpen && e.path == path;
    }));
  }

  std::string known_;
  CgroupId app_id_;
  uint16_t port_ = tools::testing::FreeLoopbackPort();
  std::unique_ptr<collector::VerdictCache> cache_;  // null with the cache off
  std::unique_ptr<model::Detector> detector_;
  std::vector<Brief> findings_;
};

TEST_F(VerdictCacheBpfTest, SameFindingsWithTheCacheOnAndOffAndFewerRecords) {
  const auto fps = Train();
  const std::string secret = (tmp_ / "secret.txt").string();
  std::ofstream(secret) << "secret\n";
  const uint16_t other_port = tools::testing::FreeLoopbackPort();
  std::vector<std::string> drift = Normal();
  drift.insert(drift.end(), {"--open", secret, "--connect", std::to_string(other_port), "--spawn", "/bin/false"});
  int other = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(other_port);
  ASSERT_EQ(bind(other, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(other, 16), 0);

  // The same activity with the cache off, then on: known behaviour twice
  // (the first run fills the cache), then drift.
  std::vector<Brief> findings[2];
  collector::KernelCounters counters[2];
  size_t known_opens_delivered[2] = {0, 0};
  for (int on = 0; on < 2; ++on) {
    Reopen(/*cache=*/on == 1);
    ASSERT_FALSE(HasFatalFailure());
    Detect(fps);
    RunWorkload(Normal());
    TakeEvents();
    RunWorkload(Normal());
    known_opens_delivered[on] = Opens(TakeEvents(), known_);
    RunWorkload(drift);
    TakeEvents();
    findings[on] = TakeFindings();
    counters[on] = Counters();
  }
  close(other);

  const std::vector<Brief> want = {
      {model::FindingKind::kFile, secret},
      {model::FindingKind::kNetwork, "127.0.0.1:" + std::to_string(other_port)},
      {model::FindingKind::kExec, fs::canonical("/bin/false").string()},
  };
  std::vector<Brief> sorted_want = want;
  std::sort(sorted_want.begin(), sorted_want.end());
  EXPECT_EQ(findings[0], sorted_want);
  EXPECT_EQ(findings[1], findings[0]);
  // Off: every call is a record. On: the known file's reads in the second
  // run are answered in the kernel, and fewer records go up for the same
  // calls.
  const size_t open = static_cast<size_t>(EventKind::kOpen);
  EXPECT_EQ(known_opens_delivered[0], 20u);
  EXPECT_EQ(known_opens_delivered[1], 0u);
  uint64_t filtered_off = 0;
  for (uint64_t n : counters[0].filtered) filtered_off += n;
  EXPECT_EQ(filtered_off, 0u);
  EXPECT_GE(counters[1].filtered[open], 20u);
  EXPECT_EQ(counters[1].calls[open], counters[0].calls[open]) << "the same calls, counted alike";
  EXPECT_LE(counters[1].emitted + 20, counters[0].emitted);
}

// What the key binds: the name and directory a file is opened by, and the
// access. A cached file renamed or linked under a new name, or written, is
// still reported.
TEST_F(VerdictCacheBpfTest, NewNamesAndWritesOfACachedFileAreStillFindings) { NewNamesAndWrites(); }

// The same with the file's identity read by probe reads, as on a kernel
// without bpf_rdonly_cast (before Linux 6.2).
TEST_F(VerdictCacheBpfTest, NewNamesAndWritesOfACachedFileAreStillFindingsWithProbeReads) {
  options_.direct_loads = false;
  Reopen(/*cache=*/true);
  NewNamesAndWrites();
}

void VerdictCacheBpfTest::NewNamesAndWrites() {
  const auto fps = Train();
  Detect(fps);
  RunWorkload(Normal());
  TakeEvents();
  RunWorkload(Normal());
  EXPECT_EQ(Opens(TakeEvents(), known_), 0u) << "the known file's reads should be cached by now";
  EXPECT_TRUE(TakeFindings().empty());

  const std::string link = (tmp_ / "link.txt").string();
  const std::string renamed = (tmp_ / "renamed.txt").string();
  fs::create_hard_link(known_, link);
  RunWorkload({"--open", link});
  fs::rename(known_, renamed);
  RunWorkload({"--open", renamed});
  fs::rename(renamed, known_);
  RunWorkload({"--write", known_});
  std::vector<Event> events = TakeEvents();
  EXPECT_EQ(Opens(events, link), 1u);
  EXPECT_EQ(Opens(events, renamed), 1u);
  EXPECT_EQ(Opens(events, known_), 1u);  // the write
  // Each was scored and reported: the link's read is a finding; the renamed
  // file's read and the write, low, of the same known program within the
  // incident window fold into it (one finding per directory, per change).
  std::vector<Brief> findings = TakeFindings();
  const std::vector<Brief> want = {{model::FindingKind::kFile, link}};
  EXPECT_EQ(findings, want);
  for (const std::string& path : {link, renamed, known_}) EXPECT_TRUE(Reported(path)) << path;
}

// A baseline change (accept, import, a checkpoint) or a relearn takes the
// workload's verdicts away: the kernel sends its events again at once.
TEST_F(VerdictCacheBpfTest, ABaselineChangeOrRelearnSendsEverythingAgain) {
  auto fps = Train();
  Detect(fps);
  RunWorkload(Normal());
  TakeEvents();
  RunWorkload(Normal());
  EXPECT_EQ(Opens(TakeEvents(), known_), 0u);
  {
    // A new baseline that does not know the file: it is drift again.
    std::lock_guard<std::mutex> lock(mu_);
    model::Fingerprint changed = fps.at(app_rel_);
    changed.files.clear();
    changed.file_patterns.clear();
    detector_->SetFingerprint(changed);
  }
  RunWorkload(Normal());
  EXPECT_EQ(Opens(TakeEvents(), known_), 20u);
  EXPECT_FALSE(TakeFindings().empty());
  EXPECT_TRUE(Reported(known_));  // a finding, or folded into the run's first

  // Cached again under the new baseline (the file is a finding, so only the
  // rest is cached); then a relearn: the learning workload gets every event.
  {
    std::lock_guard<std::mutex> lock(mu_);
    detector_->SetFingerprint(fps.at(app_rel_));
  }
  RunWorkload(Normal());
  TakeEvents();
  RunWorkload(Normal());
  EXPECT_EQ(Opens(TakeEvents(), known_), 0u);
  {
    std::lock_guard<std::mutex> lock(mu_);
    detector_->RemoveFingerprint(app_rel_);
  }
  RunWorkload(Normal());
  EXPECT_EQ(Opens(TakeEvents(), known_), 20u);
  EXPECT_EQ(cache_->EpochOf(app_id_), 0u);
}

// The cgroup's kernel entry (which holds its epoch) is an LRU one: a host
// with more active cgroups than it holds can push it out behind user space's
// back. That costs a re-score, and the next insertion brings the epoch back.
TEST_F(VerdictCacheBpfTest, AnEvictedCgroupEntryComesBackWithTheNextInsertion) {
  Detect(Train());
  RunWorkload(Normal());
  TakeEvents();
  RunWorkload(Normal());
  const std::vector<Event> answered = TakeEvents();
  EXPECT_EQ(Opens(answered, known_), 0u);
  const uint32_t epoch = cache_->EpochOf(app_id_);
  ASSERT_NE(epoch, 0u);
  // What an eviction does: the entry goes, the user-space cache still has
  // the epoch.
  ASSERT_TRUE(source_->verdict_maps()->ClearVerdictEpoch(app_id_).ok());
  RunWorkload(Normal());
  // The kernel asks again: the run's first reads (the loader's, before any
  // reply can bring the epoch back) are delivered though the cache answered
  // them in the run before. Which reads come up after that depends on how
  // soon the detector handles the first ones, so no count of known_ here.
  std::set<std::string> before;
  for (const Event& e : answered) {
    if (e.kind == EventKind::kOpen) before.insert(e.path);
  }
  size_t asked_again = 0;
  for (const Event& e : TakeEvents()) {
    if (e.kind == EventKind::kOpen && e.cgroup.value == app_id_.value && before.count(e.path) == 0) ++asked_again;
  }
  EXPECT_GT(asked_again, 0u);
  RunWorkload(Normal());
  EXPECT_EQ(Opens(TakeEvents(), known_), 0u);  // and answers again
  EXPECT_EQ(cache_->EpochOf(app_id_), epoch);
  EXPECT_TRUE(TakeFindings().empty());
}

}  // namespace
}  // namespace dw
