// collector/trace_file.cc: trace files as crc-checked frames of cereal
// payloads (format in collector/trace_file.h). cereal stays inside this file.
#include "collector/trace_file.h"

#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <istream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include "bpf/events.h"

namespace dw::collector {
namespace {

constexpr char kMagic[8] = {'D', 'W', 'T', 'R', 'A', 'C', 'E', '\0'};
constexpr size_t kFileHeaderLen = 16;   // magic, format_version, wire_version
constexpr size_t kFrameHeaderLen = 8;   // payload_len, crc32
constexpr size_t kReadStep = 1u << 20;  // a frame's payload is read this much at a time
// A chunk is written once its records reach this many bytes, so that even a
// large records_per_chunk stays under kMaxFramePayload.
constexpr size_t kChunkByteBudget = kMaxFramePayload / 2;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// The frame's CRC-32 (zlib's polynomial and value), by libdeflate: several
// times zlib's speed on a whole buffer.
uint32_t Crc(const std::string& s) { return libdeflate_crc32(0, s.data(), s.size()); }

// errno after a failed stdio call; EIO if the library left it unset.
int LastErrno() { return errno != 0 ? errno : EIO; }

using OutputArchive = cereal::PortableBinaryOutputArchive;

// A read-only streambuf over bytes the caller keeps alive: cereal reads the
// inflated payload in place, without the copy an istringstream would make.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // never written: no put area
    setg(begin, begin, begin + bytes.size());
  }
  uint64_t Remaining() const { return static_cast<uint64_t>(egptr() - gptr()); }
  // The next `n` bytes (n <= Remaining()), taken without going through the
  // stream: a record's bytes are copied once, with no virtual call per read.
  std::string_view Take(uint64_t n) {
    std::string_view out(gptr(), n);
    setg(eback(), gptr() + n, egptr());
    return out;
  }
};

// Reads a payload through cereal's PortableBinary archive. cereal's own
// std::string and std::vector loaders resize to the length the payload claims
// before reading, so a corrupt length would allocate (and zero) gigabytes;
// these loads check every length against the bytes left first. Loads into
// strings and vectors reuse their memory: a reader that keeps its chunk
// allocates nothing per record once the chunks stop growing. Throws
// cereal::Exception on malformed input.
class Loader {
 public:
  explicit Loader(std::string_view payload) : buf_(payload), in_(&buf_), ar_(in_) {}

  template <typename T>
  void Scalar(T& v) { ar_(v); }

  // The next string's bytes in place, valid while the payload is.
  std::string_view View() { return buf_.Take(Size()); }

  void String(std::string& s) { s.assign(buf_.Take(Size())); }

  // Every item is loaded whole (load_one overwrites all of it), into the
  // vector's existing items first.
  template <typename T, typename LoadOne>
  void Vector(std::vector<T>& v, LoadOne load_one) {
    const uint64_t n = Size();
    v.resize(n);
    for (T& item : v) load_one(*this, item);
  }

  uint64_t Remaining() const { return buf_.Remaining(); }

 private:
  // A cereal size tag counting items of at least one byte each.
  uint64_t Size() {
    cereal::size_type n = 0;
    ar_(cereal::make_size_tag(n));
    const uint64_t left = Remaining();
    if (n > left) {
      throw cereal::Exception("length " + std::to_string(n) + " overruns the " +
                              std::to_string(left) + " bytes left");
    }
    return n;
  }

  ViewBuf buf_;
  std::istream in_;
  cereal::PortableBinaryInputArchive ar_;
};

void LoadString(Loader& in, std::string& s) { in.String(s); }

}  // namespace

// Saves: found by cereal through argument-dependent lookup, with cereal's
// standard encodings of strings, vectors and pairs. Loads: the same encodings
// read back through Loader.
template <class Archive>
void save(Archive& ar, const ProcessSnapshot& p) {
  ar(p.pid, p.ppid, p.cgroup_id, p.exe, p.argv);
}

// The header's syscall_watch as format 3 writes it: 255 for nullopt.
constexpr uint8_t kSyscallWatchUnknown = 255;

