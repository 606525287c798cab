// tools/driftwatch.cc: the driftwatch command: record, train, detect, workloads, findings,
// export, check, import, merge, diff, history.
//
// The data flow of every command is Drive(): EventSource -> Decode ->
// WorkloadResolver -> (Profiler | Detector | TraceWriter), then the Store.
// Only main() turns errors into exit codes: 0 ok, 1 failure, 2 usage, and for
// check 3 when the policy would have blocked something.
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>
#include <utility>
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
#include "tools/explain.h"
#include "tools/exceptions.h"
#include "tools/export.h"
#include "tools/format.h"
#include "tools/policy_check.h"
#include "tools/report.h"
#include "tools/moving.h"
#include "tools/version.h"

namespace dw::tools {
namespace {

std::atomic<bool> g_stop{false};
// The exit code of a command that succeeded: 0, or 3 from check when the
// policy would have blocked something.
int g_success_exit = 0;

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

// Loads and attaches the BPF programs and says what is missing. The verdict
// cache only for detection (nothing else inserts into it).
Result<std::unique_ptr<collector::BpfEventSource>> OpenLive(const Args& args, bool verdict_cache = false) {
  collector::BpfOptions options;
  options.cgroups = args.All("--cgroup");
  options.syscalls = args.Has("--syscalls");
  options.verdict_cache = verdict_cache;
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
  if (!live && args.Has("--no-verdict-cache")) {
    return Status(ErrorCode::kInvalidArgument, "--no-verdict-cache goes with --live");
  }
  RETURN_IF_ERROR(args.Seconds("--duration").status());
  if (live && live_needs_duration && !args.Has("--duration")) {
    return Status(ErrorCode::kInvalidArgument, "--live training needs --duration SECONDS");
  }
  return Status::Ok();
}

// Every source a command reads: the --trace files in order, or --live.
// `args` passed CheckSources().
Result<std::vector<std::unique_ptr<collector::EventSource>>> OpenSources(const Args& args,
                                                                      bool verdict_cache = false) {
  std::vector<std::unique_ptr<collector::EventSource>> sources;
  for (const auto& t : args.All("--trace")) {
    ASSIGN_OR_RETURN(auto source, collector::TraceEventSource::Open(t));
    sources.push_back(std::move(source));
  }
  if (args.Has("--live")) {
    ASSIGN_OR_RETURN(auto source, OpenLive(args, verdict_cache));
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

// The host `source`'s events come from: a trace's recorded hostname, this
// host's name when live.
std::string NodeOf(collector::EventSource& source) {
  if (auto* trace = dynamic_cast<collector::TraceEventSource*>(&source)) return trace->header().hostname;
  struct utsname u;
  return uname(&u) == 0 ? std::string(u.nodename) : std::string();
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
    profiler.SetNode(args.Get("--node").value_or(NodeOf(*source)));
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

// driftwatch detect --db DB (--trace TRACE... | --live [--cgroup CGPATH...] [--duration S])
//                   [--format jsonl|text] [--exceptions FILE]
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
  model::Detector detector(std::move(fingerprints));
  // The kernel verdict cache (collector/verdict_cache.h), live only.
  std::unique_ptr<collector::VerdictCache> cache;
  for (auto& source : sources) {
    auto* bpf = dynamic_cast<collector::BpfEventSource*>(source.get());
    if (bpf != nullptr && bpf->verdict_cache()) cache = std::make_unique<collector::VerdictCache>(bpf);
  }
  Status cache_status;
  // Calls the kernel answered count in the rates, read once a second.
  collector::FilteredDeltas filtered;
  std::map<CgroupId, std::string> workload_of;  // of the cgroups given an epoch
  auto fed = std::chrono::steady_clock::now();
  const auto feed_undelivered = [&] {
    if (std::chrono::steady_clock::now() - fed < std::chrono::seconds(1)) return;
    fed = std::chrono::steady_clock::now();
    auto* bpf = dynamic_cast<collector::BpfEventSource*>(sources.back().get());
    auto counters = bpf->CgroupCounters();
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
  spdlog::info("scored {} events in {:.2f}s ({:.0f} events/s); {} findings{}", stats.events, secs,
               secs > 0 ? static_cast<double>(stats.events) / secs : 0.0, detector.findings().size(),
               suppressed ? fmt::format(" ({} suppressed by exceptions: driftwatch findings --suppressed)",
                                        suppressed)
                          : std::string());
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

// driftwatch findings --db DB [--workload NAME] [--format text|jsonl] [--suppressed]
Status CmdFindings(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(auto findings,
                   db->ListFindings(args.Get("--workload"), 0, 0,
                                    args.Has("--suppressed") ? store::Store::Which::kSuppressed
                                                             : store::Store::Which::kDelivered));
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

// driftwatch import --db DB FILE [--workload NAME]: a fingerprint exported
// elsewhere becomes this database's locked baseline (a new version).
Status CmdImport(const Args& args) {
  // The file first: a bad one must not create or change the database.
  ASSIGN_OR_RETURN(model::Fingerprint fp, ReadFingerprintFile(args.positional()[0]));
  if (auto name = args.Get("--workload")) fp.workload = *name;
  if (fp.workload.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "fingerprint " + args.positional()[0] + " names no workload; give --workload NAME");
  }
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadWrite));
  RETURN_IF_ERROR(db->ImportFingerprint(fp, "locked", NowNs()));
  ASSIGN_OR_RETURN(auto versions, db->ListVersions(fp.workload));
  spdlog::info("imported {} ({} items, trained on {}) as version {}, locked", fp.workload,
               fp.ItemCount(), fp.node.empty() ? "an unknown node" : fp.node,
               versions.empty() ? 0 : versions.back().version);
  return Status::Ok();
}

// driftwatch merge --db OUT DB... [--workload NAME]
Status CmdMerge(const Args& args) {
  ASSIGN_OR_RETURN(auto outcomes,
                   MergeDatabases(*args.Get("--db"), args.positional(), args.Get("--workload"), NowNs()));
  for (const MergeOutcome& o : outcomes) {
    std::string nodes = fmt::format("{}", fmt::join(o.nodes, ", "));
    if (o.version == 0) {
      spdlog::info("{}: unchanged (nodes {})", o.workload, nodes);
    } else {
      spdlog::info("{}: merged from {} nodes ({}) as version {}", o.workload, o.nodes.size(), nodes,
                   o.version);
    }
  }
  return Status::Ok();
}

// The fingerprint `flag` names in the open database (a version number).
Result<std::pair<model::Fingerprint, std::string>> LoadVersion(store::Store& db, const std::string& workload,
                                                               std::optional<int64_t> version) {
  ASSIGN_OR_RETURN(auto fp, db.LoadFingerprint(workload, version));
  if (!fp) {
    if (version) return Status(ErrorCode::kNotFound, workload + " has no version " + std::to_string(*version));
    return Status(ErrorCode::kNotFound, "unknown workload " + workload);
  }
  std::string label = version ? "version " + std::to_string(*version) : "latest";
  return std::make_pair(std::move(*fp), label);
}

Result<std::optional<int64_t>> VersionFlag(const Args& args, const char* flag) {
  auto v = args.Get(flag);
  if (!v) return std::optional<int64_t>();
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno != 0 || n < 1) {
    return Status(ErrorCode::kInvalidArgument, std::string(flag) + " must be a version number (1, 2, ...), not '" + *v + "'");
  }
  return std::optional<int64_t>(n);
}

// --peer ADDRESS=WORKLOAD...: the workloads behind peer addresses.
Result<ExportOptions> PeerFlags(const Args& args) {
  ExportOptions options;
  for (const std::string& p : args.All("--peer")) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      return Status(ErrorCode::kInvalidArgument, "--peer must be ADDRESS=WORKLOAD, not '" + p + "'");
    }
    options.peers[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return options;
}

// What export and check render: a policy document and where it came from.
struct Exported {
  ExportFormat format = ExportFormat::kJson;
  ExportSource source;
  std::string document;
};

// Loads the workload's fingerprint (--version, else the latest) and renders it
// as --format. Refuses a baseline that is still learning (unless the workload
// is in monitoring or locked state) or was trained while events were dropped;
// --force turns the refusal into a warning.
Result<Exported> BuildExport(const Args& args) {
  Exported out;
  ASSIGN_OR_RETURN(out.format, ParseExportFormat(args.Get("--format").value_or("")));
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionFlag(args, "--version"));
  const std::string name = *args.Get("--workload");
  const std::string path = *args.Get("--db");
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(std::optional<model::Fingerprint> fp, db->LoadFingerprint(name, version));
  ASSIGN_OR_RETURN(auto workloads, db->ListWorkloads());
  const store::WorkloadInfo* info = nullptr;
  for (const auto& w : workloads) {
    if (w.name == name) info = &w;
  }
  if (info == nullptr) {
    return Status(ErrorCode::kNotFound,
                  "unknown workload " + name + " in " + path + " (driftwatch workloads lists them)");
  }
  if (!fp) {
    if (info->version == 0) {
      return Status(ErrorCode::kNotFound, "workload " + name + " has no fingerprint yet; run driftwatch train");
    }
    return Status(ErrorCode::kNotFound, "workload " + name + " has no fingerprint version " +
                                            std::to_string(*version) + " (versions 1 to " +
                                            std::to_string(info->version) + ")");
  }
  out.source.workload = name;
  out.source.version = version.value_or(info->version);
  out.source.db = path;
  ASSIGN_OR_RETURN(auto versions, db->ListVersions(name));
  for (const auto& v : versions) {
    if (v.version == out.source.version) out.source.created_ns = v.created_ns;
  }
  WorkloadView view{*info, model::Assess(*fp, convergence)};
  out.source.state = view.State();

  std::string why;
  if (fp->training.dropped_events > 0) {
    why = "was trained while the kernel dropped " + std::to_string(fp->training.dropped_events) +
          " events (the baseline may miss items)";
  } else if (!view.learning.stable && info->state != "monitoring" && info->state != "locked") {
    why = "is still learning (" + view.learning.Describe(convergence) + ")";
  }
  if (!why.empty()) {
    const std::string what = "workload " + name + " fingerprint v" + std::to_string(out.source.version) + " " + why;
    if (!args.Has("--force")) {
      return Status(ErrorCode::kInvalidArgument, what + "; train longer, or pass --force to export it anyway");
    }
    spdlog::warn("{}; exporting it anyway (--force)", what);
  }
  ASSIGN_OR_RETURN(ExportOptions options, PeerFlags(args));
  std::vector<std::string> notes;
  ASSIGN_OR_RETURN(out.document, Export(out.format, *fp, out.source, &notes, options));
  for (const auto& n : notes) spdlog::info("{} export: not expressed: {}", ExportFormatName(out.format), n);
  return out;
}

// Writes `text` to `path` under a temporary name, then renames it: readers
// never see a half-written policy.
Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return Status::Errno("create " + tmp, errno);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  int err = errno;
  ok = std::fflush(f) == 0 && ok;
  if (!ok) err = errno;
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    std::remove(tmp.c_str());
    return Status::Errno("write " + tmp, err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    return Status::Errno("rename " + tmp + " to " + path, err);
  }
  return Status::Ok();
}

// driftwatch export --db DB --workload NAME --format FORMAT [--out FILE] [--version N] [--force]
Status CmdExport(const Args& args) {
  ASSIGN_OR_RETURN(Exported e, BuildExport(args));
  if (auto out = args.Get("--out")) return WriteFileAtomically(*out, e.document);
  std::fwrite(e.document.data(), 1, e.document.size(), stdout);
  std::fflush(stdout);
  return Status::Ok();
}

// driftwatch check --db DB --workload NAME --format FORMAT --trace TRACE... [--output text|jsonl]
// Replays the traces against the policy parsed back from the export; exit 3
// when it would have blocked something.
Status CmdCheck(const Args& args) {
  const bool jsonl = args.Get("--output").value_or("text") == "jsonl";
  ASSIGN_OR_RETURN(Exported e, BuildExport(args));
  ASSIGN_OR_RETURN(auto check, PolicyCheck::Parse(e.format, e.document, e.source.workload));
  ASSIGN_OR_RETURN(auto sources, OpenSources(args));
  collector::PipelineStats stats;
  for (auto& source : sources) {
    RETURN_IF_ERROR(Drive(
        *source,
        [&](const Event& ev, std::span<const uint8_t>) {
          if (ev.workload == e.source.workload) check->Observe(ev);
        },
        g_stop, &stats));
  }
  if (check->events() == 0) {
    spdlog::warn("the traces hold no events of workload {}", e.source.workload);
  }
  if (e.format == ExportFormat::kSeccomp && check->syscall_events() == 0) {
    spdlog::warn("the traces record no syscalls (record them with --syscalls): the seccomp profile judges nothing in them");
  }
  const auto blocked = check->blocked();
  for (const Blocked& b : blocked) {
    WriteLine(jsonl ? BlockedJson(b) : BlockedText(b));
  }
  spdlog::info("checked {} events of {} against its {} export (fingerprint v{}): {} items would be blocked",
               check->events(), e.source.workload, ExportFormatName(e.format), e.source.version, blocked.size());
  if (!blocked.empty()) g_success_exit = 3;
  return Status::Ok();
}

// driftwatch diff A.json B.json
//   | --db DB --workload NAME (--from V [--to V] | [--from V] --against FILE) [--format text|jsonl]
Status CmdDiff(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  std::pair<model::Fingerprint, std::string> from, to;
  if (args.positional().size() == 2) {
    ASSIGN_OR_RETURN(from.first, ReadFingerprintFile(args.positional()[0]));
    ASSIGN_OR_RETURN(to.first, ReadFingerprintFile(args.positional()[1]));
    from.second = args.positional()[0];
    to.second = args.positional()[1];
  } else {
    const std::string workload = *args.Get("--workload");
    ASSIGN_OR_RETURN(auto from_version, VersionFlag(args, "--from"));
    ASSIGN_OR_RETURN(auto to_version, VersionFlag(args, "--to"));
    std::optional<model::Fingerprint> file;
    if (auto against = args.Get("--against")) {
      ASSIGN_OR_RETURN(file, ReadFingerprintFile(*against));
    }
    ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
    ASSIGN_OR_RETURN(from, LoadVersion(*db, workload, from_version));
    if (file) {
      to = {std::move(*file), *args.Get("--against")};
    } else {
      ASSIGN_OR_RETURN(to, LoadVersion(*db, workload, to_version));
    }
  }
  const std::string report = format == Format::kJson
                                 ? DiffJsonLines(from.first, from.second, to.first, to.second)
                                 : DiffText(from.first, from.second, to.first, to.second);
  std::fputs(report.c_str(), stdout);
  return Status::Ok();
}

// driftwatch history --db DB --workload NAME [--format text|jsonl]
Status CmdHistory(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  const std::string workload = *args.Get("--workload");
  ASSIGN_OR_RETURN(auto versions, db->ListVersions(workload));
  ASSIGN_OR_RETURN(auto workloads, db->ListWorkloads());
  std::string state;
  for (const auto& w : workloads) {
    if (w.name == workload) state = w.state;
  }
  std::fputs((format == Format::kJson ? HistoryJsonLines(workload, state, versions)
                                      : HistoryText(workload, state, versions))
                 .c_str(),
             stdout);
  return Status::Ok();
}

// driftwatch explain --db DB --workload NAME [--version N] [--format text|jsonl]: what the
// baseline generalized, and why.
Status CmdExplain(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  const std::string workload = *args.Get("--workload");
  ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionFlag(args, "--version"));
  ASSIGN_OR_RETURN(auto fp, db->LoadFingerprint(workload, version));
  if (!fp) return Status(ErrorCode::kNotFound, "no fingerprint for workload " + workload);
  std::fputs((format == Format::kJson ? ExplainJsonLines(*fp) : ExplainText(*fp)).c_str(), stdout);
  return Status::Ok();
}

