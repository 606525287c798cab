// tools/cli/cmd_train.cc: driftwatch train (its usage below).
#include "tools/cli/command.h"

#include <chrono>
#include <spdlog/spdlog.h>

#include "collector/trace_source.h"
#include "model/convergence.h"
#include "profiler/profiler.h"
#include "tools/drive.h"

namespace dw::tools {
namespace {

Status CheckTrain(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  RETURN_IF_ERROR(args.Seconds("--checkpoint").status());
  RETURN_IF_ERROR(ConvergenceFlags(args).status());
  return CheckSources(args, /*live_needs_duration=*/true);
}

// The host `source`'s events come from: a trace's recorded hostname, this
// host's name when live.
std::string NodeOf(collector::EventSource& source) { return source.node(); }

// driftwatch train --db DB (--trace TRACE... | --live [--cgroup CGPATH]... --duration SECONDS)
Status CmdTrain(const Args& args) {
  ASSIGN_OR_RETURN(auto checkpoint_every, args.Seconds("--checkpoint"));
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  // Sources first: a trace that cannot be read or an unknown cgroup must not
  // leave a new, empty database behind.
  ASSIGN_OR_RETURN(auto sources, OpenSources(args));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadWrite));
  ASSIGN_OR_RETURN(auto existing, db->LoadFingerprints());
  profiler::Profiler profiler(std::move(existing));
  profiler.BeginSession();

  const auto period = std::chrono::duration<double>(checkpoint_every.value_or(30.0));
  auto next_checkpoint = std::chrono::steady_clock::now() + period;
  Status save_status;
  uint64_t dropped_total = 0;
  collector::PipelineStats stats;
  for (auto& source : sources) {
    RETURN_IF_ERROR(AnnounceReady(args, *source));
    profiler.SetNode(args.Get("--node").value_or(NodeOf(*source)));
    profiler.SetSyscallWatch(source->syscall_watch());
    uint64_t dropped_before = 0;
    RETURN_IF_ERROR(Drive(
        *source,
        [&](const Event& e, std::span<const uint8_t>) {
          profiler.Observe(e);
          // Live training saves a checkpoint now and then, each one transaction.
          if (std::chrono::steady_clock::now() >= next_checkpoint) {
            uint64_t d = source->dropped();
            profiler.AddDropped(d - dropped_before);
            dropped_before = d;
            save_status = db->SaveFingerprints(profiler.TakeDirty(), collector::NowNs());
            next_checkpoint = std::chrono::steady_clock::now() +
                              std::chrono::duration_cast<std::chrono::steady_clock::duration>(period);
          }
          return save_status;
        },
        g_stop, &stats));
    RETURN_IF_ERROR(save_status);
    uint64_t d = source->dropped();
    profiler.AddDropped(d - dropped_before);
    dropped_total += d;
  }
  auto dirty = profiler.TakeDirty();
  RETURN_IF_ERROR(db->SaveFingerprints(dirty, collector::NowNs()));
  spdlog::info("trained on {} events; {} workloads updated{}", stats.events, dirty.size(),
               dropped_total
                   ? fmt::format(" ({} events dropped by the kernel: baselines incomplete)", dropped_total)
                   : std::string());
  for (const auto& fp : dirty) {
    spdlog::info("  {}: {} items ({} executables, {} files, {} network, {} dns names, {} syscalls); {}",
                 fp.workload, fp.ItemCount(), fp.executables.size(), fp.files.size(), fp.network.size(),
                 fp.dns_names.size(), fp.syscalls.size(),
                 model::Assess(fp, convergence).Describe(convergence));
  }
  return Status::Ok();
}

}  // namespace

Command TrainCommand() {
  return Command{"train",
                 "--db DB (--trace TRACE... | --live [--cgroup CGPATH...] --duration SECONDS\n"
                 "[--syscalls]) [--checkpoint SECONDS] [--min-duration SECONDS] [--quiet SECONDS]\n"
                 "[--node NAME]",
                 CheckTrain,
                 CmdTrain,
                 {{"--db", "--duration", "--checkpoint", "--min-duration", "--quiet", "--node"},
                  {"--live", "--syscalls"},
                  {"--trace", "--cgroup"}}};
}

}  // namespace dw::tools