// Format 4 writes the processes' working directories after the rest, one
// per process in order: readers of format 3 never see them.
std::vector<std::string> CwdsOf(const std::vector<ProcessSnapshot>& processes) {
  std::vector<std::string> out;
  out.reserve(processes.size());
  for (const ProcessSnapshot& p : processes) out.push_back(p.cwd);
  return out;
}

template <class Archive>
void save(Archive& ar, const TraceHeader& h) {
  const uint8_t watch = h.syscall_watch ? static_cast<uint8_t>(*h.syscall_watch) : kSyscallWatchUnknown;
  ar(h.wire_version, h.created_ns, h.hostname, h.kernel, h.boot_to_unix_ns, h.processes, watch,
     CwdsOf(h.processes));
}

// A header as format version 3 wrote it: no working directories.
struct TraceHeaderV3 {
  const TraceHeader& header;
};

template <class Archive>
void save(Archive& ar, const TraceHeaderV3& v) {
  const TraceHeader& h = v.header;
  const uint8_t watch = h.syscall_watch ? static_cast<uint8_t>(*h.syscall_watch) : kSyscallWatchUnknown;
  ar(h.wire_version, h.created_ns, h.hostname, h.kernel, h.boot_to_unix_ns, h.processes, watch);
}

// A header as format versions 1 and 2 wrote it: no syscall_watch.
struct TraceHeaderV2 {
  const TraceHeader& header;
};

template <class Archive>
void save(Archive& ar, const TraceHeaderV2& v) {
  const TraceHeader& h = v.header;
  ar(h.wire_version, h.created_ns, h.hostname, h.kernel, h.boot_to_unix_ns, h.processes);
}

template <class Archive>
void save(Archive& ar, const PackagePrograms& p) {
  ar(p.source, p.programs);
}

template <class Archive>
void save(Archive& ar, const TraceChunk& c) {
  ar(c.cgroups, c.processes, c.records, c.dropped_total, c.packages, CwdsOf(c.processes));
}

// A chunk as format versions 2 and 3 wrote it: no working directories.
struct TraceChunkV3 {
  const TraceChunk& chunk;
};

template <class Archive>
void save(Archive& ar, const TraceChunkV3& v) {
  ar(v.chunk.cgroups, v.chunk.processes, v.chunk.records, v.chunk.dropped_total, v.chunk.packages);
}

// A chunk as format version 1 wrote it: no packages.
struct TraceChunkV1 {
  const TraceChunk& chunk;
};

template <class Archive>
void save(Archive& ar, const TraceChunkV1& v) {
  ar(v.chunk.cgroups, v.chunk.processes, v.chunk.records, v.chunk.dropped_total);
}

