// store/fingerprint_codec.h: the byte encoding of a model::Fingerprint, as kept
// in the `fingerprints.blob` column of the store (store/store.h).
//
// Format, written with cereal's PortableBinary archive (little-endian on disk):
//   blob     := u8 endian (1 = little, cereal's), u32 format_version, body
//   body     := str workload, [v3: str node, str syscall_arch], [v4: u8 syscall_watch],
//               [v5: u8 lineage_by_exe (0 or 1; before v6 read as 1)], smap executables, smap files, nmap network,
//               smap dns_names, [v2: smap lineage, [v3: smap syscalls], gmap file_patterns,
//               ngmap net_patterns, rates], training
//   gen      := str rule, u32 n (<= 8), str example*n, u32 covered, stats
//   gmap     := u32 n, (str key, gen)*n;  ngmap := u32 n, (net key, gen)*n
//   rates    := i64 bucket_ns, u64 buckets, dvec mean, dvec m2, dvec max
//   dvec     := u32 n (<= 64), f64*n   (format 2: 7 rate dimensions, dropped on load)
//   str      := u32 length, bytes[length]
//   smap     := u32 n, (str key, stats)*n                   keys strictly ascending
//   nmap     := u32 n, (net, stats)*n;  net := u8 direction, u8 protocol, str address, u16 port
//   stats    := u64 count, i64 first_seen_ns, i64 last_seen_ns, u32 processes, u8 access,
//               [v3: u32 nodes]
//   training := u64 events, i64 first_event_ns, i64 last_event_ns,
//               u64 dropped_events, u32 sessions
// The blob holds nothing else, so its size is the fingerprint size we report.
#ifndef DRIFTWATCH_STORE_FINGERPRINT_CODEC_H_
#define DRIFTWATCH_STORE_FINGERPRINT_CODEC_H_

#include <string>
#include <string_view>

#include "collector/status.h"
#include "model/fingerprint.h"

namespace dw::store {

// Encodes `fp` in the current format (model::kFingerprintFormatVersion); the
// blob records that version, whatever fp.format_version says. Deterministic:
// equal fingerprints give equal bytes.
std::string EncodeFingerprint(const model::Fingerprint& fp);
// The same in an older `version` (1..current), dropping what it cannot hold;
// for tests that older blobs still load.
std::string EncodeFingerprintAs(const model::Fingerprint& fp, uint32_t version);

// Decodes a blob from EncodeFingerprint (older blobs load with the parts
// their version lacked empty or defaulted, and come out as the current version). A blob from a newer format gives
// kVersion; a truncated or damaged blob (short, trailing bytes, unsorted or
// duplicate keys, an unknown direction) gives kCorrupt. Never throws; the
// work and memory it spends are bounded by the blob's size.
Result<model::Fingerprint> DecodeFingerprint(std::string_view blob);

}  // namespace dw::store

#endif  // DRIFTWATCH_STORE_FINGERPRINT_CODEC_H_
