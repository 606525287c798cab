// collector/trace_file_test.cc: trace files written and read back through
// real files, and every way a damaged file must be refused.
#include "collector/trace_file.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpf/events.h"
#include "collector/decode.h"
#include "collector/trace_source.h"

namespace dw::collector {
namespace {

namespace fs = std::filesystem;

class TraceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-trace-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/t.dwt";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static TraceHeader Header() {
    TraceHeader h;
    h.created_ns = 1'700'000'000'123'456'789;
    h.hostname = "db-1";
    h.kernel = "6.1.0-18-amd64";
    h.boot_to_unix_ns = 1'699'999'000'000'000'000;
    h.processes = {{1, 0, 1, "/sbin/init", {"/sbin/init"}},
                   {300, 1, 4242, "/usr/lib/postgresql/15/bin/postgres", {"postgres", "-D", ""}}};
    return h;
  }

  // The header as a reader sees it: the writer stamps the wire version.
  static TraceHeader HeaderAsRead() {
    TraceHeader h = Header();
    h.wire_version = DW_WIRE_VERSION;
    return h;
  }

  // Writes Header() and `records` with AddCgroup/SetDropped calls as in
  // Chunks(): two chunks of two records, then one of one record.
  void WriteSample() {
    auto w = TraceWriter::Create(path_, Header(), 2);
    ASSERT_TRUE(w.has_value()) << w.error().message();
    (*w)->AddCgroup(4242, "system.slice/postgresql.service");
    ASSERT_TRUE((*w)->Append(Rec("first\0record")).ok());
    ASSERT_TRUE((*w)->Append(Rec("second")).ok());
    (*w)->SetDropped(3);
    (*w)->AddCgroup(4343, "");
    ASSERT_TRUE((*w)->Append(Rec("")).ok());
    ASSERT_TRUE((*w)->Append(Rec(std::string(40, '\xff'))).ok());
    ASSERT_TRUE((*w)->Append(Rec("last")).ok());
    EXPECT_EQ((*w)->records_written(), 4u);
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_EQ((*w)->records_written(), 5u);
  }

  static std::vector<TraceChunk> Chunks() {
    return {
        {{{4242, "system.slice/postgresql.service"}},
         {std::string("first\0record", 12), "second"},
         0},
        {{{4343, ""}}, {"", std::string(40, '\xff')}, 3},
        {{}, {"last"}, 3},
    };
  }

