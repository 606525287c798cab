// store/testing/sample_fingerprint.h: fingerprints with every kind of item,
// for store and codec tests.
#ifndef DRIFTWATCH_STORE_TESTING_SAMPLE_FINGERPRINT_H_
#define DRIFTWATCH_STORE_TESTING_SAMPLE_FINGERPRINT_H_

#include <cstdint>
#include <string>

#include "model/fingerprint.h"

namespace dw::store::testing {

// A fingerprint of `workload` whose values all depend on `seed`, so two seeds
// give different fingerprints.
inline model::Fingerprint SampleFingerprint(const std::string& workload, int seed) {
  using model::Direction;
  const int64_t t0 = 1'700'000'000'000'000'000 + int64_t{seed} * 1'000'000'000;
  auto stats = [&](uint64_t count, uint8_t access) {
    return model::ItemStats{count, t0 + 1, t0 + 500 + seed, static_cast<uint32_t>(seed + 1),
                            access, static_cast<uint32_t>(1 + seed % 3)};
  };
  model::Fingerprint fp;
  fp.workload = workload;
  fp.node = "node-" + std::to_string(seed);
  fp.syscall_arch = "x86_64";
  fp.syscalls["openat"] = stats(50, 0);
  fp.syscalls["read"] = stats(900 + seed, 0);
  fp.executables["/usr/bin/" + workload] = stats(10 + seed, 0);
  fp.executables["/bin/sh"] = stats(2, 0);
  fp.files["/etc/" + workload + ".conf"] = stats(3, kAccessRead);
  fp.files["/var/log/" + workload + "/*.log"] = stats(7, kAccessWrite | kAccessCreate);
  fp.files["/tmp/\xc3\xa9t\xc3\xa9 " + std::to_string(seed)] = stats(1, kAccessRead);
  fp.network[{Direction::kOutbound, 6, "10.0.0.7", 5432}] = stats(40, 0);
  fp.network[{Direction::kInbound, 6, "::1", 8080}] = stats(5, 0);
  fp.network[{Direction::kListen, 6, "0.0.0.0", static_cast<uint16_t>(8000 + seed)}] = stats(1, 0);
  fp.network[{Direction::kDns, 17, "127.0.0.53", 53}] = stats(9, 0);
  fp.dns_names["db.internal"] = stats(9, 0);
  fp.lineage["/usr/bin/" + workload + " -> /bin/sh"] = stats(2, 0);
  fp.file_patterns["/var/cache/" + workload + "/*"] = {
      "8 distinct children under /var/cache/" + workload, {"/var/cache/a", "/var/cache/b"},
      static_cast<uint32_t>(8 + seed), stats(20, kAccessRead)};
  fp.net_patterns[{Direction::kOutbound, 6, "10.0.3.0/24", 443}] = {
      "4 peers in 10.0.3.0/24", {"10.0.3.1", "10.0.3.9"}, 4, stats(12, 0)};
  fp.rates.buckets = static_cast<uint64_t>(30 + seed);
  fp.rates.mean.assign(model::kRateDims, 0.5 * seed);
  fp.rates.m2.assign(model::kRateDims * model::kRateDims, 0.25);
  fp.rates.max.assign(model::kRateDims, 2.0 + seed);
  fp.training = {static_cast<uint64_t>(100 + seed), t0, t0 + 900, static_cast<uint64_t>(seed),
                 static_cast<uint32_t>(seed)};
  return fp;
}

}  // namespace dw::store::testing

#endif  // DRIFTWATCH_STORE_TESTING_SAMPLE_FINGERPRINT_H_