// driftwatch report --db DB [--workload NAME] --out FILE (tools/report.h)
Status CmdReport(const Args& args) {
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(ReportData data, LoadReportData(*db, args.Get("--workload"), convergence));
  data.generated_ns = NowNs();
  data.source = *args.Get("--db");
  return WriteFileAtomically(*args.Get("--out"), ReportHtml(data));
}

// driftwatch agent --config FILE
Status CmdAgent(const Args& args) {
  return tools::agent::RunAgent(*args.Get("--config"), !args.Has("--no-verdict-cache"));
}

// The config is checked before anything starts: a bad key is a usage error.
Status CheckAgent(const Args& args) {
  ASSIGN_OR_RETURN(std::string path, args.Required("--config"));
  return tools::agent::LoadConfig(path).status();
}

// The notes under the command list (driftwatch --help) and under each
// command's own usage (driftwatch COMMAND --help).
constexpr char kUsageNotes[] =
    "CGPATH is a cgroup v2 path relative to the cgroup2 root, e.g. system.slice/nginx.service.\n"
    "A flag shown as --flag VALUE... takes one or more values: --trace a.dwt b.dwt, or\n"
    "--trace a.dwt --trace b.dwt.\n"
    "A baseline is stable after --min-duration (600) of training with no new item for --quiet (300).\n"
    "--syscalls learns (train) or checks (detect) each workload's syscalls: a hook on every\n"
    "syscall of the host, so use it for training and leave it off in production.\n"
    "driftwatch COMMAND --help shows one command; driftwatch --version the version.\n";

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