  template <size_t N>
  static std::span<const uint8_t> Rec(const char (&s)[N]) {
    return {reinterpret_cast<const uint8_t*>(s), N - 1};
  }
  static std::span<const uint8_t> Rec(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  std::string ReadAll() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void WriteAll(const std::string& bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  // Opens path_ and reads chunks until the end or an error; returns the
  // error (ok at a clean end) and the chunks read.
  // With `reuse`, every chunk is read into the same TraceChunk, as replay does.
  // `reuse`: one chunk read into again and again; `views`: records read as
  // views of the reader's buffer (the replay path), copied out here.
  Status ReadChunks(std::vector<TraceChunk>* chunks, TraceHeader* header = nullptr,
                    bool reuse = false, bool views = false) const {
    auto r = TraceReader::Open(path_);
    if (!r.has_value()) return r.error();
    if (header != nullptr) *header = (*r)->header();
    TraceChunk kept;
    std::vector<std::string_view> record_views;
    while (true) {
      TraceChunk fresh;
      TraceChunk& c = reuse ? kept : fresh;
      Result<bool> got = views ? (*r)->Next(&c, &record_views) : (*r)->Next(&c);
      if (!got.has_value()) return got.error();
      if (!*got) return Status::Ok();
      if (views) {
        if (!c.records.empty()) return Status(ErrorCode::kCorrupt, "records copied as well as viewed");
        c.records.assign(record_views.begin(), record_views.end());
      }
      chunks->push_back(c);
    }
  }

  // Byte offsets where each frame ends (header frame first), found by
  // walking the length fields.
  static std::vector<size_t> FrameEnds(const std::string& bytes) {
    std::vector<size_t> ends;
    size_t pos = 16;
    while (pos + 8 <= bytes.size()) {
      uint32_t len = 0;
      for (int i = 3; i >= 0; --i) len = (len << 8) | static_cast<uint8_t>(bytes[pos + i]);
      pos += 8 + len;
      ends.push_back(pos);
    }
    return ends;
  }

  static void PutU32(std::string* bytes, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) (*bytes)[at + i] = static_cast<char>(v >> (8 * i));
  }

  // A frame around `payload` with a correct crc.
  // A frame around raw cereal bytes, compressed as the writer does.
  static std::string Compressed(const std::string& raw) {
    uLongf len = compressBound(raw.size());
    std::string out(4, '\0');
    PutU32(&out, 0, raw.size());
    out.resize(4 + len);
    compress2(reinterpret_cast<Bytef*>(out.data() + 4), &len,
              reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 1);
    out.resize(4 + len);
    return out;
  }

  static std::string Frame(const std::string& payload) {
    std::string f(8, '\0');
    PutU32(&f, 0, payload.size());
    PutU32(&f, 4, crc32(0, reinterpret_cast<const Bytef*>(payload.data()), payload.size()));
    return f + payload;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(TraceFileTest, RoundTrip) {
  WriteSample();
  std::vector<TraceChunk> chunks;
  TraceHeader header;
  ASSERT_TRUE(ReadChunks(&chunks, &header).ok());
  EXPECT_EQ(header, HeaderAsRead());
  EXPECT_EQ(chunks, Chunks());
}

// A chunk read into the memory of a larger one holds exactly what was written
// (fewer cgroups, records and shorter strings than the one before).
TEST_F(TraceFileTest, ReadingIntoOneChunkGivesEachWhole) {
  WriteSample();
  std::vector<TraceChunk> chunks;
  ASSERT_TRUE(ReadChunks(&chunks, nullptr, /*reuse=*/true).ok());
  EXPECT_EQ(chunks, Chunks());
}

// Records read as views of the inflated chunk (the replay path) hold the same
// bytes, chunk after chunk, into a reused chunk or fresh ones.
TEST_F(TraceFileTest, RecordsReadAsViewsAreTheWrittenBytes) {
  WriteSample();
  for (bool reuse : {false, true}) {
    std::vector<TraceChunk> chunks;
    Status s = ReadChunks(&chunks, nullptr, reuse, /*views=*/true);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(chunks, Chunks()) << reuse;
  }
}

// Syscall records (syscall learning) are raw records like any other: a
// replayed trace decodes them as they were recorded.
TEST_F(TraceFileTest, SyscallRecordsReplay) {
  dw_syscall_event s{};
  s.h.ts_boot_ns = 1000;
  s.h.cgroup_id = 4242;
  s.h.pid = 300;
  s.h.tid = 300;
  s.h.kind = DW_EVENT_SYSCALL;
  s.h.size = sizeof(s);
  s.nr = 135;
  {
    auto w = TraceWriter::Create(path_, Header());
    ASSERT_TRUE(w.has_value()) << w.error().message();
    ASSERT_TRUE(
        (*w)->Append({reinterpret_cast<const uint8_t*>(&s), sizeof(s)}).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto source = TraceEventSource::Open(path_);
  ASSERT_TRUE(source.has_value()) << source.error().message();
  std::vector<Event> events;
  std::atomic<bool> stop{false};
  ASSERT_TRUE((*source)
                  ->Run(
                      [&](std::span<const uint8_t> r) {
                        auto e = Decode(r, (*source)->boot_to_unix_ns());
                        ASSERT_TRUE(e.has_value()) << e.error().message();
                        events.push_back(*e);
                      },
                      stop)
                  .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kSyscall);
  EXPECT_EQ(events[0].syscall_nr, 135u);
#if defined(__x86_64__)
  EXPECT_EQ(events[0].syscall, "personality");
#endif
  EXPECT_EQ(events[0].cgroup, CgroupId{4242});
}

TEST_F(TraceFileTest, ProcessesLearnedMidTraceRoundTrip) {
  auto w = TraceWriter::Create(path_, Header());
  ASSERT_TRUE(w.has_value()) << w.error().message();
  const ProcessSnapshot p{41, 40, 7, "/bin/bash", {"bash", "-c", "x"}};
  (*w)->AddProcess(p);
  ASSERT_TRUE((*w)->Append(Rec("r")).ok());
  ASSERT_TRUE((*w)->Close().ok());
  std::vector<TraceChunk> chunks;
  ASSERT_TRUE(ReadChunks(&chunks).ok());
  TraceChunk want;
  want.processes = {p};
  want.records = {"r"};
  EXPECT_EQ(chunks, std::vector<TraceChunk>{want});
}

// Packages, version 2: each chunk keeps those added before its records; a
// chunk of packages alone is written too.
TEST_F(TraceFileTest, PackagesRoundTrip) {
  auto w = TraceWriter::Create(path_, Header(), 1);
  ASSERT_TRUE(w.has_value()) << w.error().message();
  const PackagePrograms postfix{"postfix", {"/usr/lib/postfix/sbin/master", "/usr/sbin/postmap"}};
  const PackagePrograms redis{"redis", {"/usr/bin/redis-cli", "/usr/bin/redis-server"}};
  (*w)->AddPackage(postfix);
  ASSERT_TRUE((*w)->Append(Rec("r")).ok());
  (*w)->AddPackage(redis);
  ASSERT_TRUE((*w)->Close().ok());
  std::vector<TraceChunk> chunks;
  ASSERT_TRUE(ReadChunks(&chunks).ok());
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].packages, std::vector<PackagePrograms>{postfix});
  EXPECT_EQ(chunks[0].records, std::vector<std::string>{"r"});
  EXPECT_EQ(chunks[1].packages, std::vector<PackagePrograms>{redis});
  EXPECT_TRUE(chunks[1].records.empty());
  EXPECT_EQ(TraceReader::Open(path_).value()->format_version(), kTraceFormatVersion);
}

// A version 1 trace (before packages) still reads, as it was written; a
// version 1 writer refuses packages rather than dropping them.
TEST_F(TraceFileTest, VersionOneReadsWithoutPackages) {
  auto w = TraceWriter::Create(path_, Header(), 2, 1);
  ASSERT_TRUE(w.has_value()) << w.error().message();
  (*w)->AddCgroup(4242, "system.slice/postgresql.service");
  ASSERT_TRUE((*w)->Append(Rec("first\0record")).ok());
  ASSERT_TRUE((*w)->Append(Rec("second")).ok());
  ASSERT_TRUE((*w)->Close().ok());
  for (bool views : {false, true}) {
    std::vector<TraceChunk> chunks;
    ASSERT_TRUE(ReadChunks(&chunks, nullptr, false, views).ok());
    EXPECT_EQ(chunks, std::vector<TraceChunk>{Chunks()[0]});
  }
  EXPECT_EQ(TraceReader::Open(path_).value()->format_version(), 1u);

  auto v1 = TraceWriter::Create(path_, Header(), 2, 1);
  ASSERT_TRUE(v1.has_value());
  (*v1)->AddPackage({"postfix", {"/usr/sbin/postmap"}});
  Status s = (*v1)->Close();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "write trace " + path_ + ": format version 1 has no packages");
  EXPECT_EQ(TraceWriter::Create(path_, Header(), 2, kTraceFormatVersion + 1).error().code(),
            ErrorCode::kVersion);
}

// Which syscalls the records report round-trips in format 3, unknown
// included; a version 2 trace cannot say and reads as unknown.
TEST_F(TraceFileTest, SyscallWatchRoundTripsAndVersionTwoReadsAsUnknown) {
  for (std::optional<SyscallWatch> watch :
       {std::optional<SyscallWatch>(), std::optional(SyscallWatch::kNone), std::optional(SyscallWatch::kSentinels),
        std::optional(SyscallWatch::kAll)}) {
    TraceHeader h = Header();
    h.syscall_watch = watch;
    for (uint32_t format : {2u, 3u}) {
      auto w = TraceWriter::Create(path_, h, 2, format);
      ASSERT_TRUE(w.has_value()) << w.error().message();
      ASSERT_TRUE((*w)->Close().ok());
      auto r = TraceReader::Open(path_);
      ASSERT_TRUE(r.has_value()) << r.error().message();
      EXPECT_EQ((*r)->header().syscall_watch, format >= 3 ? watch : std::nullopt) << format;
    }
  }
}

// The processes' working directories round-trip in format 4, in the header
// and in chunks; format 3 cannot say and reads them as unknown.
TEST_F(TraceFileTest, ProcessWorkingDirectoriesRoundTripInVersionFour) {
  TraceHeader h = Header();
  h.processes[1].cwd = "/var/lib/postgresql";
  ProcessSnapshot later{400, 1, 4242, "/usr/bin/python3.11", {"python3", "app.py"}};
  later.cwd = "/app";
  for (uint32_t format : {3u, 4u}) {
    auto w = TraceWriter::Create(path_, h, 2, format);
    ASSERT_TRUE(w.has_value()) << w.error().message();
    (*w)->AddProcess(later);
    ASSERT_TRUE((*w)->Append(Rec("r")).ok());
    ASSERT_TRUE((*w)->Close().ok());
    auto r = TraceReader::Open(path_);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ((*r)->header().processes[0].cwd, "");
    EXPECT_EQ((*r)->header().processes[1].cwd, format >= 4 ? "/var/lib/postgresql" : "") << format;
    TraceChunk c;
    ASSERT_TRUE((*r)->Next(&c).value());
    ASSERT_EQ(c.processes.size(), 1u);
    EXPECT_EQ(c.processes[0].cwd, format >= 4 ? "/app" : "") << format;
    EXPECT_EQ(c.processes[0].argv, later.argv);
  }
}

TEST_F(TraceFileTest, FlushWritesDropsAloneAndNothingWhenIdle) {
  auto w = TraceWriter::Create(path_, Header());
  ASSERT_TRUE(w.has_value()) << w.error().message();
  ASSERT_TRUE((*w)->Flush().ok());  // nothing pending: no chunk
  (*w)->SetDropped(9);
  ASSERT_TRUE((*w)->Flush().ok());
  ASSERT_TRUE((*w)->Flush().ok());
  ASSERT_TRUE((*w)->Close().ok());
  ASSERT_TRUE((*w)->Close().ok());  // idempotent
  EXPECT_EQ((*w)->Append(Rec("late")).code(), ErrorCode::kInvalidArgument);

  std::vector<TraceChunk> chunks;
  ASSERT_TRUE(ReadChunks(&chunks).ok());
  EXPECT_EQ(chunks, (std::vector<TraceChunk>{{{}, {}, 9}}));
}

TEST_F(TraceFileTest, DestructorFlushes) {
  {
    auto w = TraceWriter::Create(path_, Header());
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->Append(Rec("kept")).ok());
  }
  std::vector<TraceChunk> chunks;
  ASSERT_TRUE(ReadChunks(&chunks).ok());
  EXPECT_EQ(chunks, (std::vector<TraceChunk>{{{}, {"kept"}, 0}}));
}

TEST_F(TraceFileTest, AppendRejectsOversizedRecord) {
  auto w = TraceWriter::Create(path_, Header());
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ((*w)->Append(Rec(std::string(DW_MAX_RECORD + 1, 'x'))).code(),
            ErrorCode::kInvalidArgument);
}

// Every prefix of a file reads as its complete frames and then either a clean
// end (the prefix ends on a frame boundary) or a truncation error.
TEST_F(TraceFileTest, EveryTruncationIsCleanOrCorrupt) {
  WriteSample();
  const std::string full = ReadAll();
  const std::vector<size_t> ends = FrameEnds(full);
  ASSERT_EQ(ends.size(), 4u);
  ASSERT_EQ(ends.back(), full.size());
  const std::vector<TraceChunk> all = Chunks();

  for (size_t len = 0; len < full.size(); ++len) {
    WriteAll(full.substr(0, len));
    std::vector<TraceChunk> chunks;
    Status s = ReadChunks(&chunks, nullptr, /*reuse=*/false, /*views=*/len % 2 == 1);
    if (len < ends[0]) {
      EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << len;
      EXPECT_TRUE(chunks.empty());
      continue;
    }
    size_t complete = 0;
    while (complete + 1 < ends.size() && ends[complete + 1] <= len) ++complete;
    EXPECT_EQ(chunks, std::vector<TraceChunk>(all.begin(), all.begin() + complete)) << len;
    if (len == ends[complete]) {
      EXPECT_TRUE(s.ok()) << len << ": " << s.message();
    } else {
      EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << len;
      EXPECT_EQ(s.message(), "read trace " + path_ + ": truncated frame at byte " +
                                 std::to_string(ends[complete]))
          << len;
    }
  }
}

TEST_F(TraceFileTest, TruncatedFileHeaderMessages) {
  WriteSample();
  const std::string full = ReadAll();
  WriteAll(full.substr(0, 12));
  EXPECT_EQ(TraceReader::Open(path_).error().message(),
            "read trace " + path_ + ": truncated file header at byte 0");
  WriteAll(full.substr(0, 16));
  EXPECT_EQ(TraceReader::Open(path_).error().message(),
            "read trace " + path_ + ": truncated file: no header frame at byte 16");
  WriteAll("");
  EXPECT_EQ(TraceReader::Open(path_).error().code(), ErrorCode::kCorrupt);
}

TEST_F(TraceFileTest, FlippedPayloadByteIsCrcError) {
  WriteSample();
  std::string bytes = ReadAll();
  const std::vector<size_t> ends = FrameEnds(bytes);
  bytes[ends[1] + 8 + 3] ^= 0x20;  // inside the second chunk's payload
  WriteAll(bytes);
  std::vector<TraceChunk> chunks;
  Status s = ReadChunks(&chunks);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_EQ(s.message(),
            "read trace " + path_ + ": crc mismatch in frame at byte " + std::to_string(ends[1]));
  EXPECT_EQ(chunks, std::vector<TraceChunk>(1, Chunks()[0]));
}

TEST_F(TraceFileTest, EverySingleByteFlipIsDetected) {
  WriteSample();
  const std::string full = ReadAll();
  for (size_t i = 0; i < full.size(); ++i) {
    std::string bytes = full;
    bytes[i] ^= 0x01;
    WriteAll(bytes);
    std::vector<TraceChunk> chunks;
    Status s = ReadChunks(&chunks);
    EXPECT_FALSE(s.ok()) << "flip at byte " << i << " went unnoticed";
  }
}

TEST_F(TraceFileTest, WrongMagic) {
  WriteSample();
  std::string bytes = ReadAll();
  bytes.replace(0, 8, "SQLite f");
  WriteAll(bytes);
  Status s = TraceReader::Open(path_).error();
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_EQ(s.message(), "read trace " + path_ + ": not a driftwatch trace (bad magic)");
  WriteAll("DWT");  // a prefix of the magic is a truncation, other bytes are not a trace
  EXPECT_EQ(TraceReader::Open(path_).error().message(),
            "read trace " + path_ + ": truncated file header at byte 0");
  WriteAll("{\"a\"");
  EXPECT_EQ(TraceReader::Open(path_).error().message(),
            "read trace " + path_ + ": not a driftwatch trace (bad magic)");
}

TEST_F(TraceFileTest, NewerVersionsAreRefused) {
  WriteSample();
  const std::string full = ReadAll();

  std::string bytes = full;
  PutU32(&bytes, 8, 9);
  WriteAll(bytes);
  Status s = TraceReader::Open(path_).error();
  EXPECT_EQ(s.code(), ErrorCode::kVersion);
  EXPECT_EQ(s.message(),
            "read trace " + path_ + ": trace format version 9 is newer than this driftwatch (4)");

  bytes = full;
  PutU32(&bytes, 12, DW_WIRE_VERSION + 1);
  WriteAll(bytes);
  s = TraceReader::Open(path_).error();
  EXPECT_EQ(s.code(), ErrorCode::kVersion);
  EXPECT_EQ(s.message(), "read trace " + path_ + ": trace wire version " +
                             std::to_string(DW_WIRE_VERSION + 1) +
                             " is newer than this driftwatch (" + std::to_string(DW_WIRE_VERSION) +
                             ")");

  bytes = full;
  PutU32(&bytes, 8, 0);
  WriteAll(bytes);
  EXPECT_EQ(TraceReader::Open(path_).error().code(), ErrorCode::kVersion);
}

TEST_F(TraceFileTest, OversizedFrameLengthIsRejected) {
  WriteSample();
  std::string bytes = ReadAll();
  const std::vector<size_t> ends = FrameEnds(bytes);
  PutU32(&bytes, ends[0], kMaxFramePayload + 1);
  WriteAll(bytes);
  std::vector<TraceChunk> chunks;
  Status s = ReadChunks(&chunks);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_EQ(s.message(), "read trace " + path_ + ": frame at byte " + std::to_string(ends[0]) +
                             " claims 67108865 bytes, more than the limit of 67108864");

  PutU32(&bytes, ends[0], kMaxFramePayload);  // allowed, but the file is short
  WriteAll(bytes);
  chunks.clear();
  s = ReadChunks(&chunks);
  EXPECT_EQ(s.message(),
            "read trace " + path_ + ": truncated frame at byte " + std::to_string(ends[0]));
}

// Frames with a correct crc around payloads cereal cannot parse.
TEST_F(TraceFileTest, MalformedPayloadsAreCorrupt) {
  WriteSample();
  const std::string full = ReadAll();
  const std::string prefix = full.substr(0, FrameEnds(full)[0]);

  // A record count of 2^40 in a 9-byte payload: must fail without allocating it.
  std::string huge_count(1, '\x01');  // cereal's endianness byte
  huge_count += std::string("\0\0\0\0\0\x01\0\0", 8);
  // A valid empty chunk (three zero counts, no drops, no packages, no
  // working directories) followed by stray bytes.
  std::string empty_chunk(1, '\x01');
  empty_chunk += std::string(48, '\0');

  struct Case {
    const char* what;
    std::string payload;
    const char* message_end;
  };
  const Case cases[] = {
      {"empty payload", "", ""},
      {"huge count", Compressed(huge_count), "length 1099511627776 overruns the 0 bytes left"},
      {"leftover bytes", Compressed(empty_chunk + "xy"), "2 bytes left over"},
      {"cut short", Compressed(empty_chunk.substr(0, 20)), ""},
      {"not deflated", std::string("\x10\0\0\0", 4) + empty_chunk, "frame does not decompress"},
      // The deflate data itself ends early (the zlib trailer and one byte more gone).
      {"deflate cut", Compressed(empty_chunk).substr(0, Compressed(empty_chunk).size() - 5),
       "frame does not decompress"},
      {"huge raw length", std::string("\xff\xff\xff\x7f", 4), "claims 2147483647 bytes"},
  };
  for (const Case& c : cases) {
    WriteAll(prefix + Frame(c.payload));
    std::vector<TraceChunk> chunks;
    Status s = ReadChunks(&chunks);
    EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << c.what;
    const std::string start =
        "read trace " + path_ + ": bad chunk at byte " + std::to_string(prefix.size()) + ": ";
    EXPECT_EQ(s.message().substr(0, start.size()), start) << c.what << ": " << s.message();
    EXPECT_TRUE(s.message().ends_with(c.message_end)) << c.what << ": " << s.message();
  }

  WriteAll(prefix + Frame(Compressed(empty_chunk)));  // without the stray bytes it is fine
  std::vector<TraceChunk> chunks;
  ASSERT_TRUE(ReadChunks(&chunks).ok());
  EXPECT_EQ(chunks, std::vector<TraceChunk>(1));
}

TEST_F(TraceFileTest, MissingFileIsNotFound) {
  Status s = TraceReader::Open(dir_ + "/absent.dwt").error();
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "open trace " + dir_ + "/absent.dwt: No such file or directory");
}

TEST_F(TraceFileTest, UncreatableFileIsAnError) {
  WriteAll("a regular file");
  const std::string under_file = path_ + "/t.dwt";  // its "directory" is a file
  Status s = TraceWriter::Create(under_file, Header()).error();
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), "create trace " + under_file + ": Not a directory");

  const std::string missing_dir = dir_ + "/no/such/dir/t.dwt";
  s = TraceWriter::Create(missing_dir, Header()).error();
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "create trace " + missing_dir + ": No such file or directory");

  // Permission bits stop everyone but root.
  const std::string locked = dir_ + "/locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  auto w = TraceWriter::Create(locked + "/t.dwt", Header());
  if (geteuid() != 0) {
    EXPECT_EQ(w.error().code(), ErrorCode::kPermissionDenied);
  }
}

TEST_F(TraceFileTest, FullDiskIsAnIoError) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  Status s = TraceWriter::Create("/dev/full", Header()).error();
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), "write trace /dev/full: No space left on device");
}

}  // namespace
}  // namespace dw::collector
