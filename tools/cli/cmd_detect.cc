// tools/cli/cmd_detect.cc: driftwatch detect (its usage below).
#include "tools/cli/command.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <spdlog/spdlog.h>

#include "collector/verdict_cache.h"
#include "model/convergence.h"
#include "model/detector.h"
#include "tools/cli/format.h"
#include "tools/drive.h"
#include "tools/exceptions.h"
#include "tools/packages.h"

namespace dw::tools {
namespace {

Status CheckDetect(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(args.Required("--db").status());
  RETURN_IF_ERROR(ConvergenceFlags(args).status());
  if (auto root = args.Get("--package-root")) {
    std::error_code ec;
    if (!std::filesystem::is_directory(*root, ec)) {
      return Status(ErrorCode::kInvalidArgument, "--package-root " + *root + ": not a directory");
    }
  }
  return CheckSources(args, /*live_needs_duration=*/false);
}

// One warning per baseline that is still learning or was trained while the
// kernel dropped events: its findings include normal behaviour training did
// not see (or missed), and a person reading them should know. Imported and
// monitored baselines (locked, monitoring) are final by decision.
Result<std::vector<std::string>> UnfinishedBaselines(store::Store& db,
                                                     const std::map<std::string, model::Fingerprint>& fingerprints,
                                                     const Args& args) {
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  std::vector<std::string> out;
  for (const auto& [name, fp] : fingerprints) {
    ASSIGN_OR_RETURN(std::optional<store::WorkloadInfo> info, db.GetWorkload(name));
    if (info && (info->state == store::WorkloadState::kMonitoring || info->state == store::WorkloadState::kLocked)) {
      continue;
    }
    const model::LearningStatus learning = model::Assess(fp, convergence);
    if (learning.stable && !learning.incomplete) continue;
    out.push_back(fmt::format("baseline of {} is {}: expect findings for normal behaviour that training did not {}",
                              name, learning.Describe(convergence),
                              learning.stable ? "record" : "reach yet (train longer)"));
  }
  return out;
}

// driftwatch detect --db DB (--trace TRACE... | --live [--cgroup CGPATH...] [--duration S])
//                   [--format jsonl|text] [--exceptions FILE] [--package-root DIR]
//                   [--min-duration S] [--quiet S]
Status CmdDetect(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  // The exceptions first: a bad file changes nothing.
  Exceptions exceptions;
  if (auto path = args.Get("--exceptions")) {
    ASSIGN_OR_RETURN(exceptions, Exceptions::Load(*path));
  }
  // Detection needs baselines: a missing database has none and is not created.
  ASSIGN_OR_RETURN(std::string path, args.Required("--db"));
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::Errno("open database " + path, errno);
  const Status no_baselines(ErrorCode::kInvalidArgument,
                            "database " + path + " has no baselines yet; run driftwatch train first");
  // An empty file is a new database (store.h), so it has none; it is left as it is.
  if (S_ISREG(st.st_mode) && st.st_size == 0) return no_baselines;
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadWrite));
  ASSIGN_OR_RETURN(auto fingerprints, db->LoadFingerprints());
  if (fingerprints.empty()) return no_baselines;
  ASSIGN_OR_RETURN(auto sources, OpenSources(args, /*verdict_cache=*/!args.Has("--no-verdict-cache")));
  // Live, before the first finding; a replay, after its summary (a trace
  // that turns out unreadable gets its one-line error alone).
  ASSIGN_OR_RETURN(const std::vector<std::string> unfinished, UnfinishedBaselines(*db, fingerprints, args));
  if (args.Has("--live")) {
    for (const std::string& w : unfinished) spdlog::warn("{}", w);
  }
  model::Detector detector(std::move(fingerprints));
  // Package databases (tools/packages.h): live, each process's own
  // filesystem's; a replayed trace's, the packages recorded with it, or with
  // --package-root that directory's database (the host it was recorded on,
  // as it is now).
  std::unique_ptr<model::PackageOracle> packages;
  if (args.Has("--no-packages")) {
  } else if (auto root = args.Get("--package-root")) {
    packages = std::make_unique<PackageOracle>(*root);
  } else if (args.Has("--live")) {
    packages = std::make_unique<PackageOracle>(std::string(PackageOracle::kLive));
  } else {
    auto recorded = std::make_unique<RecordedPackageOracle>();
    for (const auto& source : sources) recorded->Watch(source.get());
    packages = std::move(recorded);
  }
  detector.SetPackageOracle(packages.get());
  // The kernel verdict cache (collector/verdict_cache.h), live only.
  std::unique_ptr<collector::VerdictCache> cache;
  for (auto& source : sources) {
    if (collector::VerdictMaps* maps = source->verdict_maps()) cache = std::make_unique<collector::VerdictCache>(maps);
  }
  Status cache_status;
  // Calls the kernel answered count in the rates, read once a second.
  collector::FilteredDeltas filtered;
  std::map<CgroupId, std::string> workload_of;  // of the cgroups given an epoch
  auto fed = std::chrono::steady_clock::now();
  const auto feed_undelivered = [&] {
    if (std::chrono::steady_clock::now() - fed < std::chrono::seconds(1)) return;
    fed = std::chrono::steady_clock::now();
    auto counters = sources.back()->CgroupCounters();
    if (!counters) return;
    std::map<CgroupId, collector::FilteredCalls> now;
    for (const auto& [id, k] : *counters) now[id] = k.filtered;
    for (const auto& [id, calls] : filtered.Take(now)) {
      auto w = workload_of.find(id);
      if (w == workload_of.end()) continue;
      for (size_t kind = 0; kind < calls.size(); ++kind) {
        detector.AddUndelivered(w->second, static_cast<EventKind>(kind), calls[kind]);
      }
    }
  };
  if (cache) {
    detector.OnFingerprintChange([&](const std::string& w) {
      if (cache_status.ok()) cache_status = cache->Forget(w);
    });
  }
  const auto print = [format](const model::Finding& f) {
    WriteLine(format == Format::kJson ? FindingJson(f) : FindingText(f));
  };
  // Replayed traces are one batch: their findings are stored in one
  // transaction, then printed, once every trace has been read, so a damaged
  // trace leaves the database as it was. Live findings are stored and printed
  // as they come. Either way a finding an exception matches is stored, marked,
  // and not printed.
  const bool live = args.Has("--live");
  std::vector<model::Finding*> batch;
  Status store_status;
  size_t suppressed = 0;
  const auto emit = [&](const std::vector<model::Finding*>& found) {
    const std::vector<model::Finding*> deliver = exceptions.Apply(found);
    suppressed += found.size() - deliver.size();
    if (!live) {
      batch.insert(batch.end(), found.begin(), found.end());
      return;
    }
    for (model::Finding* f : found) {
      if (store_status.ok()) store_status = db->UpsertFinding(f);
    }
    for (const model::Finding* f : deliver) print(*f);
  };
  collector::PipelineStats stats;
  auto started = std::chrono::steady_clock::now();
  for (auto& source : sources) {
    RETURN_IF_ERROR(AnnounceReady(args, *source));
    RETURN_IF_ERROR(Drive(
        *source,
        [&](const Event& e, std::span<const uint8_t>) {
          size_t unprofiled = detector.unprofiled_workloads().size();
          emit(detector.Observe(e));
          if (cache && cache_status.ok() && detector.LastEventKnown()) {
            cache_status = cache->Remember(e);
            workload_of.try_emplace(e.cgroup, e.workload);
          }
          if (cache) feed_undelivered();
          if (detector.unprofiled_workloads().size() != unprofiled) {
            spdlog::warn("workload {} has no baseline; its events are not scored", e.workload);
          }
          return Status::Ok();
        },
        g_stop, &stats));
  }
  emit(detector.Flush());  // the last rate buckets
  if (!cache_status.ok()) spdlog::warn("verdict cache off after an error: {}", cache_status.message());
  auto updated = detector.Updated();
  if (!live) updated = batch;  // each with its final count
  if (store_status.ok() && !updated.empty()) store_status = db->UpsertFindings(updated);
  // Printed even when they could not be stored (a full disk): stdout is then
  // the only place they are, and the error that follows says why.
  for (const model::Finding* f : batch) {
    if (f->exception.empty()) print(*f);
  }
  RETURN_IF_ERROR(store_status);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info(
      "scored {} events in {:.2f}s ({:.0f} events/s); {} findings{}", stats.events, secs,
      secs > 0 ? static_cast<double>(stats.events) / secs : 0.0, detector.findings().size(),
      suppressed ? fmt::format(" ({} suppressed by exceptions: driftwatch findings --suppressed)", suppressed)
                 : std::string());
  if (!args.Has("--live")) {
    for (const std::string& w : unfinished) spdlog::warn("{}", w);
  }
  return Status::Ok();
}

}  // namespace

Command DetectCommand() {
  return Command{"detect",
                 "--db DB (--trace TRACE... | --live [--cgroup CGPATH...] [--duration SECONDS]\n"
                 "[--syscalls] [--no-verdict-cache]) [--format jsonl|text] [--no-packages]\n"
                 "[--exceptions FILE] [--package-root DIR] [--min-duration SECONDS] [--quiet SECONDS]\n"
                 "FILE: expected findings to store but not print (tools/exceptions.h)\n"
                 "--no-verdict-cache: every event reaches user space (README: Performance)\n"
                 "--package-root DIR: the dpkg database under DIR says which package a new\n"
                 "program came from (live: each process's own; a trace: the packages recorded\n"
                 "with it; --no-packages: none)\n"
                 "A baseline still learning (by --min-duration, --quiet) is named in a warning.",
                 CheckDetect,
                 CmdDetect,
                 {{"--db", "--duration", "--format", "--exceptions", "--package-root", "--min-duration", "--quiet"},
                  {"--live", "--syscalls", "--no-verdict-cache", "--no-packages"},
                  {"--trace", "--cgroup"}}};
}

}  // namespace dw::tools
