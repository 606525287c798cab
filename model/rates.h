// model/rates.h: behaviour rates per time bucket (execs, forks, opens, writes,
// distinct paths, connects, distinct peers), learned as a mean and covariance
// per workload, and bursts outside training reported as findings of kind rate.
//
// Data flow: RateBucketer turns the event stream into one RateSample per
// workload and bucket; in training, Learn() folds samples into the workload's
// RateBaseline (model/fingerprint.h); in detection, Score() compares a sample
// with it and RateFinding() words the result.
//
// Features are log1p(count) of the raw counts: rates are heavy-tailed (a
// service doing 50 opens per bucket and one doing 5000 should both tolerate a
// doubling), and in log space a fixed variance floor and a fixed margin mean
// the same ratio at every scale.
#ifndef DRIFTWATCH_MODEL_RATES_H_
#define DRIFTWATCH_MODEL_RATES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"

namespace dw::model {

// Indices into RateSample::counts and RateBaseline's vectors (kRateDims of them).
enum RateDim : size_t {
  kRateExecs = 0,     // kExec events
  kRateForks = 1,     // kFork events (counted for the parent)
  kRateOpens = 2,     // kOpen events, failed ones included
  kRateWrites = 3,    // kOpen events with kAccessWrite or kAccessCreate
  kRatePaths = 4,     // distinct paths of kOpen events
  kRateConnects = 5,  // kConnect and kAccept events
  kRatePeers = 6,     // distinct connect peers (address:port). Accepted clients do not count:
                      // the clients of a listening port are its audience, and how many
                      // of them come is load (scorer.h); a fan-out to new hosts is not
  kRateWrittenPaths = 7,  // distinct paths of kOpen events with kAccessWrite or kAccessCreate:
                          // a database writes its few files over and over, ransomware
                          // or a mass upload writes hundreds once each
};
// "execs", "forks", "opens", "writes", "distinct paths", "connects",
// "distinct peers", "distinct written paths"; "unknown" for dim >= kRateDims.
const char* RateDimName(size_t dim);

// Thresholds of bucketing and detection. The defaults assume 10 s buckets.
struct RateOptions {
  // Bucket length (> 0); buckets are aligned to multiples of it in event time.
  int64_t bucket_ns = 10'000'000'000;
  // After a workload's last event, this many empty buckets are still reported
  // as all-zero samples (5 minutes at 10 s); then the workload is forgotten
  // until its next event. Idleness is behaviour, but hours of it would swamp a
  // baseline with zeros.
  uint32_t max_empty_buckets = 30;

  // Training buckets a baseline needs before Score() judges anything: fewer do
  // not estimate a 7x7 covariance nor a training peak (5 minutes at 10 s).
  uint64_t min_buckets = 30;
  // Ridge added to the covariance's diagonal, in log1p units squared (cov +
  // lambda*I). 0.1 is a standard deviation of 0.32, a factor of about 1.37 in
  // counts: a feature that never varied in training (a workload that never
  // wrote) is judged as if it varied by that much, so 500 writes lie far out
  // (log1p(500) / 0.32 = 19.7) while 1-2 writes do not (3.5 for 2). It also
  // keeps the matrix well conditioned when features move together (opens and
  // paths; connects and peers). A larger floor (0.25) made a fan-out of 100
  // new peers over a training peak of 17 miss the threshold.
  double variance_floor = 0.1;
  // One-sided Mahalanobis distance that a bucket must reach. Under a Gaussian
  // model P(chi2 with 7 dof > 36) is about 1e-5 per bucket; the two gates below
  // do the rest for non-Gaussian data.
  double distance_threshold = 6.0;
  // Gate 1: the finding's dimension must be at least this factor above the
  // training peak: 1 + count >= max_factor * (1 + training max). Within twice
  // the peak is ordinary load swing; a burst is outside everything seen.
  double max_factor = 2.0;
  // Gate 2: and at least this many events (or distinct items) in the bucket,
  // so that a workload that never forked does not alarm on a handful of forks.
  uint64_t min_burst = 20;
  // Dimensions that may be the reason for a finding. Opens and connects grow
  // with traffic (twice the clients, twice the connects), so they count in the
  // distance but a finding needs a burst of forks, execs, writes, distinct
  // paths or distinct peers: new work, new files, new hosts.
  std::array<bool, kRateDims> may_drift = {true, true, false, true, true, false, true, true};
  // Gate 3, for the dimensions marked here (forks): the burst must also
  // outgrow the connections of its bucket. A server that forks per client
  // (PostgreSQL, Apache prefork, an MTA's smtpd, inetd) forks as often as
  // clients connect: five times the clients is five times the forks, its
  // audience, not new work. In log space the ratio is a difference,
  // log1p(forks) - log1p(connects), whose training mean and variance follow
  // from the baseline's mean and covariance (no other state); the bucket's
  // ratio must lie more than per_connection_sigmas standard deviations above
  // that mean. A fork bomb or a loop of spawns without clients has a ratio
  // far above anything seen; forks that keep pace with connections do not.
  // Not for a burst mostly from suspect processes (RateFinding), which is
  // judged by gates 1 and 2 alone.
  std::array<bool, kRateDims> per_connection = {false, true, false, false, false, false, false, false};
  double per_connection_sigmas = 3.0;
  // Finding score = sensitivity x (1 - exp(-distance / score_scale)): a
  // sensitive burst at the threshold scores 0.63 (medium), at 8.4 0.75 (high),
  // at 14 0.9 (critical).
  double score_scale = 6.0;
};

// One workload's activity in one bucket.
struct RateSample {
  std::string workload;
  std::string cgroup_path;  // of the bucket's latest event; "" for an empty bucket
  int64_t start_ns = 0;     // wall clock, a multiple of bucket_ns
  int64_t bucket_ns = 0;
  // Only part of the bucket was observed: the stream began after its start, or
  // Flush() cut it. Counts are as observed, never scaled up: a partial bucket
  // can only under-count, and as only increases are drift it cannot raise a
  // false alarm, while a burst in the last seconds of a trace still shows.
  bool partial = false;
  std::array<uint64_t, kRateDims> counts{};  // raw counts, indexed by RateDim
  // Per dimension, the process that contributed most (a distinct path or peer
  // counts for the process that first used it in the bucket; ties go to the
  // lowest pid); empty where the count is 0.
  std::array<ProcessContext, kRateDims> processes;
  // Per dimension, how much of the count came from suspect processes
  // (Observe's `suspect`; a distinct path or peer counts for the process that
  // first used it in the bucket).
  std::array<uint64_t, kRateDims> from_suspects{};
  bool operator==(const RateSample&) const = default;
};

// log1p of each count: the features Learn() and Score() work on.
std::array<double, kRateDims> RateFeatures(const RateSample& sample);

// A set of 64-bit hashes, for counting a bucket's distinct items: open
// addressing in one array (linear probing), so an insert allocates nothing
// once the table has grown to the bucket's size, and Clear keeps the table for
// the next bucket (it gives it back when it is far larger than what the last
// bucket held, so memory follows the workload down as well as up).
class DistinctHashes {
 public:
  // True when `h` was not in the set yet.
  bool Insert(uint64_t h);
  size_t size() const { return size_; }
  void Clear();