Status CheckImport(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  if (args.positional().size() != 1) {
    return Status(ErrorCode::kInvalidArgument, "give one fingerprint FILE to import");
  }
  return Status::Ok();
}

Status CheckMerge(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  if (args.positional().empty()) {
    return Status(ErrorCode::kInvalidArgument, "give the databases to merge: --db OUT DB...");
  }
  return Status::Ok();
}

Status CheckDiff(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(VersionFlag(args, "--from").status());
  RETURN_IF_ERROR(VersionFlag(args, "--to").status());
  const bool db_form = args.Has("--db") || args.Has("--workload") || args.Has("--from") ||
                       args.Has("--to") || args.Has("--against");
  if (!args.positional().empty()) {
    if (args.positional().size() != 2 || db_form) {
      return Status(ErrorCode::kInvalidArgument,
                    "give two fingerprint files, or --db DB --workload NAME with --from or --against");
    }
    return Status::Ok();
  }
  RETURN_IF_ERROR(args.Required("--db").status());
  RETURN_IF_ERROR(args.Required("--workload").status());
  if (args.Has("--against") ? args.Has("--to") : !args.Has("--from")) {
    return Status(ErrorCode::kInvalidArgument, "give --from V [--to V], or [--from V] --against FILE");
  }
  return Status::Ok();
}

