// tools/driftwatch.cc: the driftwatch command: record, train, detect, workloads, findings.
//
// The data flow of every command is Drive(): EventSource -> Decode ->
// WorkloadResolver -> (Profiler | Detector | TraceWriter), then the Store.
// Only main() turns errors into exit codes: 0 ok, 1 failure, 2 usage.
#include <signal.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

#include "bpf/events.h"
#include "collector/bpf_source.h"
#include "collector/pipeline.h"
#include "collector/trace_file.h"
#include "collector/trace_source.h"
#include "model/convergence.h"
#include "model/detector.h"
#include "profiler/profiler.h"
#include "store/store.h"
#include "tools/agent/agent.h"
#include "tools/agent/config.h"
#include "tools/cli.h"
#include "tools/drive.h"
#include "tools/eval.h"
#include "tools/format.h"

namespace dw::tools {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGALRM, &sa, nullptr);
  // Past a file-size limit a write then fails with EFBIG and is reported like
  // a full disk, instead of the signal killing us in the middle of a write.
  signal(SIGXFSZ, SIG_IGN);
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Loads and attaches the BPF programs and says what is missing.
Result<std::unique_ptr<collector::BpfEventSource>> OpenLive(const Args& args) {
  collector::BpfOptions options;
  options.cgroups = args.All("--cgroup");
  options.syscalls = args.Has("--syscalls");
  ASSIGN_OR_RETURN(auto source, collector::BpfEventSource::Open(options));
  for (const auto& h : source->hooks()) {
    if (!h.attached) {
      spdlog::warn("hook {} unavailable on this kernel ({}): the events it feeds are not collected",
                   h.hook, h.error);
    }
  }
  return source;
}

// The last step of a live command's start-up: arms --duration and prints
// the line that tells scripts the programs are attached.
Status AnnounceReady(const Args& args, collector::EventSource& source) {
  auto* live = dynamic_cast<collector::BpfEventSource*>(&source);
  if (live == nullptr) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<double> duration, args.Seconds("--duration"));
  if (duration) {
    struct itimerval t = {};
    t.it_value.tv_sec = static_cast<time_t>(*duration);
    t.it_value.tv_usec =
        static_cast<suseconds_t>((*duration - static_cast<double>(t.it_value.tv_sec)) * 1e6);
    setitimer(ITIMER_REAL, &t, nullptr);
  }
  size_t attached = 0;
  for (const auto& h : live->hooks()) attached += h.attached ? 1 : 0;
  auto cgroups = args.All("--cgroup");
  spdlog::info("ready: {}/{} hooks attached, watching {}", attached, live->hooks().size(),
               cgroups.empty() ? std::string("the whole host") : fmt::format("{}", fmt::join(cgroups, ", ")));
  return Status::Ok();
}

// The usage rules of the source flags: --trace TRACE... or --live, and the
// flags that go with --live.
Status CheckSources(const Args& args, bool live_needs_duration) {
  const bool live = args.Has("--live");
  const bool traces = !args.All("--trace").empty();
  if (live == traces) {
    return Status(ErrorCode::kInvalidArgument, "give either --trace TRACE... or --live");
  }
  if (!live && (args.Has("--cgroup") || args.Has("--duration") || args.Has("--syscalls"))) {
    return Status(ErrorCode::kInvalidArgument, "--cgroup, --duration and --syscalls go with --live");
  }
  RETURN_IF_ERROR(args.Seconds("--duration").status());
  if (live && live_needs_duration && !args.Has("--duration")) {
    return Status(ErrorCode::kInvalidArgument, "--live training needs --duration SECONDS");
  }
  return Status::Ok();
}

// Every source a command reads: the --trace files in order, or --live.
// `args` passed CheckSources().
Result<std::vector<std::unique_ptr<collector::EventSource>>> OpenSources(const Args& args) {
  std::vector<std::unique_ptr<collector::EventSource>> sources;
  for (const auto& t : args.All("--trace")) {
    ASSIGN_OR_RETURN(auto source, collector::TraceEventSource::Open(t));
    sources.push_back(std::move(source));
  }
  if (args.Has("--live")) {
    ASSIGN_OR_RETURN(auto source, OpenLive(args));
    sources.push_back(std::move(source));
  }
  return sources;
}

Result<std::unique_ptr<store::Store>> OpenStore(const Args& args, store::OpenMode mode) {
  ASSIGN_OR_RETURN(std::string db, args.Required("--db"));
  return store::Store::Open(db, mode);
}

Result<Format> ParseFormat(const Args& args, const char* fallback) {
  auto f = args.Get("--format").value_or(fallback);
  if (f == "text") return Format::kText;
  if (f == "jsonl" || f == "json") return Format::kJson;
  return Status(ErrorCode::kInvalidArgument, "--format must be jsonl or text, not '" + f + "'");
}