 private:
  void Grow();
  // Where probing for `h` starts in a table of `mask` + 1 slots.
  static size_t Home(uint64_t h, size_t mask);
  std::vector<uint64_t> slots_;  // 0: empty (a hash of 0 is kept in has_zero_)
  size_t size_ = 0;
  bool has_zero_ = false;
};

// Cuts a stream of events into per-workload buckets.
//
// The stream's clock is the latest bucket any event fell into: when an event
// of a later bucket arrives, every workload's open bucket before it completes
// and is returned, followed by all-zero samples for the buckets the workload
// was idle in (at most max_empty_buckets since its last event). A workload's
// first bucket is the one its first event falls into; nothing is reported for
// it before that. Events that arrive late (their bucket already completed, as
// happens across per-CPU ring buffers) count in the workload's open bucket.
// Events with an empty workload advance the clock but are not counted.
//
// Precondition: options.bucket_ns > 0. Not thread-safe.
class RateBucketer {
 public:
  explicit RateBucketer(RateOptions options = RateOptions());

  // Counts `e`; returns the buckets that completed, ordered by (start, workload).
  // `suspect`: e's process belongs to a tree a new program started, or has
  // findings of its own of medium or more, or started a new program
  // (model/detector.h); counted apart in RateSample::from_suspects.
  std::vector<RateSample> Observe(const Event& e, bool suspect = false);
  // Counts `n` events of `kind` that did not reach user space (the kernel
  // verdict cache answered them: collector/verdict_cache.h) in `workload`'s
  // open bucket: kOpen in opens (they are reads: never writes), kConnect and
  // kAccept in connects, kExec and kFork in theirs. The distinct dimensions
  // (paths, peers, written paths) count delivered events only: a cached
  // event is a known item, so only known items can be under-counted there,
  // never new ones. Never suspects' (from_suspects): the kernel does not know
  // the process tree. No-op for a workload with no open bucket.
  void AddUndelivered(const std::string& workload, EventKind kind, uint64_t n);
  // Ends the stream: returns each workload's open bucket that holds at least
  // one event, marked partial and unscaled, ordered by workload; then resets.
  std::vector<RateSample> Flush();

 private:
  struct Tally {
    std::array<uint64_t, kRateDims> counts{};
    ProcessContext process;
  };
  struct Bucket {
    int64_t start_ns = 0;
    uint64_t events = 0;
    uint32_t empty_run = 0;  // empty buckets reported since the last event
    std::string cgroup_path;
    std::array<uint64_t, kRateDims> counts{};
    std::array<uint64_t, kRateDims> from_suspects{};
    DistinctHashes paths;    // hashes of distinct paths
    DistinctHashes written;  // hashes of distinct paths written or created
    DistinctHashes peers;    // hashes of distinct peers
    std::unordered_map<uint32_t, Tally> by_pid;
    // Empties the bucket for the next one; the distinct sets keep their tables.
    void Reset();
  };

