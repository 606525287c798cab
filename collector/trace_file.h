// collector/trace_file.h: driftwatch trace files (`driftwatch record`).
//
// A trace keeps the raw ring-buffer records exactly as the kernel wrote them,
// so replay goes through the same Decode() as live events, plus what is needed
// to interpret them later: the cgroup id -> path map, the boot-to-wall-clock
// offset, and a snapshot of the processes that were running at the start.
//
// Format (version kTraceFormatVersion, 4), all integers little-endian:
//   file   := magic[8] = "DWTRACE\0", u32 format_version, u32 wire_version,
//             frame(header), frame(chunk)*
//   frame  := u32 payload_len, u32 crc32(payload) (zlib), payload[payload_len]
//   payload := u32 raw_len, zlib stream of raw_len bytes (compress2) of:
//   header := cereal PortableBinary of TraceHeader (version 2 and 1: without
//             `syscall_watch`, which version 3 writes as a u8: SyscallWatch, or
//             255 when unknown; version 4 then adds the processes' `cwd`s, a
//             vector of strings, one per process in order)
//   chunk  := cereal PortableBinary of TraceChunk (version 1, still read, has
//             no `packages`; version 4 adds the processes' `cwd`s after them,
//             as the header does)
// A reader accepts every wire version from DW_WIRE_VERSION_MIN to this
// build's (records are decoded with the trace's version, see Decode()).
// It rejects a wrong magic, a format or wire version it does not know,
// a frame whose length overruns the file (truncated) or whose crc differs
// (corrupt), each with the byte offset in the message. payload_len is at most
// kMaxFramePayload.
#ifndef DRIFTWATCH_COLLECTOR_TRACE_FILE_H_
#define DRIFTWATCH_COLLECTOR_TRACE_FILE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/events.h"
#include "collector/status.h"
#include "collector/syscall_names.h"

namespace dw::collector {

inline constexpr uint32_t kTraceFormatVersion = 4;
inline constexpr uint32_t kTraceFormatVersionMin = 1;
inline constexpr uint32_t kMaxFramePayload = 64u << 20;

// A process alive when recording started.
struct ProcessSnapshot {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint64_t cgroup_id = 0;
  std::string exe;
  std::vector<std::string> argv;
  std::string cwd;  // working directory, "" if unknown (format 4 on)
  bool operator==(const ProcessSnapshot&) const = default;
};

struct TraceHeader {
  uint32_t wire_version = 0;      // DW_WIRE_VERSION of the records
  int64_t created_ns = 0;         // wall clock when recording started
  std::string hostname;
  std::string kernel;             // uname -r
  int64_t boot_to_unix_ns = 0;    // wall clock = ts_boot_ns + this
  std::vector<ProcessSnapshot> processes;
  // Which syscalls the records report (format 3); nullopt in older traces,
  // whose syscall records, if any, were of every syscall.
  std::optional<SyscallWatch> syscall_watch;
  bool operator==(const TraceHeader&) const = default;
};

// The programs one source package installed, as the recording host (or the
// container that ran them) had them: what a replay needs to tell that a new
// program came from the same package as a learned one (tools/packages.h),
// once the processes and their filesystems are gone.
struct PackagePrograms {
  std::string source;                 // the source package: "postfix"
  std::vector<std::string> programs;  // its executable files, as dpkg lists them, sorted
  bool operator==(const PackagePrograms&) const = default;
};

struct TraceChunk {
  // cgroup id -> path (relative to the cgroup2 root) for ids first seen in this
  // chunk's records; appear before the records that use them.
  std::vector<std::pair<uint64_t, std::string>> cgroups;
  std::vector<std::string> records;  // raw records, bytes as in the ring buffer
  uint64_t dropped_total = 0;        // ring-buffer drops so far (cumulative)
  // Processes first learned of during recording (from /proc, for lineage),
  // known before the records of this chunk.
  std::vector<ProcessSnapshot> processes;
  // The packages of programs first run in this chunk's records (or by a
  // process of the snapshot), each source package once per trace.
  std::vector<PackagePrograms> packages;
  bool operator==(const TraceChunk&) const = default;
};

// Writes a trace. Not thread-safe. Records are buffered and written as a chunk
// every `records_per_chunk` records (or sooner, to keep a chunk well under
// kMaxFramePayload) and on Flush()/Close(). Create() writes the header with
// wire_version set to `wire_version` (this build's by default). records_written() counts
// the records in chunks written so far.
class TraceWriter {
 public:
  // `format_version`: kTraceFormatVersion, or 1 (no packages; AddPackage
  // then fails the next write) for a reader that predates version 2.
  // `wire_version`: the records' (DW_WIRE_VERSION_MIN to DW_WIRE_VERSION), for
  // a copy of an older trace.
  static Result<std::unique_ptr<TraceWriter>> Create(const std::string& path,
                                                     const TraceHeader& header,
                                                     size_t records_per_chunk = 4096,
                                                     uint32_t format_version = kTraceFormatVersion,
                                                     uint32_t wire_version = DW_WIRE_VERSION);
  ~TraceWriter();  // closes; errors are lost, call Close() to see them
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void AddCgroup(uint64_t id, const std::string& path);
  void AddProcess(const ProcessSnapshot& p);
  void AddPackage(PackagePrograms p);
  Status Append(std::span<const uint8_t> record);
  void SetDropped(uint64_t dropped_total);
  Status Flush();   // writes the pending chunk (if any) and fflush()es
  Status Close();   // Flush(), fsync, fclose; idempotent
  uint64_t records_written() const { return records_written_; }

