// model/merge.cc: Parts union and the combined view (model/merge.h).
#include "model/merge.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

namespace dw::model {
namespace {

// ---- A canonical byte string for the last tie-break of PartLess ----
// Injective on fingerprints (strings are length-prefixed), so two different
// fingerprints never compare equal.

void PutU64(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutStr(std::string_view s, std::string* out) {
  PutU64(s.size(), out);
  out->append(s);
}
void PutStats(const ItemStats& st, std::string* out) {
  PutU64(st.count, out);
  PutU64(static_cast<uint64_t>(st.first_seen_ns), out);
  PutU64(static_cast<uint64_t>(st.last_seen_ns), out);
  PutU64(st.processes, out);
  PutU64(st.access, out);
  PutU64(st.nodes, out);
}
void PutNet(const NetItem& n, std::string* out) {
  PutU64(static_cast<uint64_t>(n.direction), out);
  PutU64(n.protocol, out);
  PutStr(n.address, out);
  PutU64(n.port, out);
}
void PutGen(const Generalization& g, std::string* out) {
  PutStr(g.rule, out);
  PutU64(g.examples.size(), out);
  for (const auto& e : g.examples) PutStr(e, out);
  PutU64(g.covered, out);
  PutStats(g.stats, out);
}
void PutDoubles(const std::vector<double>& v, std::string* out) {
  PutU64(v.size(), out);
  for (double d : v) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof(bits));
    PutU64(bits, out);
  }
}
void PutMap(const std::map<std::string, ItemStats>& m, std::string* out) {
  PutU64(m.size(), out);
  for (const auto& [k, st] : m) {
    PutStr(k, out);
    PutStats(st, out);
  }
}

std::string Canonical(const Fingerprint& fp) {
  std::string out;
  PutStr(fp.workload, &out);
  PutU64(fp.format_version, &out);
  PutStr(fp.node, &out);
  PutMap(fp.executables, &out);
  PutMap(fp.files, &out);
  PutU64(fp.network.size(), &out);
  for (const auto& [n, st] : fp.network) {
    PutNet(n, &out);
    PutStats(st, &out);
  }
  PutMap(fp.dns_names, &out);
  PutMap(fp.lineage, &out);
  PutMap(fp.syscalls, &out);
  PutStr(fp.syscall_arch, &out);
  PutU64(static_cast<uint64_t>(fp.syscall_watch), &out);
  PutU64(fp.lineage_by_exe ? 1 : 0, &out);
  PutU64(fp.file_patterns.size(), &out);
  for (const auto& [k, g] : fp.file_patterns) {
    PutStr(k, &out);
    PutGen(g, &out);
  }
  PutU64(fp.net_patterns.size(), &out);
  for (const auto& [n, g] : fp.net_patterns) {
    PutNet(n, &out);
    PutGen(g, &out);
  }
  PutU64(static_cast<uint64_t>(fp.rates.bucket_ns), &out);
  PutU64(fp.rates.buckets, &out);
  PutDoubles(fp.rates.mean, &out);
  PutDoubles(fp.rates.m2, &out);
  PutDoubles(fp.rates.max, &out);
  const TrainingStats& t = fp.training;
  PutU64(t.events, &out);
  PutU64(static_cast<uint64_t>(t.first_event_ns), &out);
  PutU64(static_cast<uint64_t>(t.last_event_ns), &out);
  PutU64(t.dropped_events, &out);
  PutU64(t.sessions, &out);
  return out;
}

// ---- Combining ----

void Add(const ItemStats& from, ItemStats* into) {
  into->count += from.count;
  into->first_seen_ns = std::min(into->first_seen_ns, from.first_seen_ns);
  into->last_seen_ns = std::max(into->last_seen_ns, from.last_seen_ns);
  into->processes += from.processes;
  into->access |= from.access;
  into->nodes += from.nodes;
}

template <typename Key>
void AddItems(const std::map<Key, ItemStats>& from, std::map<Key, ItemStats>* into) {
  for (const auto& [k, st] : from) {
    auto [it, inserted] = into->try_emplace(k, st);
    if (!inserted) Add(st, &it->second);
  }
}

template <typename Key>
void AddPatterns(const std::map<Key, Generalization>& from, std::map<Key, Generalization>* into) {
  for (const auto& [k, g] : from) {
    auto [it, inserted] = into->try_emplace(k, g);
    if (inserted) continue;
    Generalization& acc = it->second;
    Add(g.stats, &acc.stats);
    acc.covered = std::max(acc.covered, g.covered);
    for (const std::string& e : g.examples) {
      if (acc.examples.size() >= Generalization::kMaxExamples) break;
      if (std::find(acc.examples.begin(), acc.examples.end(), e) == acc.examples.end()) {
        acc.examples.push_back(e);
      }
    }
  }
}

bool WellFormed(const RateBaseline& r) {
  return r.mean.size() == kRateDims && r.max.size() == kRateDims &&
         r.m2.size() == kRateDims * kRateDims;
}

// Chan, Golub and LeVeque's pairwise update of mean and co-moment sums.
void AddRates(const RateBaseline& from, RateBaseline* into) {
  if (from.buckets == 0 || !WellFormed(from)) return;
  if (into->buckets == 0 || !WellFormed(*into)) {
    *into = from;
    return;
  }
  if (from.bucket_ns != into->bucket_ns) return;
  const double na = static_cast<double>(into->buckets);
  const double nb = static_cast<double>(from.buckets);
  const double n = na + nb;
  std::vector<double> delta(kRateDims);
  for (size_t i = 0; i < kRateDims; ++i) delta[i] = from.mean[i] - into->mean[i];
  for (size_t i = 0; i < kRateDims; ++i) {
    for (size_t j = 0; j < kRateDims; ++j) {
      into->m2[i * kRateDims + j] += from.m2[i * kRateDims + j] + delta[i] * delta[j] * na * nb / n;
    }
  }
  for (size_t i = 0; i < kRateDims; ++i) {
    into->mean[i] += delta[i] * nb / n;
    into->max[i] = std::max(into->max[i], from.max[i]);
  }
  into->buckets += from.buckets;
}

void AddTraining(const TrainingStats& from, TrainingStats* into) {
  into->events += from.events;
  into->dropped_events += from.dropped_events;
  into->sessions += from.sessions;
  if (from.first_event_ns != 0 && (into->first_event_ns == 0 || from.first_event_ns < into->first_event_ns)) {
    into->first_event_ns = from.first_event_ns;
  }
  into->last_event_ns = std::max(into->last_event_ns, from.last_event_ns);
}

}  // namespace