void WriteLine(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// --min-duration and --quiet: when a baseline counts as stable.
Result<model::ConvergenceOptions> ConvergenceFlags(const Args& args) {
  model::ConvergenceOptions o;
  ASSIGN_OR_RETURN(auto min, args.Seconds("--min-duration"));
  ASSIGN_OR_RETURN(auto quiet, args.Seconds("--quiet"));
  if (min) o.min_duration_ns = static_cast<int64_t>(*min * 1e9);
  if (quiet) o.quiet_ns = static_cast<int64_t>(*quiet * 1e9);
  return o;
}

// driftwatch record --out TRACE [--cgroup CGPATH]... [--duration SECONDS]
Status CmdRecord(const Args& args) {
  ASSIGN_OR_RETURN(std::string out, args.Required("--out"));
  RETURN_IF_ERROR(args.Seconds("--duration").status());
  ASSIGN_OR_RETURN(auto source, OpenLive(args));
  collector::TraceHeader header;
  header.wire_version = DW_WIRE_VERSION;
  header.created_ns = NowNs();
  struct utsname uts;
  if (uname(&uts) == 0) {
    header.hostname = uts.nodename;
    header.kernel = uts.release;
  }
  header.boot_to_unix_ns = source->boot_to_unix_ns();
  header.processes = source->initial_processes();
  // Written under a temporary name and renamed when complete, so an
  // interrupted recording never leaves a truncated trace under the real name.
  const std::string tmp = out + ".tmp";
  ASSIGN_OR_RETURN(auto writer, collector::TraceWriter::Create(tmp, header));
  RETURN_IF_ERROR(AnnounceReady(args, *source));

  std::set<uint64_t> named;
  Status write_status;
  collector::PipelineStats stats;
  Status run = Drive(
      *source,
      [&](const Event& e, std::span<const uint8_t> raw) {
        if (!write_status.ok()) return;
        if (named.insert(e.cgroup.value).second && e.workload.rfind("cgroup-id:", 0) != 0) {
          writer->AddCgroup(e.cgroup.value, e.cgroup_path);
        }
        writer->SetDropped(source->dropped());
        write_status = writer->Append(raw);
        if (!write_status.ok()) g_stop.store(true);
      },
      g_stop, &stats, [&](const collector::ProcessSnapshot& p) { writer->AddProcess(p); });
  writer->SetDropped(source->dropped());
  Status closed = writer->Close();
  if (!write_status.ok() || !closed.ok() || !run.ok()) {
    std::remove(tmp.c_str());
    RETURN_IF_ERROR(write_status);
    RETURN_IF_ERROR(closed);
    return run;
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) return Status::Errno("rename " + tmp + " to " + out, errno);
  spdlog::info("recorded {} events to {} ({} dropped by the kernel)", writer->records_written(), out,
               source->dropped());
  return Status::Ok();
}

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
            save_status = db->SaveFingerprints(profiler.TakeDirty(), NowNs());
            if (!save_status.ok()) g_stop.store(true);
            next_checkpoint = std::chrono::steady_clock::now() +
                              std::chrono::duration_cast<std::chrono::steady_clock::duration>(period);
          }
        },
        g_stop, &stats));
    RETURN_IF_ERROR(save_status);
    uint64_t d = source->dropped();
    profiler.AddDropped(d - dropped_before);
    dropped_total += d;
  }
  auto dirty = profiler.TakeDirty();
  RETURN_IF_ERROR(db->SaveFingerprints(dirty, NowNs()));
  spdlog::info("trained on {} events; {} workloads updated{}", stats.events, dirty.size(),
               dropped_total ? fmt::format(" ({} events dropped by the kernel: baselines incomplete)",
                                           dropped_total)
                             : std::string());
  for (const auto& fp : dirty) {
    spdlog::info("  {}: {} items ({} executables, {} files, {} network, {} dns names, {} syscalls); {}",
                 fp.workload, fp.ItemCount(), fp.executables.size(), fp.files.size(),
                 fp.network.size(), fp.dns_names.size(), fp.syscalls.size(),
                 model::Assess(fp, convergence).Describe(convergence));
  }
  return Status::Ok();
}