namespace {

void Load(Loader& in, ProcessSnapshot& p) {
  in.Scalar(p.pid);
  in.Scalar(p.ppid);
  in.Scalar(p.cgroup_id);
  in.String(p.exe);
  in.Vector(p.argv, LoadString);
}

// Format 4's working directories of `processes`, one each, in order.
void LoadCwds(Loader& in, std::vector<ProcessSnapshot>& processes) {
  std::vector<std::string> cwds;
  in.Vector(cwds, LoadString);
  if (cwds.size() != processes.size()) {
    throw std::runtime_error(std::to_string(cwds.size()) + " working directories for " +
                             std::to_string(processes.size()) + " processes");
  }
  for (size_t i = 0; i < cwds.size(); ++i) processes[i].cwd = std::move(cwds[i]);
}

void Load(Loader& in, TraceHeader& h, uint32_t format) {
  in.Scalar(h.wire_version);
  in.Scalar(h.created_ns);
  in.String(h.hostname);
  in.String(h.kernel);
  in.Scalar(h.boot_to_unix_ns);
  in.Vector(h.processes, [](Loader& l, ProcessSnapshot& p) { Load(l, p); });
  h.syscall_watch.reset();
  if (format >= 3) {
    uint8_t watch = 0;
    in.Scalar(watch);
    if (watch != kSyscallWatchUnknown) {
      if (watch > static_cast<uint8_t>(SyscallWatch::kAll)) {
        throw std::runtime_error("unknown syscall watch " + std::to_string(watch));
      }
      h.syscall_watch = static_cast<SyscallWatch>(watch);
    }
  }
  if (format >= 4) LoadCwds(in, h.processes);
}

// With `views`, the records are views of the payload there (c.records is
// left empty): no copy at all. `format`: the file's format version.
void Load(Loader& in, TraceChunk& c, uint32_t format, std::vector<std::string_view>* views = nullptr) {
  in.Vector(c.cgroups, [](Loader& l, std::pair<uint64_t, std::string>& cg) {
    l.Scalar(cg.first);
    l.String(cg.second);
  });
  in.Vector(c.processes, [](Loader& l, ProcessSnapshot& p) { Load(l, p); });
  if (views != nullptr) {
    c.records.clear();
    in.Vector(*views, [](Loader& l, std::string_view& v) { v = l.View(); });
  } else {
    in.Vector(c.records, LoadString);
  }
  in.Scalar(c.dropped_total);
  c.packages.clear();
  if (format >= 2) {
    in.Vector(c.packages, [](Loader& l, PackagePrograms& p) {
      l.String(p.source);
      l.Vector(p.programs, LoadString);
    });
  }
  if (format >= 4) LoadCwds(in, c.processes);
}

// A frame's payload is u32 raw_len followed by the zlib (deflate) stream of
// raw_len bytes of cereal data. raw_len is bounded before anything is allocated.
Result<std::string> Deflate(const std::string& raw) {
  if (raw.size() > kMaxFramePayload) {
    return Status(ErrorCode::kInvalidArgument, "frame of " + std::to_string(raw.size()) +
                                                   " bytes exceeds the limit");
  }
  uLongf len = compressBound(static_cast<uLong>(raw.size()));
  std::string out;
  PutU32(&out, static_cast<uint32_t>(raw.size()));
  out.resize(4 + len);
  if (compress2(reinterpret_cast<Bytef*>(out.data() + 4), &len,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                Z_BEST_SPEED) != Z_OK) {
    return Status(ErrorCode::kInternal, "compress frame");
  }
  out.resize(4 + len);
  return out;
}

// The inflated bytes are the first raw_len of *raw, which only grows: a
// reader that keeps it does not zero it again for every chunk.
Status Inflate(const std::string& payload, std::string* raw, std::string_view* inflated) {
  if (payload.size() < 4) return Status(ErrorCode::kCorrupt, "frame shorter than its length field");
  uint32_t raw_len = 0;
  for (int i = 3; i >= 0; --i) raw_len = (raw_len << 8) | static_cast<uint8_t>(payload[static_cast<size_t>(i)]);
  if (raw_len > kMaxFramePayload) {
    return Status(ErrorCode::kCorrupt, "frame claims " + std::to_string(raw_len) + " bytes");
  }
  // The zlib stream's own checksum (adler32 of the inflated bytes) is not
  // computed: the frame's crc32 was checked over these bytes already, and the
  // adler32 pass cost a third as much as inflating. So the deflate data is
  // inflated raw, after its two-byte zlib header is checked (deflate, no
  // preset dictionary, the header's own check).
  const auto* in = reinterpret_cast<const Bytef*>(payload.data() + 4);
  const size_t in_len = payload.size() - 4;
  if (in_len < 2 || (in[0] & 0x0f) != Z_DEFLATED || (in[1] & 0x20) != 0 ||
      ((unsigned{in[0]} << 8) | in[1]) % 31 != 0) {
    return Status(ErrorCode::kCorrupt, "frame does not decompress");
  }
  // libdeflate inflates a whole buffer into one of known size, about twice
  // as fast as zlib's streaming inflate; the data is the same deflate.
  struct Decompressor {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    ~Decompressor() {
      if (d != nullptr) libdeflate_free_decompressor(d);
    }
  };
  thread_local Decompressor decompressor;
  if (decompressor.d == nullptr) return Status(ErrorCode::kInternal, "libdeflate_alloc_decompressor");
  if (raw->size() < raw_len) raw->resize(raw_len);
  // Exactly raw_len bytes, or it is corrupt (no actual_out: a shorter output fails).
  if (libdeflate_deflate_decompress(decompressor.d, in + 2, in_len - 2, raw->data(), raw_len, nullptr) !=
      LIBDEFLATE_SUCCESS) {
    return Status(ErrorCode::kCorrupt, "frame does not decompress");
  }
  *inflated = std::string_view(raw->data(), raw_len);
  return Status::Ok();
}

template <typename T>
Result<std::string> Pack(const T& value) {
  try {
    std::ostringstream out;
    {
      OutputArchive ar(out);
      ar(value);
    }
    return Deflate(out.str());
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, e.what());
  }
}

