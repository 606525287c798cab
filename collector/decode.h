// collector/decode.h: raw ring-buffer records (bpf/events.h) to Events.
//
// One function decodes every kind, for live records and replayed trace records
// alike. It copies bytes out after checking sizes; it never casts record memory.
// Pure and thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_DECODE_H_
#define DRIFTWATCH_COLLECTOR_DECODE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "collector/event.h"
#include "collector/status.h"

namespace dw::collector {

// Decodes one record. `boot_to_unix_ns` converts the record's boot-time stamp to
// wall clock (time_ns = ts_boot_ns + boot_to_unix_ns). Returns kCorrupt when
// the record is shorter than its kind needs, its size field disagrees with
// `record.size()`, a trailing length overruns, or the kind is unknown.
// Exec and open paths come out absolute and lexically normalised (see
// JoinAndNormalize). A relative path whose base directory the kernel side
// could not read stays relative behind a marker: "<cwd>/x" (working
// directory) or "<fd 7>/x" (directory fd 7), leading ".." kept.
// Syscall numbers are named for this host's native ABI (SyscallName).
// `wire_version` is the DW_WIRE_VERSION the record was written with (a
// trace's header says; live records are kWireVersion): every version from
// kOldestWireVersion on decodes, older layouts with the fields they lack
// left at their defaults. Exec paths of fileless binaries are "memfd:NAME"
// or "<path> (deleted)" (kExecFileless).
inline constexpr uint32_t kWireVersion = 3;        // DW_WIRE_VERSION
inline constexpr uint32_t kOldestWireVersion = 1;  // DW_WIRE_VERSION_MIN
Result<Event> Decode(std::span<const uint8_t> record, int64_t boot_to_unix_ns,
                     uint32_t wire_version = kWireVersion);
// Decode() into `*e`, which is overwritten entirely (every field, those the
// pipeline fills included, as a fresh Event has them), reusing its strings'
// memory: the per-event path decodes into one Event without allocating. On an
// error `*e` holds a partly decoded record. With `keep_process`, e->process is
// left as it is, for a caller that overwrites it (collector::Pipeline).
Status DecodeInto(std::span<const uint8_t> record, int64_t boot_to_unix_ns, uint32_t wire_version,
                  Event* e, bool keep_process = false);

// `path` joined to `cwd` when relative (cwd "" means "/"), then "." , ".." and
// repeated slashes resolved lexically: ("../etc//x", "/srv/app") -> "/srv/etc/x".
// ".." never climbs above "/".
std::string JoinAndNormalize(std::string_view path, std::string_view cwd);

// The first question name of a DNS query message ("example.com", lower case,
// no trailing dot), or "" when the message is too short or malformed.
// Compression pointers are not followed (queries do not use them).
std::string ParseDnsQueryName(std::span<const uint8_t> message);

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_DECODE_H_