Status CheckHistory(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(args.Required("--db").status());
  return args.Required("--workload").status();
}

Status CheckExplain(const Args& args) {
  RETURN_IF_ERROR(CheckHistory(args));
  return VersionFlag(args, "--version").status();
}

// workloads, findings.
Status CheckQuery(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(ConvergenceFlags(args).status());
  return args.Required("--db").status();
}

// export, check.
Status CheckExport(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  RETURN_IF_ERROR(args.Required("--workload").status());
  ASSIGN_OR_RETURN(std::string format, args.Required("--format"));
  RETURN_IF_ERROR(ParseExportFormat(format).status());
  RETURN_IF_ERROR(VersionFlag(args, "--version").status());
  RETURN_IF_ERROR(PeerFlags(args).status());
  return ConvergenceFlags(args).status();
}

Status CheckCheck(const Args& args) {
  RETURN_IF_ERROR(CheckExport(args));
  if (args.All("--trace").empty()) return Status(ErrorCode::kInvalidArgument, "missing --trace TRACE");
  auto output = args.Get("--output").value_or("text");
  if (output != "text" && output != "jsonl") {
    return Status(ErrorCode::kInvalidArgument, "--output must be text or jsonl, not '" + output + "'");
  }
  return Status::Ok();
}

struct Command {
  const char* name;
  const char* usage;             // the synopsis after the name; lines after the first indented
  Status (*check)(const Args&);  // usage only; opens nothing
  Status (*run)(const Args&);
  FlagSpec flags;
  bool positional = false;  // takes arguments besides flags (its check counts them)
};

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"record", "--out TRACE [--cgroup CGPATH...] [--duration SECONDS] [--syscalls]",
       CheckRecord, CmdRecord, {{"--out", "--duration"}, {"--syscalls"}, {"--cgroup"}}},
      {"train",
       "--db DB (--trace TRACE... | --live [--cgroup CGPATH...] --duration SECONDS\n"
       "[--syscalls]) [--checkpoint SECONDS] [--min-duration SECONDS] [--quiet SECONDS]\n"
       "[--node NAME]",
       CheckTrain, CmdTrain,
       {{"--db", "--duration", "--checkpoint", "--min-duration", "--quiet", "--node"},
        {"--live", "--syscalls"},
        {"--trace", "--cgroup"}}},
      {"detect",
       "--db DB (--trace TRACE... | --live [--cgroup CGPATH...] [--duration SECONDS]\n"
       "[--syscalls] [--no-verdict-cache]) [--format jsonl|text] [--exceptions FILE]\n"
       "FILE: expected findings to store but not print (tools/exceptions.h)\n"
       "--no-verdict-cache: every event reaches user space (README: Performance)",
       CheckDetect, CmdDetect,
       {{"--db", "--duration", "--format", "--exceptions"},
        {"--live", "--syscalls", "--no-verdict-cache"},
        {"--trace", "--cgroup"}}},
      {"workloads", "--db DB [--format jsonl|text] [--min-duration SECONDS] [--quiet SECONDS]", CheckQuery,
       CmdWorkloads, {{"--db", "--format", "--min-duration", "--quiet"}, {}}},
      {"findings",
       "--db DB [--workload NAME] [--format jsonl|text] [--suppressed]\n"
       "--suppressed: the findings exceptions matched, instead of the delivered ones",
       CheckQuery, CmdFindings, {{"--db", "--workload", "--format"}, {"--suppressed"}}},
      {"eval", "[--data DIR] [--format jsonl|text]   (DIR/<name>/{train,normal,drift,heldout}*.dwt)",
       [](const Args& a) { return ParseFormat(a, "text").status(); }, CmdEval, {{"--data", "--format"}, {}}},
      {"export",
       "--db DB --workload NAME --format FORMAT [--out FILE] [--version N] [--force]\n"
       "[--min-duration SECONDS] [--quiet SECONDS] [--peer ADDRESS=WORKLOAD...]\n"
       "FORMAT: json, networkpolicy, seccomp, kubearmor or falco. Refused while the\n"
       "baseline is learning or was trained with dropped events, unless --force.\n"
       "--peer names the workload at a peer address (ns/owner/container): networkpolicy\n"
       "selects it by namespace and pod labels instead of its IP.",
       CheckExport, CmdExport,
       {{"--db", "--workload", "--format", "--out", "--version", "--min-duration", "--quiet"},
        {"--force"},
        {"--peer"}}},
      {"check",
       "--db DB --workload NAME --format FORMAT --trace TRACE... [--output text|jsonl]\n"
       "[--version N] [--force] [--min-duration SECONDS] [--quiet SECONDS] [--peer ADDRESS=WORKLOAD...]\n"
       "replays TRACEs against the export; exit 3 when it would block something",
       CheckCheck, CmdCheck,
       {{"--db", "--workload", "--format", "--output", "--version", "--min-duration", "--quiet"},
        {"--force"},
        {"--trace", "--peer"}}},
      {"agent",
       "--config FILE [--no-verdict-cache]   (the daemon: tools/agent/config.h documents the file)\n"
       "--no-verdict-cache: every event reaches user space, whatever the file's verdict_cache says",
       CheckAgent, CmdAgent, {{"--config"}, {"--no-verdict-cache"}}},
      {"import", "--db DB FILE [--workload NAME]   (FILE: JSON fingerprint; the workload becomes locked)",
       CheckImport, CmdImport, {{"--db", "--workload"}, {}}, true},
      {"merge", "--db OUT DB... [--workload NAME]  (one workload's fingerprints from several nodes)", CheckMerge,
       CmdMerge, {{"--db", "--workload"}, {}}, true},
      {"diff",
       "A.json B.json | --db DB --workload NAME (--from V [--to V] | [--from V] --against FILE)\n"
       "[--format jsonl|text]",
       CheckDiff, CmdDiff, {{"--db", "--workload", "--from", "--to", "--against", "--format"}, {}}, true},
      {"history", "--db DB --workload NAME [--format jsonl|text]   (every stored version)", CheckHistory,
       CmdHistory, {{"--db", "--workload", "--format"}, {}}},
      {"explain",
       "--db DB --workload NAME [--version N] [--format jsonl|text]\n"
       "what the baseline generalized, and from which evidence",
       CheckExplain, CmdExplain, {{"--db", "--workload", "--version", "--format"}, {}}},
      {"report",
       "--db DB [--workload NAME] --out FILE.html [--min-duration SECONDS] [--quiet SECONDS]\n"
       "one self-contained page: baselines, rates, incidents as process trees",
       [](const Args& a) {
         RETURN_IF_ERROR(a.Required("--db").status());
         RETURN_IF_ERROR(a.Required("--out").status());
         return ConvergenceFlags(a).status();
       },
       CmdReport, {{"--db", "--workload", "--out", "--min-duration", "--quiet"}, {}}},
  };
  return commands;
}