// Parses a whole payload into *value (whose memory it reuses; on an error
// *value is left half loaded); leftover bytes are corruption too. `raw` begins
// with the inflated bytes.
template <typename T, typename... Extra>
Status Unpack(const std::string& frame_payload, T* value, std::string* raw, Extra... extra) {
  std::string_view payload;
  RETURN_IF_ERROR(Inflate(frame_payload, raw, &payload));
  try {
    Loader in(payload);
    Load(in, *value, extra...);
    if (const uint64_t left = in.Remaining(); left != 0) {
      return Status(ErrorCode::kCorrupt, std::to_string(left) + " bytes left over");
    }
    return Status::Ok();
  } catch (const std::exception& e) {  // cereal::Exception, std::bad_alloc
    return Status(ErrorCode::kCorrupt, e.what());
  }
}

Status VersionError(const char* what, uint32_t got, uint32_t known) {
  std::string message = std::string("trace ") + what + " version " + std::to_string(got);
  const std::string k = std::to_string(known);
  message += got > known ? " is newer than this driftwatch (" + k + ")"
                         : " is not supported (this driftwatch reads " + k + ")";
  return Status(ErrorCode::kVersion, message);
}

}  // namespace

// ---- TraceWriter ----

TraceWriter::TraceWriter(std::FILE* f, std::string path, size_t records_per_chunk, uint32_t format_version)
    : file_(f), path_(std::move(path)), records_per_chunk_(records_per_chunk), format_version_(format_version) {}

TraceWriter::~TraceWriter() { (void)Close(); }

Result<std::unique_ptr<TraceWriter>> TraceWriter::Create(const std::string& path,
                                                         const TraceHeader& header,
                                                         size_t records_per_chunk,
                                                         uint32_t format_version,
                                                         uint32_t wire_version) {
  if (records_per_chunk == 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "create trace " + path + ": records_per_chunk must be positive");
  }
  if (format_version < kTraceFormatVersionMin || format_version > kTraceFormatVersion) {
    return VersionError("format", format_version, kTraceFormatVersion).WithContext("create trace " + path);
  }
  if (wire_version < DW_WIRE_VERSION_MIN || wire_version > DW_WIRE_VERSION) {
    return VersionError("wire", wire_version, DW_WIRE_VERSION).WithContext("create trace " + path);
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::Errno("create trace " + path, errno);
  std::unique_ptr<TraceWriter> w(new TraceWriter(f, path, records_per_chunk, format_version));

  std::string file_header(kMagic, sizeof(kMagic));
  PutU32(&file_header, format_version);
  PutU32(&file_header, wire_version);
  errno = 0;
  if (std::fwrite(file_header.data(), 1, file_header.size(), f) != file_header.size()) {
    return Status::Errno("write trace " + path, LastErrno());
  }
  TraceHeader h = header;
  h.wire_version = wire_version;
  auto payload = format_version < 3   ? Pack(TraceHeaderV2{h})
                 : format_version < 4 ? Pack(TraceHeaderV3{h})
                                      : Pack(h);
  if (!payload) return payload.error().WithContext("write trace " + path + ": header");
  RETURN_IF_ERROR(w->WriteFrame(*payload));
  RETURN_IF_ERROR(w->Flush());  // a full disk or bad device shows up here, not later
  return w;
}

void TraceWriter::AddProcess(const ProcessSnapshot& p) {
  pending_.processes.push_back(p);
  pending_bytes_ += p.exe.size() + p.cwd.size() + 32;
}

void TraceWriter::AddPackage(PackagePrograms p) {
  for (const std::string& program : p.programs) pending_bytes_ += program.size();
  pending_.packages.push_back(std::move(p));
}

void TraceWriter::AddCgroup(uint64_t id, const std::string& path) {
  pending_.cgroups.emplace_back(id, path);
  pending_bytes_ += path.size();
}