 private:
  TraceWriter(std::FILE* f, std::string path, size_t records_per_chunk, uint32_t format_version);
  Status WriteFrame(const std::string& payload);
  Status WriteChunk();  // pending_ as one frame, then starts a new chunk

  std::FILE* file_;
  std::string path_;
  size_t records_per_chunk_;
  uint32_t format_version_;
  TraceChunk pending_;
  size_t pending_bytes_ = 0;      // record and cgroup bytes in pending_
  uint64_t dropped_written_ = 0;  // dropped_total of the last chunk written
  uint64_t records_written_ = 0;
};

// Reads a trace. Not thread-safe.
class TraceReader {
 public:
  // Opens `path` and reads its header; errors: kNotFound, kPermissionDenied,
  // kCorrupt (bad magic, crc, truncated header), kVersion. Reads format
  // versions kTraceFormatVersionMin to kTraceFormatVersion.
  static Result<std::unique_ptr<TraceReader>> Open(const std::string& path);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const TraceHeader& header() const { return header_; }
  uint32_t format_version() const { return format_version_; }
  // Reads the next chunk into `*chunk`, reusing its memory (a caller that
  // keeps one chunk allocates nothing per record). Returns true on a chunk,
  // false at a clean end of file, or kCorrupt ("trace X: truncated frame at
  // byte N"), after which `*chunk` holds a part of the bad chunk.
  Result<bool> Next(TraceChunk* chunk);
  // The same, with the chunk's records as views of the inflated chunk in
  // `*record_views` (chunk->records left empty), valid until the next call:
  // the replay path, which copies no record.
  Result<bool> Next(TraceChunk* chunk, std::vector<std::string_view>* record_views);

 private:
  TraceReader(std::FILE* f, std::string path);
  Result<bool> ReadFrame(std::string* payload);  // false at clean EOF

  std::FILE* file_;
  std::string path_;
  uint64_t offset_ = 0;
  TraceHeader header_;
  uint32_t format_version_ = kTraceFormatVersion;
  std::string raw_;  // begins with the last chunk's inflated payload (it only grows)
  std::string payload_;  // the last frame's compressed payload (likewise)
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_TRACE_FILE_H_
