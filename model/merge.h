// model/merge.h: one workload's fingerprints from several nodes combined into
// one baseline, so that a merge is associative, commutative and idempotent
// while counts are summed.
//
// Summing counts directly is not idempotent (A merged with A would double
// them), so a merge keeps its parts: a Parts value is the set of per-node
// fingerprints, keyed by node name. Merging parts is a set union in which the
// same node keeps one fingerprint, the greater in a fixed total order
// (PartOrder: more training events, then later last event, then the larger
// encoding as compared by Less below). Union with a per-key maximum is a
// semilattice join, hence associative, commutative and idempotent; and the
// combined view, Combine(), is a function of the set alone, so it inherits
// those properties. Where parts live between merges is the store's business
// (store/store.h: fingerprint_parts).
//
// Combine(parts), folding parts in node order:
//   items (every table, exact and generalized): union of keys;
//     count and processes summed; first_seen min, last_seen max; access OR;
//     nodes summed (a part's item counts as the nodes it says, 1 for a
//     fingerprint trained on one node), so "seen on 2 of 3 nodes" is readable.
//   generalizations: stats as items; examples: union in part order, first
//     occurrence kept, trimmed to kMaxExamples; covered: the maximum (the
//     parts may have replaced the same items, so a sum would overcount).
//     Exact items and patterns are not re-generalized against each other:
//     the scorer checks both, so the union is already the right baseline.
//   rates: buckets summed; mean and m2 by Chan et al.'s parallel combination;
//     max element-wise. Parts whose bucket length differs from the first
//     part that has buckets, or whose vectors are malformed, are left out.
//   training: events, dropped_events and sessions summed; first_event min
//     (of non-zero), last_event max.
//   syscalls: union as items; syscall_arch: the first non-empty one;
//     syscall_watch: the least any part watched (EffectiveSyscallWatch).
//   node: the part's node for one part; otherwise the nodes joined by ",".
//   workload: the first part's; format_version: kFingerprintFormatVersion.
// Combine({fp.node: fp}) == fp for every fingerprint of the current format.
//
// Pure functions on values; thread-compatible.
#ifndef DRIFTWATCH_MODEL_MERGE_H_
#define DRIFTWATCH_MODEL_MERGE_H_

#include <map>
#include <string>

#include "model/fingerprint.h"

namespace dw::model {

// Per-node fingerprints of one workload, by Fingerprint::node.
using Parts = std::map<std::string, Fingerprint>;

// A fingerprint as the single part it is.
Parts PartsOf(const Fingerprint& fp);

// True when `a` orders before `b` in the total order that picks which of two
// fingerprints of the same node a merge keeps (the greater one).
bool PartLess(const Fingerprint& a, const Fingerprint& b);

// The union of `a` and `b`; for a node in both, the PartLess-greater one.
Parts MergeParts(const Parts& a, const Parts& b);

// The combined view of `parts` (see above). An empty Parts gives an empty
// Fingerprint.
Fingerprint Combine(const Parts& parts);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_MERGE_H_