Status TraceWriter::Append(std::span<const uint8_t> record) {
  if (file_ == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "append to trace " + path_ + ": writer is closed");
  }
  if (record.size() > DW_MAX_RECORD) {
    return Status(ErrorCode::kInvalidArgument,
                  "append to trace " + path_ + ": record of " + std::to_string(record.size()) +
                      " bytes exceeds DW_MAX_RECORD");
  }
  pending_.records.emplace_back(record.begin(), record.end());
  pending_bytes_ += record.size();
  if (pending_.records.size() >= records_per_chunk_ || pending_bytes_ >= kChunkByteBudget) {
    return WriteChunk();
  }
  return Status::Ok();
}

void TraceWriter::SetDropped(uint64_t dropped_total) { pending_.dropped_total = dropped_total; }

Status TraceWriter::WriteFrame(const std::string& payload) {
  if (payload.size() > kMaxFramePayload) {
    return Status(ErrorCode::kInvalidArgument,
                  "write trace " + path_ + ": frame of " + std::to_string(payload.size()) +
                      " bytes exceeds the limit of " + std::to_string(kMaxFramePayload));
  }
  std::string frame_header;
  PutU32(&frame_header, static_cast<uint32_t>(payload.size()));
  PutU32(&frame_header, Crc(payload));
  errno = 0;
  if (std::fwrite(frame_header.data(), 1, frame_header.size(), file_) != frame_header.size() ||
      std::fwrite(payload.data(), 1, payload.size(), file_) != payload.size()) {
    return Status::Errno("write trace " + path_, LastErrno());
  }
  return Status::Ok();
}

Status TraceWriter::WriteChunk() {
  if (format_version_ < 2 && !pending_.packages.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "write trace " + path_ + ": format version " + std::to_string(format_version_) +
                      " has no packages");
  }
  auto payload = format_version_ < 2   ? Pack(TraceChunkV1{pending_})
                 : format_version_ < 4 ? Pack(TraceChunkV3{pending_})
                                       : Pack(pending_);
  if (!payload) return payload.error().WithContext("write trace " + path_ + ": chunk");
  RETURN_IF_ERROR(WriteFrame(*payload));
  records_written_ += pending_.records.size();
  dropped_written_ = pending_.dropped_total;
  pending_.records.clear();
  pending_.cgroups.clear();
  pending_.processes.clear();
  pending_.packages.clear();
  pending_bytes_ = 0;
  return Status::Ok();
}

Status TraceWriter::Flush() {
  if (file_ == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "flush trace " + path_ + ": writer is closed");
  }
  if (!pending_.records.empty() || !pending_.cgroups.empty() || !pending_.processes.empty() ||
      !pending_.packages.empty() || pending_.dropped_total != dropped_written_) {
    RETURN_IF_ERROR(WriteChunk());
  }
  errno = 0;
  if (std::fflush(file_) != 0) return Status::Errno("write trace " + path_, LastErrno());
  return Status::Ok();
}

Status TraceWriter::Close() {
  if (file_ == nullptr) return Status::Ok();
  Status status = Flush();
  // EINVAL/EROFS: the target (a pipe, /dev/null) does not support syncing.
  if (status.ok() && fsync(fileno(file_)) != 0 && errno != EINVAL && errno != EROFS) {
    status = Status::Errno("sync trace " + path_, errno);
  }
  if (std::fclose(file_) != 0 && status.ok()) status = Status::Errno("close trace " + path_, errno);
  file_ = nullptr;
  return status;
}

// ---- TraceReader ----

TraceReader::TraceReader(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}

TraceReader::~TraceReader() { std::fclose(file_); }