// driftwatch detect --db DB (--trace TRACE... | --live [--cgroup CGPATH]... [--duration S]) [--format jsonl|text]
Status CmdDetect(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  // Detection needs baselines: a missing database has none and is not created.
  ASSIGN_OR_RETURN(std::string path, args.Required("--db"));
  if (access(path.c_str(), F_OK) != 0) return Status::Errno("open database " + path, errno);
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadWrite));
  ASSIGN_OR_RETURN(auto fingerprints, db->LoadFingerprints());
  if (fingerprints.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "database " + *args.Get("--db") + " has no baselines yet; run driftwatch train first");
  }
  ASSIGN_OR_RETURN(auto sources, OpenSources(args));
  model::Detector detector(std::move(fingerprints));
  const auto print = [format](const model::Finding& f) {
    WriteLine(format == Format::kJson ? FindingJson(f) : FindingText(f));
  };
  // Replayed traces are one batch: their findings are stored in one
  // transaction, then printed, once every trace has been read, so a damaged
  // trace leaves the database as it was. Live findings are stored and printed
  // as they come.
  const bool live = args.Has("--live");
  std::vector<model::Finding*> batch;
  Status store_status;
  collector::PipelineStats stats;
  auto started = std::chrono::steady_clock::now();
  for (auto& source : sources) {
    RETURN_IF_ERROR(AnnounceReady(args, *source));
    RETURN_IF_ERROR(Drive(
        *source,
        [&](const Event& e, std::span<const uint8_t>) {
          size_t unprofiled = detector.unprofiled_workloads().size();
          for (model::Finding* f : detector.Observe(e)) {
            if (!live) {
              batch.push_back(f);
              continue;
            }
            if (store_status.ok()) store_status = db->UpsertFinding(f);
            print(*f);
          }
          if (detector.unprofiled_workloads().size() != unprofiled) {
            spdlog::warn("workload {} has no baseline; its events are not scored", e.workload);
          }
        },
        g_stop, &stats));
  }
  for (model::Finding* f : detector.Flush()) {  // the last rate buckets
    if (!live) {
      batch.push_back(f);
    } else {
      if (store_status.ok()) store_status = db->UpsertFinding(f);
      print(*f);
    }
  }
  auto updated = detector.Updated();
  if (!live) updated = batch;  // each with its final count
  if (store_status.ok() && !updated.empty()) store_status = db->UpsertFindings(updated);
  RETURN_IF_ERROR(store_status);
  for (const model::Finding* f : batch) print(*f);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("scored {} events in {:.2f}s ({:.0f} events/s); {} findings", stats.events, secs,
               secs > 0 ? static_cast<double>(stats.events) / secs : 0.0, detector.findings().size());
  return Status::Ok();
}

// driftwatch workloads --db DB [--format text|jsonl]
Status CmdWorkloads(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  ASSIGN_OR_RETURN(auto workloads, db->ListWorkloads());
  ASSIGN_OR_RETURN(auto fingerprints, db->LoadFingerprints());
  std::vector<WorkloadView> views;
  for (auto& w : workloads) {
    WorkloadView v{std::move(w), {}};
    auto fp = fingerprints.find(v.info.name);
    if (fp != fingerprints.end()) v.learning = model::Assess(fp->second, convergence);
    views.push_back(std::move(v));
  }
  if (format == Format::kJson) {
    for (const auto& v : views) WriteLine(WorkloadJson(v));
  } else {
    std::fputs(WorkloadsText(views).c_str(), stdout);
  }
  return Status::Ok();
}

// driftwatch findings --db DB [--workload NAME] [--format text|jsonl]
Status CmdFindings(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(auto findings, db->ListFindings(args.Get("--workload")));
  for (const auto& f : findings) WriteLine(format == Format::kJson ? FindingJson(f) : FindingText(f));
  return Status::Ok();
}

// driftwatch eval [--data DIR] [--format text|jsonl]: a report, so drift missed or false
// positives are not errors; unreadable data is.
Status CmdEval(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  const std::string dir = args.Get("--data").value_or("testdata");
  ASSIGN_OR_RETURN(auto cases, DiscoverCases(dir));
  if (cases.empty()) {
    return Status(ErrorCode::kNotFound, "no eval cases (DIR/<name>/train*.dwt) under " + dir);
  }
  std::vector<EvalResult> results;
  for (const auto& c : cases) {
    ASSIGN_OR_RETURN(EvalResult r, RunEval(c));
    if (format == Format::kJson) WriteLine(EvalJson(r));
    results.push_back(std::move(r));
  }
  if (format == Format::kText) std::fputs(EvalText(results).c_str(), stdout);
  return Status::Ok();
}

// driftwatch agent --config FILE
Status CmdAgent(const Args& args) { return tools::agent::RunAgent(*args.Get("--config")); }

// The config is checked before anything starts: a bad key is a usage error.
Status CheckAgent(const Args& args) {
  ASSIGN_OR_RETURN(std::string path, args.Required("--config"));
  return tools::agent::LoadConfig(path).status();
}