  // Closes `b`'s buckets before `start_ns`; false when the workload has been
  // idle for max_empty_buckets and should be forgotten.
  bool Advance(const std::string& workload, Bucket* b, int64_t start_ns,
               std::vector<RateSample>* out) const;
  RateSample Close(const std::string& workload, const Bucket& b, bool partial) const;
  int64_t BucketStart(int64_t time_ns) const;

  RateOptions options_;
  bool started_ = false;
  int64_t first_time_ns_ = 0;  // the stream's first event
  int64_t clock_ns_ = 0;       // start of the latest bucket seen
  std::map<std::string, Bucket> open_;
  // open_[last_workload_], the last event's bucket, or nullptr. A copy starts
  // without it (its map's nodes are others); a move keeps it (they move too).
  struct LastBucket {
    Bucket* b = nullptr;
    LastBucket() = default;
    LastBucket(const LastBucket&) {}
    LastBucket(LastBucket&& o) noexcept : b(std::exchange(o.b, nullptr)) {}
    LastBucket& operator=(const LastBucket&) {
      b = nullptr;
      return *this;
    }
    LastBucket& operator=(LastBucket&& o) noexcept {
      b = std::exchange(o.b, nullptr);
      return *this;
    }
  };
  LastBucket last_;
  std::string last_workload_;
};

// Folds a complete sample into `baseline` (Welford's update of the mean and
// co-moments; element-wise max). Returns false and leaves `baseline` alone for
// a partial sample or one whose bucket length differs from the baseline's
// (an empty baseline takes the sample's). A baseline whose vectors are not of
// kRateDims (kRateDims^2 for m2) sizes is treated as empty.
bool Learn(RateBaseline* baseline, const RateSample& sample);

struct RateScore {
  // One-sided Mahalanobis distance of the features from the training mean,
  // under cov + variance_floor * I: features below their mean count as at the
  // mean, so a quiet bucket is at distance 0.
  double distance = 0;
  // The dimension the finding is about: among those passing both gates, the
  // one with the highest top_z; if none passes, the highest top_z overall.
  size_t top_dim = 0;
  // (feature - mean) / sqrt(variance + variance_floor) in top_dim.
  double top_z = 0;
  // distance >= distance_threshold and top_dim passes both gates: the bucket
  // is outside everything seen in training, in the direction of more activity.
  bool drift = false;
  bool operator==(const RateScore&) const = default;
};

// Scores `sample` against `baseline`. nullopt when the baseline cannot judge:
// fewer than max(min_buckets, 2) training buckets, malformed vectors, or a
// different bucket length from the sample's. Thread-safe (pure).
std::optional<RateScore> Score(const RateBaseline& baseline, const RateSample& sample,
                               const RateOptions& options = RateOptions());

// The finding for a drifting score (score.drift). time_ns is the bucket's
// start; subject "writes 480/10s (training max 12)"; reason "burst of writes:
// 480 in 10 s, training max 12, Mahalanobis 23.4"; process: the heaviest
// contributor to top_dim. Raw score (3 decimals) = sensitivity x (1 -
// exp(-distance / score_scale)), sensitivity 1.0 for writes, forks and distinct
// peers (ransomware, fork bombs, scans), 0.8 for the rest. Then, by who made
// the burst (RateSample::from_suspects in top_dim):
//   - at least half of it came from suspect processes (a new program's tree,
//     or a known program that already raised a finding of medium or more or
//     started a new program: an intruder's shell where the workload runs
//     shells): raised to the next severity's floor (RaiseOneLevel,
//     model/scorer.h), as every other finding of such a tree; the reason
//     says "mostly from suspect processes";
//   - otherwise the workload's own programs made it: more of what they always
//     do is load (a new database's files, a bigger batch, a busy hour), not
//     new behaviour, and what they do that is new raises item findings of its
//     own. Score capped at kLoadBurstScore (low: recorded, never an alert);
//     subject prefixed "load burst: ", so that all load bursts of a workload
//     fold into one finding (RateFindingName).
// Severity by SeverityOf (model/scorer.h).
Finding RateFinding(const RateSample& sample, const RateScore& score, const RateBaseline& baseline,
                    const RateOptions& options = RateOptions());

// The highest score of a burst the workload's own programs made.
inline constexpr double kLoadBurstScore = 0.3;
inline constexpr std::string_view kLoadBurstPrefix = "load burst: ";

// What identifies a rate finding in a run (model/detector.h folds repeats by
// it): "load" for every load burst, else the dimension's name ("writes" of
// "writes 480/10s (training max 12)").
std::string RateFindingName(std::string_view subject);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_RATES_H_
