// collector/testing/trace_reader_fuzz.cc: libFuzzer target for TraceReader:
// the input becomes a trace file, every chunk is read and every record decoded.
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "collector/decode.h"
#include "collector/trace_file.h"

namespace {

// An in-memory file (the reader wants a path): a disk file rewritten per input
// runs at a few hundred inputs a second, bound by writeback.
const std::string& TracePath(int* fd_out) {
  static int fd = memfd_create("dw-trace-fuzz", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0) std::abort();
  *fd_out = fd;
  return path;
}

uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// The input's frames hold raw cereal payloads; each complete one is written
// compressed and with a matching crc, so mutations reach the payload parser
// instead of stopping at the checksum or the inflater (the unit tests cover
// those). A trailing partial frame is kept as it is.
std::string WrapFrames(const std::string& in) {
  if (in.size() < 16) return in;
  std::string out = in.substr(0, 16);
  size_t pos = 16;
  while (pos + 8 <= in.size()) {
    const uint32_t len = GetU32(reinterpret_cast<const uint8_t*>(in.data()) + pos);
    if (len > in.size() - pos - 8) break;
    const std::string raw = in.substr(pos + 8, len);
    uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
    std::string payload;
    PutU32(&payload, static_cast<uint32_t>(raw.size()));
    payload.resize(4 + zlen);
    compress2(reinterpret_cast<Bytef*>(payload.data() + 4), &zlen,
              reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 1);
    payload.resize(4 + zlen);
    PutU32(&out, static_cast<uint32_t>(payload.size()));
    PutU32(&out, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(payload.data()),
                                             static_cast<uInt>(payload.size()))));
    out += payload;
    pos += 8 + len;
  }
  return out + in.substr(pos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = -1;
  const std::string& path = TracePath(&fd);
  const std::string file = WrapFrames(std::string(reinterpret_cast<const char*>(data), size));
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, file.data(), file.size(), 0) != static_cast<ssize_t>(file.size())) {
    std::abort();
  }

  auto reader = dw::collector::TraceReader::Open(path);
  if (!reader.has_value()) return 0;
  const int64_t offset = (*reader)->header().boot_to_unix_ns;
  dw::collector::TraceChunk chunk;
  while (true) {
    dw::Result<bool> got = (*reader)->Next(&chunk);
    if (!got.has_value() || !*got) break;
    for (const std::string& r : chunk.records) {
      std::span<const uint8_t> record(reinterpret_cast<const uint8_t*>(r.data()), r.size());
      (void)dw::collector::Decode(record, offset);
    }
  }
  return 0;
}
