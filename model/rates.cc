// model/rates.cc: bucketing of events into behaviour rates, Welford training
// and one-sided Mahalanobis scoring (Eigen stays in this file).
#include "model/rates.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

#include "model/scorer.h"

namespace dw::model {
namespace {

constexpr size_t kDims = kRateDims;
using Vector = Eigen::Matrix<double, kDims, 1>;
using Matrix = Eigen::Matrix<double, kDims, kDims>;

// Distinct paths and peers are kept as 64-bit hashes: a burst of a million
// distinct files must not hold a million strings, and a collision only
// under-counts by one.
uint64_t Fnv1a(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t PeerHash(const Endpoint& ep) {
  uint64_t h = Fnv1a(&ep.family, sizeof(ep.family));
  h = Fnv1a(ep.addr.data(), ep.addr.size(), h);
  return Fnv1a(&ep.port, sizeof(ep.port), h);
}

bool WellFormed(const RateBaseline& b) {
  return b.mean.size() == kDims && b.m2.size() == kDims * kDims && b.max.size() == kDims;
}

// Writes, forks and fan-out to distinct peers are what ransomware, fork bombs
// and scans look like; the other rates also swing with ordinary load.
double Sensitivity(size_t dim) {
  return dim == kRateWrites || dim == kRateWrittenPaths || dim == kRateForks || dim == kRatePeers
             ? 1.0
             : 0.8;
}

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

}  // namespace

const char* RateDimName(size_t dim) {
  static constexpr const char* kNames[kDims] = {
      "execs", "forks", "opens", "writes", "distinct paths", "connects", "distinct peers",
      "distinct written paths"};
  return dim < kDims ? kNames[dim] : "unknown";
}

std::array<double, kRateDims> RateFeatures(const RateSample& sample) {
  std::array<double, kRateDims> x{};
  for (size_t i = 0; i < kDims; ++i) x[i] = std::log1p(static_cast<double>(sample.counts[i]));
  return x;
}

RateBucketer::RateBucketer(RateOptions options) : options_(std::move(options)) {}

int64_t RateBucketer::BucketStart(int64_t time_ns) const {
  int64_t q = time_ns / options_.bucket_ns;
  if (time_ns % options_.bucket_ns < 0) --q;  // floor, not truncation
  return q * options_.bucket_ns;
}

size_t DistinctHashes::Home(uint64_t h, size_t mask) {
  // Fibonacci hashing: the high bits of the product, so hashes that differ
  // only in their high bits still spread.
  return ((h * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

bool DistinctHashes::Insert(uint64_t h) {
  if (h == 0) {
    if (has_zero_) return false;
    has_zero_ = true;
    ++size_;
    return true;
  }
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  size_t mask = slots_.size() - 1;
  size_t i = Home(h, mask);
  while (slots_[i] != 0) {
    if (slots_[i] == h) return false;
    i = (i + 1) & mask;
  }
  slots_[i] = h;
  ++size_;
  return true;
}

void DistinctHashes::Grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
  size_t mask = slots_.size() - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = Home(h, mask);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

void DistinctHashes::Clear() {
  if (slots_.size() > 1024 && size_ * 8 < slots_.size()) {
    std::vector<uint64_t>().swap(slots_);  // a past burst's table: give it back
  } else if (size_ > 0) {
    std::fill(slots_.begin(), slots_.end(), 0);
  }
  size_ = 0;
  has_zero_ = false;
}

void RateBucketer::Bucket::Reset() {
  start_ns = 0;
  events = 0;
  empty_run = 0;
  cgroup_path.clear();
  counts = {};
  from_suspects = {};
  paths.Clear();
  written.Clear();
  peers.Clear();
  by_pid.clear();
}

std::vector<RateSample> RateBucketer::Observe(const Event& e, bool suspect) {
  std::vector<RateSample> out;
  int64_t start = BucketStart(e.time_ns);
  if (!started_) {
    started_ = true;
    first_time_ns_ = e.time_ns;
    clock_ns_ = start;
  } else if (start > clock_ns_) {
    clock_ns_ = start;
    last_.b = nullptr;  // its bucket may be erased below
    for (auto it = open_.begin(); it != open_.end();) {
      it = Advance(it->first, &it->second, start, &out) ? std::next(it) : open_.erase(it);
    }
    std::stable_sort(out.begin(), out.end(), [](const RateSample& a, const RateSample& b) {
      return a.start_ns < b.start_ns;
    });
  }
  if (e.workload.empty()) return out;

  // Events come in runs of one workload: its bucket is kept at hand.
  if (last_.b == nullptr || last_workload_ != e.workload) {
    auto [it, inserted] = open_.try_emplace(e.workload);
    if (inserted) it->second.start_ns = clock_ns_;
    last_.b = &it->second;
    last_workload_ = e.workload;
  }
  Bucket& b = *last_.b;
  ++b.events;
  b.cgroup_path = e.cgroup_path;
  Tally& tally = b.by_pid[e.pid];
  if (tally.process.pid == 0) {
    // The first context seen in the bucket; copying one per event would cost
    // more than the bucketing itself.
    tally.process = e.process;
    tally.process.pid = e.pid;
  }
  auto bump = [&](RateDim dim) {
    ++b.counts[dim];
    ++tally.counts[dim];
    if (suspect) ++b.from_suspects[dim];
  };
  switch (e.kind) {
    case EventKind::kExec:
      bump(kRateExecs);
      break;
    case EventKind::kFork:
      bump(kRateForks);
      break;
    case EventKind::kOpen:
      bump(kRateOpens);
      {
        // libstdc++'s string hash takes 8 bytes a step, FNV-1a one.
        uint64_t h = std::hash<std::string_view>{}(e.path);
        if (b.paths.Insert(h)) bump(kRatePaths);
        if (e.access & (kAccessWrite | kAccessCreate)) {
          bump(kRateWrites);
          if (b.written.Insert(h)) bump(kRateWrittenPaths);
        }
      }
      break;
    case EventKind::kConnect:
      bump(kRateConnects);
      if (b.peers.Insert(PeerHash(e.peer))) bump(kRatePeers);
      break;
    case EventKind::kAccept:
      bump(kRateConnects);  // clients are the port's audience: not distinct peers
      break;
    case EventKind::kExit:
    case EventKind::kListen:
    case EventKind::kDns:
    case EventKind::kSyscall:
      break;
  }
  return out;
}

void RateBucketer::AddUndelivered(const std::string& workload, EventKind kind, uint64_t n) {
  auto it = open_.find(workload);
  if (it == open_.end() || n == 0) return;
  RateDim dim;
  switch (kind) {
    case EventKind::kExec:
      dim = kRateExecs;
      break;
    case EventKind::kFork:
      dim = kRateForks;
      break;
    case EventKind::kOpen:
      dim = kRateOpens;
      break;
    case EventKind::kConnect:
    case EventKind::kAccept:
      dim = kRateConnects;
      break;
    default:
      return;
  }
  it->second.counts[dim] += n;
  it->second.events += n;
}

std::vector<RateSample> RateBucketer::Flush() {
  std::vector<RateSample> out;
  for (const auto& [workload, b] : open_) {
    if (b.events > 0) out.push_back(Close(workload, b, /*partial=*/true));
  }
  open_.clear();
  last_.b = nullptr;
  started_ = false;
  return out;
}

bool RateBucketer::Advance(const std::string& workload, Bucket* b, int64_t start_ns,
                           std::vector<RateSample>* out) const {
  while (b->start_ns < start_ns) {
    uint32_t empty_run = 0;
    if (b->events > 0) {
      out->push_back(Close(workload, *b, /*partial=*/b->start_ns < first_time_ns_));
    } else if (b->empty_run < options_.max_empty_buckets) {
      out->push_back(Close(workload, *b, /*partial=*/false));
      empty_run = b->empty_run + 1;
    } else {
      return false;
    }
    int64_t next = b->start_ns + options_.bucket_ns;
    b->Reset();
    b->start_ns = next;
    b->empty_run = empty_run;
  }
  return true;
}

RateSample RateBucketer::Close(const std::string& workload, const Bucket& b, bool partial) const {
  RateSample s;
  s.workload = workload;
  s.cgroup_path = b.cgroup_path;
  s.start_ns = b.start_ns;
  s.bucket_ns = options_.bucket_ns;
  s.partial = partial;
  s.counts = b.counts;
  s.from_suspects = b.from_suspects;
  for (size_t d = 0; d < kDims; ++d) {
    const Tally* top = nullptr;
    for (const auto& [pid, tally] : b.by_pid) {
      if (tally.counts[d] == 0) continue;
      if (top == nullptr || tally.counts[d] > top->counts[d] ||
          (tally.counts[d] == top->counts[d] && pid < top->process.pid)) {
        top = &tally;
      }
    }
    if (top != nullptr) s.processes[d] = top->process;
  }
  return s;
}

bool Learn(RateBaseline* baseline, const RateSample& sample) {
  if (sample.partial || sample.bucket_ns <= 0) return false;
  bool empty = baseline->buckets == 0 || !WellFormed(*baseline);
  if (!empty && baseline->bucket_ns != sample.bucket_ns) return false;
  if (empty) {
    baseline->bucket_ns = sample.bucket_ns;
    baseline->buckets = 0;
    baseline->mean.assign(kDims, 0);
    baseline->m2.assign(kDims * kDims, 0);
    baseline->max.assign(kDims, 0);
  }
  std::array<double, kRateDims> x = RateFeatures(sample);
  double n = static_cast<double>(++baseline->buckets);
  std::array<double, kRateDims> delta{};
  for (size_t i = 0; i < kDims; ++i) {
    delta[i] = x[i] - baseline->mean[i];
    baseline->mean[i] += delta[i] / n;
    baseline->max[i] = baseline->buckets == 1 ? x[i] : std::max(baseline->max[i], x[i]);
  }
  // (x - old mean)(x - new mean)^T, written as delta delta^T (n-1)/n so that
  // m2 stays exactly symmetric.
  double f = (n - 1) / n;
  for (size_t i = 0; i < kDims; ++i) {
    for (size_t j = 0; j < kDims; ++j) baseline->m2[i * kDims + j] += delta[i] * delta[j] * f;
  }
  return true;
}

std::optional<RateScore> Score(const RateBaseline& baseline, const RateSample& sample,
                               const RateOptions& options) {
  if (!WellFormed(baseline) || baseline.buckets < std::max<uint64_t>(options.min_buckets, 2) ||
      baseline.bucket_ns != sample.bucket_ns) {
    return std::nullopt;
  }
  std::array<double, kRateDims> features = RateFeatures(sample);
  Vector x = Eigen::Map<const Vector>(features.data());
  Vector mean = Eigen::Map<const Vector>(baseline.mean.data());
  using RowMajor = Eigen::Matrix<double, kDims, kDims, Eigen::RowMajor>;
  Matrix cov =
      Eigen::Map<const RowMajor>(baseline.m2.data()) / static_cast<double>(baseline.buckets - 1);
  cov.diagonal().array() += options.variance_floor;
  Eigen::LLT<Matrix> llt(cov);
  if (llt.info() != Eigen::Success) return std::nullopt;  // variance_floor <= 0, or damaged m2

  // Only increases are drift: features below their mean are taken at the mean.
  Vector up = (x - mean).cwiseMax(0.0);
  RateScore score;
  score.distance = std::sqrt(std::max(0.0, up.dot(llt.solve(up))));

  double log_factor = std::log(options.max_factor);
  std::optional<size_t> best_passing;
  size_t best = 0;
  Vector z = (x - mean).cwiseQuotient(cov.diagonal().cwiseSqrt());
  for (size_t i = 0; i < kDims; ++i) {
    if (z[i] > z[best]) best = i;
    bool passes = options.may_drift[i] && sample.counts[i] >= options.min_burst &&
                  x[i] >= baseline.max[i] + log_factor;
    // Gate 3 (forks that keep pace with connections), unless the burst is
    // mostly a suspect's: an intruder's forks are never the audience's.
    if (passes && options.per_connection[i] && 2 * sample.from_suspects[i] < sample.counts[i]) {
      const double ratio = x[i] - x[kRateConnects];
      const double ratio_mean = mean[i] - mean[kRateConnects];
      const double ratio_var =
          std::max(0.0, cov(i, i) + cov(kRateConnects, kRateConnects) - 2 * cov(i, kRateConnects));
      passes = ratio > ratio_mean + options.per_connection_sigmas * std::sqrt(ratio_var);
    }
    if (passes && (!best_passing || z[i] > z[*best_passing])) best_passing = i;
  }
  score.top_dim = best_passing.value_or(best);
  score.top_z = z[score.top_dim];
  score.drift = best_passing.has_value() && score.distance >= options.distance_threshold;
  return score;
}

Finding RateFinding(const RateSample& sample, const RateScore& score, const RateBaseline& baseline,
                    const RateOptions& options) {
  size_t dim = std::min(score.top_dim, kDims - 1);
  std::string name = RateDimName(dim);
  std::string count = std::to_string(sample.counts[dim]);
  std::string max = WellFormed(baseline)
                        ? std::to_string(std::llround(std::expm1(baseline.max[dim])))
                        : "unknown";
  std::string seconds = Format("%g", static_cast<double>(sample.bucket_ns) / 1e9);

  Finding f;
  f.time_ns = sample.start_ns;
  f.workload = sample.workload;
  f.cgroup_path = sample.cgroup_path;
  f.kind = FindingKind::kRate;
  f.subject = name + " " + count + "/" + seconds + "s (training max " + max + ")";
  f.reason = "burst of " + name + ": " + count + " in " + seconds + " s, training max " + max +
             ", Mahalanobis " + Format("%.1f", score.distance);
  double raw = Sensitivity(dim) * (1 - std::exp(-score.distance / options.score_scale));
  raw = std::round(raw * 1000) / 1000;
  if (sample.counts[dim] > 0 && 2 * sample.from_suspects[dim] >= sample.counts[dim]) {
    f.score = RaiseOneLevel(raw);
    f.reason += " (mostly from suspect processes: a new program's tree, or a process with findings of its own)";
  } else {
    f.score = std::min(raw, kLoadBurstScore);
    f.subject = std::string(kLoadBurstPrefix) + f.subject;
    f.reason += " (the workload's own programs: load, not new behaviour)";
  }
  f.severity = SeverityOf(f.score);
  f.process = sample.processes[dim];
  return f;
}

std::string RateFindingName(std::string_view subject) {
  if (subject.starts_with(kLoadBurstPrefix)) return "load";
  // The name ends at the space before the count: "distinct written paths 309/10s".
  size_t slash = subject.find('/');
  size_t space = subject.rfind(' ', slash);
  return std::string(subject.substr(0, space == std::string_view::npos ? subject.size() : space));
}

}  // namespace dw::model
