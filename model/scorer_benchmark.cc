// model/scorer_benchmark.cc: cost of the detection path (items, normalisation,
// lookup, scoring) for a realistic event mix against a fingerprint of a few
// thousand items.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/detector.h"
#include "model/generalize.h"
#include "model/items.h"
#include "model/normalize.h"
#include "model/scorer.h"
#include "model/testing/test_events.h"

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

}  // namespace
}  // namespace dw::model
