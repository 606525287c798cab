// tools/cli/command.cc: what the commands share (tools/cli/command.h).
#include "tools/cli/command.h"

#include <signal.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <spdlog/spdlog.h>

#include "collector/trace_source.h"
#include "tools/flags.h"

namespace dw::tools {

std::atomic<bool> g_stop{false};
int g_success_exit = 0;

namespace {
void OnSignal(int) { g_stop.store(true); }
}  // namespace

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

Result<std::unique_ptr<collector::BpfEventSource>> OpenLive(const Args& args, bool verdict_cache) {
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

Status AnnounceReady(const Args& args, collector::EventSource& source) {
  if (!source.live()) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<double> duration, args.Seconds("--duration"));
  if (duration) {
    struct itimerval t = {};
    t.it_value.tv_sec = static_cast<time_t>(*duration);
    t.it_value.tv_usec =
        static_cast<suseconds_t>((*duration - static_cast<double>(t.it_value.tv_sec)) * 1e6);
    setitimer(ITIMER_REAL, &t, nullptr);
  }
  size_t attached = 0;
  for (const auto& h : source.hooks()) attached += h.attached ? 1 : 0;
  auto cgroups = args.All("--cgroup");
  spdlog::info("ready: {}/{} hooks attached, watching {}", attached, source.hooks().size(),
               cgroups.empty() ? std::string("the whole host") : fmt::format("{}", fmt::join(cgroups, ", ")));
  return Status::Ok();
}

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

Result<std::vector<std::unique_ptr<collector::EventSource>>> OpenSources(const Args& args, bool verdict_cache) {
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

Result<model::ConvergenceOptions> ConvergenceFlags(const Args& args) {
  model::ConvergenceOptions o;
  ASSIGN_OR_RETURN(auto min, args.Seconds("--min-duration"));
  ASSIGN_OR_RETURN(auto quiet, args.Seconds("--quiet"));
  if (min) o.min_duration_ns = static_cast<int64_t>(*min * 1e9);
  if (quiet) o.quiet_ns = static_cast<int64_t>(*quiet * 1e9);
  return o;
}

Result<std::optional<int64_t>> VersionFlag(const Args& args, const char* flag) {
  auto v = args.Get(flag);
  if (!v) return std::optional<int64_t>();
  std::optional<int64_t> n = ParseInt64(*v);
  if (!n || *n < 1) {
    return Status(ErrorCode::kInvalidArgument, std::string(flag) + " must be a version number (1, 2, ...), not '" + *v + "'");
  }
  return n;
}

Status CheckQuery(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(ConvergenceFlags(args).status());
  return args.Required("--db").status();
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  return WriteAtomically(path, [&](const std::string& tmp) {
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
    return ok ? Status::Ok() : Status::Errno("write " + tmp, err);
  });
}

}  // namespace dw::tools