Parts PartsOf(const Fingerprint& fp) { return Parts{{fp.node, fp}}; }

bool PartLess(const Fingerprint& a, const Fingerprint& b) {
  if (a.training.events != b.training.events) return a.training.events < b.training.events;
  if (a.training.last_event_ns != b.training.last_event_ns) {
    return a.training.last_event_ns < b.training.last_event_ns;
  }
  if (a == b) return false;
  const std::string ca = Canonical(a);
  const std::string cb = Canonical(b);
  if (ca.size() != cb.size()) return ca.size() < cb.size();
  return ca < cb;
}

Parts MergeParts(const Parts& a, const Parts& b) {
  Parts out = a;
  for (const auto& [node, fp] : b) {
    auto [it, inserted] = out.try_emplace(node, fp);
    if (!inserted && PartLess(it->second, fp)) it->second = fp;
  }
  return out;
}

Fingerprint Combine(const Parts& parts) {
  if (parts.empty()) return Fingerprint();
  auto it = parts.begin();
  Fingerprint out = it->second;  // Combine of one part is that part
  out.node = it->first;
  if (parts.size() == 1) return out;
  out.format_version = kFingerprintFormatVersion;
  for (++it; it != parts.end(); ++it) {
    const Fingerprint& fp = it->second;
    out.node += "," + it->first;
    AddItems(fp.executables, &out.executables);
    AddItems(fp.files, &out.files);
    AddItems(fp.network, &out.network);
    AddItems(fp.dns_names, &out.dns_names);
    AddItems(fp.lineage, &out.lineage);
    // What the parts' syscalls can tell together: the least any watched
    // (computed before the union, which could make an empty set non-empty).
    const SyscallWatch watch = std::min(EffectiveSyscallWatch(out), EffectiveSyscallWatch(fp));
    AddItems(fp.syscalls, &out.syscalls);
    out.syscall_watch = watch;
    out.lineage_by_exe = out.lineage_by_exe || fp.lineage_by_exe;
    if (out.syscall_arch.empty()) out.syscall_arch = fp.syscall_arch;
    AddPatterns(fp.file_patterns, &out.file_patterns);
    AddPatterns(fp.net_patterns, &out.net_patterns);
    AddRates(fp.rates, &out.rates);
    AddTraining(fp.training, &out.training);
  }
  return out;
}

}  // namespace dw::model
