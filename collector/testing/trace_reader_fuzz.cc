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

// Gives every complete frame a matching crc, so mutations reach the payload
// parser instead of stopping at the checksum (which the unit tests cover).
void FixCrcs(std::string* file) {
  size_t pos = 16;
  while (pos + 8 <= file->size()) {
    const auto* p = reinterpret_cast<const uint8_t*>(file->data()) + pos;
    const uint32_t len = GetU32(p);
    if (len > file->size() - pos - 8) break;
    const uint32_t crc = static_cast<uint32_t>(crc32(0, p + 8, len));
    for (int i = 0; i < 4; ++i) (*file)[pos + 4 + i] = static_cast<char>(crc >> (8 * i));
    pos += 8 + len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = -1;
  const std::string& path = TracePath(&fd);
  std::string file(reinterpret_cast<const char*>(data), size);
  FixCrcs(&file);
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
