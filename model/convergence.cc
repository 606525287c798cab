// model/convergence.cc: learning state from a fingerprint's own item statistics.
#include "model/convergence.h"

#include <algorithm>
#include <cstdio>

namespace dw::model {
namespace {

std::string Duration(int64_t ns) {
  int64_t s = ns / 1'000'000'000;
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(s));
  }
  return buf;
}

void Count(const ItemStats& s, int64_t recent_from, TypeStatus* t) {
  ++t->items;
  t->observations += s.count;
  if (s.count == 1) ++t->singletons;
  t->last_new_ns = std::max(t->last_new_ns, s.first_seen_ns);
  if (s.first_seen_ns >= recent_from) ++t->new_recent;
}

template <typename Map>
void CountAll(const Map& m, int64_t recent_from, TypeStatus* t) {
  for (const auto& [key, stats] : m) Count(stats, recent_from, t);
}

template <typename Map>
void CountPatterns(const Map& m, int64_t recent_from, TypeStatus* t) {
  for (const auto& [key, g] : m) Count(g.stats, recent_from, t);
}

}  // namespace

LearningStatus Assess(const Fingerprint& fp, const ConvergenceOptions& options) {
  LearningStatus st;
  const TrainingStats& tr = fp.training;
  st.dropped = tr.dropped_events;
  st.incomplete = tr.dropped_events > 0;
  st.duration_ns = tr.last_event_ns - tr.first_event_ns;
  const int64_t recent_from = tr.last_event_ns - options.quiet_ns;

  TypeStatus exe{"executables"}, lineage{"lineage"}, files{"files"}, net{"network"}, dns{"dns"},
      syscalls{"syscalls"};
  CountAll(fp.executables, recent_from, &exe);
  CountAll(fp.lineage, recent_from, &lineage);
  CountAll(fp.files, recent_from, &files);
  CountPatterns(fp.file_patterns, recent_from, &files);
  CountAll(fp.network, recent_from, &net);
  CountPatterns(fp.net_patterns, recent_from, &net);
  CountAll(fp.dns_names, recent_from, &dns);
  CountAll(fp.syscalls, recent_from, &syscalls);
  st.types = {exe, lineage, files, net, dns, syscalls};

  uint64_t n = 0, n1 = 0;
  int64_t last_new = 0;
  size_t recent = 0;
  for (TypeStatus& t : st.types) {
    if (t.observations > 0) {
      t.coverage = 1.0 - static_cast<double>(t.singletons) / static_cast<double>(t.observations);
    }
    if (t.type != "syscalls") {  // first uses, not uses: see convergence.h
      n += t.observations;
      n1 += t.singletons;
    }
    last_new = std::max(last_new, t.last_new_ns);
    recent += t.new_recent;
  }
  st.coverage = n > 0 ? 1.0 - static_cast<double>(n1) / static_cast<double>(n) : 1.0;
  st.quiet_for_ns = last_new > 0 ? tr.last_event_ns - last_new : st.duration_ns;
  st.stable = tr.events > 0 && st.duration_ns >= options.min_duration_ns && recent == 0;
  return st;
}

std::string LearningStatus::State() const {
  std::string s = stable ? "stable" : "learning";
  if (incomplete) s += ", incomplete";
  return s;
}

std::string LearningStatus::Describe(const ConvergenceOptions& options) const {
  char cov[32];
  std::snprintf(cov, sizeof(cov), "coverage %.1f%%", coverage * 100.0);
  std::string out = State() + ": ";
  if (stable) {
    out += "no new item for " + Duration(quiet_for_ns) + " after " + Duration(duration_ns) +
           " of training";
  } else {
    size_t recent = 0;
    for (const TypeStatus& t : types) recent += t.new_recent;
    if (recent > 0) {
      out += std::to_string(recent) + " new items in the last " + Duration(options.quiet_ns);
    } else {
      out += "no new item for " + Duration(quiet_for_ns);
    }
    if (duration_ns < options.min_duration_ns) {
      out += "; " + Duration(duration_ns) + " of " + Duration(options.min_duration_ns) + " minimum";
    }
  }
  out += "; ";
  out += cov;
  if (incomplete) out += "; " + std::to_string(dropped) + " events dropped while training";
  return out;
}

}  // namespace dw::model
