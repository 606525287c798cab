// store/fingerprint_json.h: a fingerprint as JSON, lossless both ways. This
// comment is the documentation of the schema ("driftwatch.fingerprint/v1").
//
// One JSON object. Every field below is written, always, in this order; the
// parser requires each of them and refuses any other (a top-level "source"
// object, which `driftwatch export` adds to say where a fingerprint came
// from, is the one exception: it is ignored).
//   schema          "driftwatch.fingerprint/v1"; a newer schema is refused (kVersion)
//   workload        string
//   format_version  model::kFingerprintFormatVersion of the content (1..6; newer: kVersion)
//   node            host it was trained on; "" if unknown; "a,b" for a merged view
//   training        {events, first_event, last_event, dropped_events, sessions}
//   executables     [{path, STATS}]
//   lineage         [{edge, STATS}]                    "parent exe -> exe"
//   files           [{path, STATS}]                    normalised paths
//   file_patterns   [{pattern, GEN, STATS}]            "<dir>/*", "<dir>/**"
//   network         [{NET, STATS}]
//   network_patterns [{NET, GEN, STATS}]               address is a CIDR
//   dns_names       [{name, STATS}]
//   syscall_arch    string ("x86_64"); "" when no syscalls were learned
//   syscall_watch   which syscalls training watched: "all", "sentinels" (the
//                   sentinel syscalls only: collector::SentinelSyscalls) or
//                   "none"; "all" with no syscalls learned says nothing about
//                   them. From format_version 4 (absent before, read as "all")
//   syscalls        [{name, STATS}]
//   lineage_by_executable  true when the lineage names interpreters by their
//                   binary, not their script (model::Fingerprint::lineage_by_exe);
//                   written only when true; absent: false from format_version 6,
//                   true before (format 5 named some interpreters by their binary:
//                   a relative script's, and one after value-taking flags)
//   rates           {bucket_ns, bucket_seconds, buckets, mean, m2, max}
// with
//   STATS := count, first_seen, last_seen, processes, access, nodes
//            access: a list of "read", "write", "create", "connect" (files; a
//            unix socket connected to at the path; [] otherwise)
//            nodes: how many nodes saw the item (1 unless merged)
//   GEN   := rule (string), examples (list of strings, at most 8), covered
//   NET   := direction ("outbound", "inbound", "listen", "dns"),
//            protocol ("tcp", "udp", or the IP protocol number as a string),
//            address (string), port (0..65535)
// Times (first_event, last_event, first_seen, last_seen) are RFC 3339 in UTC
// with exactly nine fractional digits ("2023-11-14T22:13:20.123456789Z"), as
// Rfc3339() writes them; the parser accepts only that form and so recovers the
// exact nanoseconds. Counts are JSON integers. rates.bucket_ns is exact;
// bucket_seconds is for people and ignored by the parser (but must be a
// number). mean (7), m2 (49, row-major co-moment sums) and max (7) are
// doubles, written with enough digits to read back the same bits; they are
// empty lists before any rate bucket was learned.
//
// Within each list the order is the fingerprint's (sorted by key); the parser
// accepts any order but refuses duplicate keys. Strings are UTF-8: a path
// that is not (the kernel does not promise it) is written with U+FFFD in
// place of the bad bytes, the one way a round trip can lose information.
//
// Parse errors are kInvalidArgument (kVersion for a newer schema or format),
// one line naming the field: "fingerprint JSON: files[3].access[0]: unknown
// access 'exec'". The parser never throws and never crashes on any input.
#ifndef DRIFTWATCH_STORE_FINGERPRINT_JSON_H_
#define DRIFTWATCH_STORE_FINGERPRINT_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/status.h"
#include "model/fingerprint.h"

namespace dw::store {

inline constexpr char kFingerprintSchema[] = "driftwatch.fingerprint/v1";

// The whole fingerprint as one JSON object on one line (schema above).
// Deterministic: equal fingerprints give equal text.
std::string FingerprintJson(const model::Fingerprint& fp);

// The fingerprint `json` describes. FingerprintFromJson(FingerprintJson(fp))
// == fp for every fingerprint whose strings are UTF-8.
Result<model::Fingerprint> FingerprintFromJson(std::string_view json);

// "2026-11-23T12:00:00.123456789Z": `unix_ns` in UTC with nine fractional digits.
std::string Rfc3339(int64_t unix_ns);

// Parses "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (Rfc3339()'s form) to ns since the
// Unix epoch; nullopt-like error for anything else.
Result<int64_t> ParseRfc3339(std::string_view text);

}  // namespace dw::store

#endif  // DRIFTWATCH_STORE_FINGERPRINT_JSON_H_
