// model/scorer_benchmark.cc: cost of the detection path (items, normalisation,
// lookup, scoring) for a realistic event mix against a fingerprint of a few
// thousand items, and end to end (decode -> resolve -> Detector::Observe) on
// the recorded traces in testdata/.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "collector/pipeline.h"
#include "collector/trace_source.h"
#include "model/detector.h"
#include "model/generalize.h"
#include "model/items.h"
#include "model/normalize.h"
#include "model/scorer.h"
#include "model/testing/test_events.h"
#include "profiler/profiler.h"

namespace dw::model {
namespace {

using testing::V4;

struct Corpus {
  Fingerprint fp;
  std::vector<Event> events;
};

std::string LibPath(int i) { return "/usr/lib/x86_64-linux-gnu/lib" + std::to_string(i) + ".so.1"; }
std::string StaticPath(int i) {
  return "/srv/app/static/d" + std::to_string(i % 50) + "/f" + std::to_string(i) + ".html";
}

// A web service: ~3,000 files, tens of executables, a few hundred peers and
// names. Events: mostly opens of known files (some through /proc/<pid>),
// known peers and clients on fresh ephemeral ports, and about 5% drift.
Corpus MakeCorpus() {
  Corpus c;
  std::vector<Event> training;
  for (int i = 0; i < 40; ++i)
    training.push_back(testing::Exec("web", 10, "/usr/bin/tool" + std::to_string(i)));
  for (int i = 0; i < 400; ++i)
    training.push_back(testing::Open("web", 10, LibPath(i), kAccessRead));
  for (int i = 0; i < 2500; ++i)
    training.push_back(testing::Open("web", 10, StaticPath(i), kAccessRead));
  for (const char* p : {"/proc/10/status", "/proc/10/stat", "/proc/self/maps", "/etc/hosts",
                        "/etc/resolv.conf", "/etc/ssl/certs/ca-certificates.crt"}) {
    training.push_back(testing::Open("web", 10, p, kAccessRead));
  }
  for (int i = 0; i < 50; ++i) {
    training.push_back(testing::Open("web", 10, "/var/log/app/" + std::to_string(i) + ".log",
                                     kAccessWrite | kAccessCreate));
  }
  for (int i = 0; i < 100; ++i) {
    training.push_back(testing::Connect("web", 10, V4(10, 1, i / 250, i % 250, 5432)));
    training.push_back(testing::Accept("web", 10, V4(10, 0, 0, 2, 443), V4(10, 2, 0, i, 40000)));
    training.push_back(
        testing::Dns("web", 10, V4(10, 0, 0, 53, 53), "svc" + std::to_string(i) + ".internal"));
  }
  training.push_back(testing::Listen("web", 10, V4(0, 0, 0, 0, 443)));
  for (const Event& e : training) {
    for (const ItemRef& item : ItemsOf(e)) {
      ItemStats& s = FindOrAddItem(&c.fp, item);
      ++s.count;
      s.access |= item.access;
    }
  }

  std::mt19937 rng(42);
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  for (int i = 0; i < 10000; ++i) {
    uint32_t pid = 100 + static_cast<uint32_t>(pick(400));
    int r = pick(100);
    if (r < 40) {
      c.events.push_back(testing::Open("web", pid, StaticPath(pick(2500)), kAccessRead));
    } else if (r < 55) {
      c.events.push_back(testing::Open("web", pid, LibPath(pick(400)), kAccessRead));
    } else if (r < 62) {
      c.events.push_back(
          testing::Open("web", pid, "/proc/" + std::to_string(pid) + "/status", kAccessRead));
    } else if (r < 65) {
      c.events.push_back(testing::Open("web", pid, "/srv/upload/" + std::to_string(i) + ".tmp",
                                       kAccessWrite | kAccessCreate));
    } else if (r < 73) {
      c.events.push_back(
          testing::Connect("web", pid, V4(10, 1, 0, static_cast<uint8_t>(pick(100)), 5432)));
    } else if (r < 74) {
      c.events.push_back(
          testing::Connect("web", pid, V4(203, 0, 113, static_cast<uint8_t>(pick(250)), 443)));
    } else if (r < 84) {
      c.events.push_back(testing::Accept("web", pid, V4(10, 0, 0, 2, 443),
                                         V4(10, 2, 0, static_cast<uint8_t>(pick(110)),
                                            static_cast<uint16_t>(32768 + pick(28000)))));
    } else if (r < 89) {
      c.events.push_back(testing::Dns("web", pid, V4(10, 0, 0, 53, 53),
                                      "svc" + std::to_string(pick(105)) + ".internal"));
    } else if (r < 93) {
      c.events.push_back(testing::Exec("web", pid, "/usr/bin/tool" + std::to_string(pick(42))));
    } else if (r < 97) {
      c.events.push_back(testing::Fork("web", pid, pid + 1));
    } else {
      c.events.push_back(testing::Exit("web", pid));
    }
  }
  return c;
}

const Corpus& TheCorpus() {
  static const Corpus* corpus = new Corpus(MakeCorpus());
  return *corpus;
}

void BM_Score(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  Scorer scorer;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(scorer.Score(&c.fp, c.events[i]));
    if (++i == c.events.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["fp_items"] = static_cast<double>(c.fp.ItemCount());
}
BENCHMARK(BM_Score);

// The same events against the generalized fingerprint (model/generalize.h):
// static directories become patterns, so most opens go through MatchFile.
void BM_ScoreGeneralized(benchmark::State& state) {
  static const Fingerprint* fp = [] {
    auto* g = new Fingerprint(TheCorpus().fp);
    Generalize(g);
    return g;
  }();
  const Corpus& c = TheCorpus();
  Scorer scorer;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(scorer.Score(fp, c.events[i]));
    if (++i == c.events.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["fp_items"] = static_cast<double>(fp->ItemCount());
}
BENCHMARK(BM_ScoreGeneralized);

void BM_DetectorObserve(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  Detector detector({{"web", c.fp}});
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.Observe(c.events[i]));
    if (++i == c.events.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["findings"] = static_cast<double>(detector.findings().size());
}
BENCHMARK(BM_DetectorObserve);

void BM_NormalizeFilePath(benchmark::State& state) {
  const std::string paths[] = {StaticPath(1234), "/proc/4242/task/4243/stat", LibPath(7)};
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(NormalizeFilePath(paths[i]));
    if (++i == 3) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeFilePath);

// ---- End to end on the recorded traces -------------------------------------

// One trace held in memory: its source (cgroup names, start-up processes,
// looked-up processes) and its raw records, so the benchmark times decoding,
// not file reading and inflating.
struct Recorded {
  std::unique_ptr<collector::TraceEventSource> source;
  std::vector<std::vector<uint8_t>> records;
};

std::unique_ptr<collector::Pipeline> PipelineFor(collector::TraceEventSource& source) {
  auto p = std::make_unique<collector::Pipeline>(
      &source.cgroups(), source.boot_to_unix_ns(), source.initial_processes(),
      [&source](uint32_t pid) { return source.LookupProcess(pid); });
  p->set_wire_version(source.wire_version());
  return p;
}

Recorded Load(const std::string& path) {
  auto source = collector::TraceEventSource::Open(path);
  if (!source) {
    std::fprintf(stderr, "scorer_benchmark: %s\n", source.error().message().c_str());
    std::exit(1);
  }
  Recorded r{std::move(*source), {}};
  std::atomic<bool> stop{false};
  Status s = r.source->Run(
      [&r](std::span<const uint8_t> rec) { r.records.emplace_back(rec.begin(), rec.end()); }, stop);
  if (!s.ok()) {
    std::fprintf(stderr, "scorer_benchmark: read %s: %s\n", path.c_str(), s.message().c_str());
    std::exit(1);
  }
  return r;
}

// Every workload of testdata/ ($DW_TESTDATA_DIR overrides), trained on its
// train traces as `driftwatch train` does, and its normal, held-out and drift
// traces to detect on, as `driftwatch eval` replays them.
struct Replay {
  std::map<std::string, Fingerprint> fingerprints;
  std::vector<Recorded> traces;
  size_t events = 0;
};

const Replay& TheReplay() {
  static const Replay* replay = [] {
    const char* env = std::getenv("DW_TESTDATA_DIR");
    const std::filesystem::path dir = env != nullptr ? env : DW_TESTDATA_DIR;
    std::vector<std::filesystem::path> cases;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (std::filesystem::exists(entry.path() / "train.dwt")) cases.push_back(entry.path());
    }
    std::sort(cases.begin(), cases.end());
    auto* r = new Replay;
    profiler::Profiler profiler;
    for (const auto& c : cases) {
      profiler.BeginSession();
      Recorded train = Load(c / "train.dwt");
      auto pipeline = PipelineFor(*train.source);
      for (const auto& rec : train.records) {
        if (auto e = pipeline->Process(rec)) profiler.Observe(*e);
      }
      for (const char* name : {"normal.dwt", "heldout.dwt", "drift.dwt"}) {
        if (!std::filesystem::exists(c / name)) continue;
        r->traces.push_back(Load(c / name));
        r->events += r->traces.back().records.size();
      }
    }
    for (Fingerprint& fp : profiler.TakeDirty()) {
      std::string workload = fp.workload;
      r->fingerprints.emplace(std::move(workload), std::move(fp));
    }
    if (r->traces.empty()) {
      std::fprintf(stderr, "scorer_benchmark: no traces under %s\n", dir.c_str());
      std::exit(1);
    }
    return r;
  }();
  return *replay;
}

// One iteration is one record: decoded, its workload and process resolved
// (collector::Pipeline), and scored (Detector::Observe). Each trace gets a
// fresh pipeline, as `driftwatch detect --trace A --trace B` does; the
// detector lives across them, so known drift only counts as a repeat.
void BM_ReplayEndToEnd(benchmark::State& state) {
  const Replay& replay = TheReplay();
  Detector detector(replay.fingerprints);
  size_t trace = 0;
  size_t i = 0;
  auto pipeline = PipelineFor(*replay.traces[0].source);
  for (auto _ : state) {
    const Recorded& t = replay.traces[trace];
    if (auto e = pipeline->Process(t.records[i])) benchmark::DoNotOptimize(detector.Observe(*e));
    if (++i == t.records.size()) {
      i = 0;
      if (++trace == replay.traces.size()) trace = 0;
      pipeline = PipelineFor(*replay.traces[trace].source);
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["trace_events"] = static_cast<double>(replay.events);
  state.counters["findings"] = static_cast<double>(detector.findings().size());
}
BENCHMARK(BM_ReplayEndToEnd);

}  // namespace
}  // namespace dw::model