// `prefix`, the name padded to a column, then the synopsis; its further
// lines indented to that column.
std::string Synopsis(const std::string& prefix, const Command& cmd) {
  constexpr size_t kNameWidth = 10;  // "workloads" and a space
  std::string out = prefix + cmd.name;
  out.resize(prefix.size() + std::max(kNameWidth, std::string_view(cmd.name).size() + 1), ' ');
  const std::string indent(out.size(), ' ');
  std::string_view usage = cmd.usage;
  for (bool first = true; !usage.empty(); first = false) {
    size_t nl = usage.find('\n');
    if (!first) out += indent;
    out += usage.substr(0, nl);
    out += '\n';
    usage = nl == std::string_view::npos ? std::string_view() : usage.substr(nl + 1);
  }
  return out;
}

std::string Usage() {
  std::string out = "usage: driftwatch COMMAND [OPTIONS]\n";
  for (const auto& cmd : Commands()) out += Synopsis("  ", cmd);
  return out + kUsageNotes;
}

std::string CommandUsage(const Command& cmd) { return Synopsis("usage: driftwatch ", cmd) + kUsageNotes; }

int Main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("driftwatch");
  logger->set_pattern("driftwatch: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  collector::SetLibbpfLogger([](int level, const std::string& line) {
    if (level == 0) spdlog::debug("libbpf: {}", line);
  });

  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::fputs(Usage().c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  if (name == "--version" || name == "version") {
    std::printf("driftwatch %s\n", DW_VERSION);
    return 0;
  }
  for (const auto& cmd : Commands()) {
    if (name != cmd.name) continue;
    // COMMAND --help anywhere on the line: its usage, whatever else is there.
    for (int i = 2; i < argc; ++i) {
      if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
        std::fputs(CommandUsage(cmd).c_str(), stdout);
        return 0;
      }
    }
    Result<Args> args = Args::Parse(argc, argv, 2, cmd.flags);
    if (!args) {
      std::fprintf(stderr, "driftwatch %s: %s\n", cmd.name, args.error().message().c_str());
      return 2;
    }
    if (!cmd.positional && !args->positional().empty()) {
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
    return g_success_exit;
  }
  std::fprintf(stderr, "driftwatch: unknown command '%s' (driftwatch --help lists them)\n",
               name.c_str());
  return 2;
}

}  // namespace
}  // namespace dw::tools

int main(int argc, char** argv) { return dw::tools::Main(argc, argv); }