Result<std::unique_ptr<TraceReader>> TraceReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::Errno("open trace " + path, errno);
  std::unique_ptr<TraceReader> r(new TraceReader(f, path));
  const std::string action = "read trace " + path;

  uint8_t file_header[kFileHeaderLen];
  errno = 0;
  const size_t n = std::fread(file_header, 1, sizeof(file_header), f);
  if (std::ferror(f)) return Status::Errno(action, LastErrno());
  if (std::memcmp(file_header, kMagic, std::min(n, sizeof(kMagic))) != 0) {
    return Status(ErrorCode::kCorrupt, action + ": not a driftwatch trace (bad magic)");
  }
  if (n < kFileHeaderLen) {
    return Status(ErrorCode::kCorrupt, action + ": truncated file header at byte 0");
  }
  const uint32_t format_version = GetU32(file_header + 8);
  const uint32_t wire_version = GetU32(file_header + 12);
  if (format_version < kTraceFormatVersionMin || format_version > kTraceFormatVersion) {
    return VersionError("format", format_version, kTraceFormatVersion).WithContext(action);
  }
  r->format_version_ = format_version;
  // Older wire versions decode too (Decode() takes the version).
  if (wire_version < DW_WIRE_VERSION_MIN || wire_version > DW_WIRE_VERSION) {
    return VersionError("wire", wire_version, DW_WIRE_VERSION).WithContext(action);
  }
  r->offset_ = kFileHeaderLen;

  std::string payload;
  ASSIGN_OR_RETURN(bool got, r->ReadFrame(&payload));
  if (!got) {
    return Status(ErrorCode::kCorrupt,
                  action + ": truncated file: no header frame at byte " +
                      std::to_string(kFileHeaderLen));
  }
  std::string raw;
  Status s = Unpack(payload, &r->header_, &raw, format_version);
  if (!s.ok()) {
    return s.WithContext(action + ": bad header frame at byte " + std::to_string(kFileHeaderLen));
  }
  if (r->header_.wire_version != wire_version) {
    return Status(ErrorCode::kCorrupt,
                  action + ": header frame says wire version " +
                      std::to_string(r->header_.wire_version) + ", the file header " +
                      std::to_string(wire_version));
  }
  return r;
}

Result<bool> TraceReader::Next(TraceChunk* chunk) { return Next(chunk, nullptr); }

Result<bool> TraceReader::Next(TraceChunk* chunk, std::vector<std::string_view>* record_views) {
  const uint64_t start = offset_;
  std::string& payload = payload_;
  ASSIGN_OR_RETURN(bool got, ReadFrame(&payload));
  if (!got) return false;
  Status s = record_views != nullptr ? Unpack(payload, chunk, &raw_, format_version_, record_views)
                                     : Unpack(payload, chunk, &raw_, format_version_);
  if (!s.ok()) {
    return s.WithContext("read trace " + path_ + ": bad chunk at byte " + std::to_string(start));
  }
  return true;
}

Result<bool> TraceReader::ReadFrame(std::string* payload) {
  const std::string at = "read trace " + path_ + ": ";
  const std::string where = " at byte " + std::to_string(offset_);
  const auto truncated = [&] {
    return Status(ErrorCode::kCorrupt, at + "truncated frame" + where);
  };

  uint8_t frame_header[kFrameHeaderLen];
  errno = 0;
  size_t n = std::fread(frame_header, 1, sizeof(frame_header), file_);
  if (std::ferror(file_)) return Status::Errno(at + "frame" + where, LastErrno());
  if (n == 0) return false;  // clean end of file
  if (n < kFrameHeaderLen) return truncated();
  const uint32_t len = GetU32(frame_header);
  const uint32_t crc = GetU32(frame_header + 4);
  if (len > kMaxFramePayload) {
    return Status(ErrorCode::kCorrupt, at + "frame" + where + " claims " + std::to_string(len) +
                                           " bytes, more than the limit of " +
                                           std::to_string(kMaxFramePayload));
  }
  // Grown step by step, so a damaged length costs what the file holds, not len.
  payload->clear();
  while (payload->size() < len) {
    const size_t have = payload->size();
    const size_t want = std::min<size_t>(kReadStep, len - have);
    payload->resize(have + want);
    errno = 0;
    n = std::fread(payload->data() + have, 1, want, file_);
    if (std::ferror(file_)) return Status::Errno(at + "frame" + where, LastErrno());
    if (n < want) return truncated();
  }
  if (Crc(*payload) != crc) {
    return Status(ErrorCode::kCorrupt, at + "crc mismatch in frame" + where);
  }
  offset_ += kFrameHeaderLen + len;
  return true;
}

}  // namespace dw::collector