constexpr char kUsage[] =
    "usage: driftwatch COMMAND [OPTIONS]\n"
    "  record    --out TRACE [--cgroup CGPATH]... [--duration SECONDS] [--syscalls]\n"
    "  train     --db DB (--trace TRACE... | --live [--cgroup CGPATH]... --duration SECONDS\n"
    "            [--syscalls]) [--checkpoint SECONDS] [--min-duration SECONDS] [--quiet SECONDS]\n"
    "  detect    --db DB (--trace TRACE... | --live [--cgroup CGPATH]... [--duration SECONDS]\n"
    "            [--syscalls]) [--format jsonl|text]\n"
    "  workloads --db DB [--format jsonl|text] [--min-duration SECONDS] [--quiet SECONDS]\n"
    "  findings  --db DB [--workload NAME] [--format jsonl|text]\n"
    "  eval      [--data DIR] [--format jsonl|text]   (DIR/<name>/{train,normal,drift}*.dwt)\n"
    "  agent     --config FILE   (the daemon: tools/agent/config.h documents the file)\n"
    "CGPATH is a cgroup v2 path relative to the cgroup2 root, e.g. system.slice/nginx.service.\n"
    "A baseline is stable after --min-duration (600) of training with no new item for --quiet (300).\n"
    "--syscalls learns (train) or checks (detect) each workload's syscalls: a hook on every\n"
    "syscall of the host, so use it for training and leave it off in production.\n";

// Usage checks: a command's flags are checked before it opens anything, so a
// wrong command line never creates or changes a file. main() exits 2 for
// these errors and 1 for any error after them.
Status CheckRecord(const Args& args) {
  RETURN_IF_ERROR(args.Required("--out").status());
  return args.Seconds("--duration").status();
}

Status CheckTrain(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  RETURN_IF_ERROR(args.Seconds("--checkpoint").status());
  RETURN_IF_ERROR(ConvergenceFlags(args).status());
  return CheckSources(args, /*live_needs_duration=*/true);
}

Status CheckDetect(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(args.Required("--db").status());
  return CheckSources(args, /*live_needs_duration=*/false);
}

// workloads, findings.
Status CheckQuery(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(ConvergenceFlags(args).status());
  return args.Required("--db").status();
}

struct Command {
  const char* name;
  Status (*check)(const Args&);  // usage only; opens nothing
  Status (*run)(const Args&);
  FlagSpec flags;
};

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"record", CheckRecord, CmdRecord, {{"--out", "--cgroup", "--duration"}, {"--syscalls"}}},
      {"train", CheckTrain, CmdTrain,
       {{"--db", "--trace", "--cgroup", "--duration", "--checkpoint", "--min-duration", "--quiet"},
        {"--live", "--syscalls"}}},
      {"detect", CheckDetect, CmdDetect,
       {{"--db", "--trace", "--cgroup", "--duration", "--format"}, {"--live", "--syscalls"}}},
      {"agent", CheckAgent, CmdAgent, {{"--config"}, {}}},
      {"workloads", CheckQuery, CmdWorkloads, {{"--db", "--format", "--min-duration", "--quiet"}, {}}},
      {"findings", CheckQuery, CmdFindings, {{"--db", "--workload", "--format"}, {}}},
      {"eval", [](const Args& a) { return ParseFormat(a, "text").status(); }, CmdEval, {{"--data", "--format"}, {}}},
  };
  return commands;
}

int Main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("driftwatch");
  logger->set_pattern("driftwatch: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  collector::SetLibbpfLogger([](int level, const std::string& line) {
    if (level == 0) spdlog::debug("libbpf: {}", line);
  });

  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  for (const auto& cmd : Commands()) {
    if (name != cmd.name) continue;
    Result<Args> args = Args::Parse(argc, argv, 2, cmd.flags);
    if (!args) {
      std::fprintf(stderr, "driftwatch %s: %s\n", cmd.name, args.error().message().c_str());
      return 2;
    }
    if (!args->positional().empty()) {
      std::fprintf(stderr, "driftwatch %s: unexpected argument '%s'\n", cmd.name,
                   args->positional()[0].c_str());
      return 2;
    }
    if (Status usage = cmd.check(*args); !usage.ok()) {
      std::fprintf(stderr, "driftwatch %s: %s\n", cmd.name, usage.message().c_str());
      return 2;
    }
    InstallSignalHandlers();
    Status s = cmd.run(*args);
    if (!s.ok()) {
      std::fprintf(stderr, "driftwatch %s: %s\n", cmd.name, s.message().c_str());
      return 1;
    }
    return 0;
  }
  std::fprintf(stderr, "driftwatch: unknown command '%s' (driftwatch --help lists them)\n",
               name.c_str());
  return 2;
}

}  // namespace
}  // namespace dw::tools

int main(int argc, char** argv) { return dw::tools::Main(argc, argv); }
