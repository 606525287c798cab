// store/fingerprint_codec_test.cc: fingerprint blobs round-trip, and damaged
// blobs are refused with kCorrupt or kVersion, never a crash.
#include "store/fingerprint_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "store/testing/sample_fingerprint.h"

namespace dw::store {
namespace {

using testing::SampleFingerprint;

// Offset of the u32 format version in a blob: after cereal's endianness byte.
constexpr size_t kVersionOffset = 1;

void PutU32(std::string* blob, size_t offset, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*blob)[offset + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// An empty fingerprint of workload "w" whose byte at `offset` (expected
// `was`) is set to `bad` decodes as kCorrupt, saying `what`.
void ExpectCorruptByte(size_t offset, char was, char bad, const std::string& what) {
  model::Fingerprint empty;
  empty.workload = "w";
  std::string blob = EncodeFingerprint(empty);
  ASSERT_EQ(blob[offset], was);
  blob[offset] = bad;
  Result<model::Fingerprint> r = DecodeFingerprint(blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
}

// `fp` round-trips in the current format; returns it decoded from `older`.
model::Fingerprint RoundTripsAndDecodesAs(const model::Fingerprint& fp, uint32_t older) {
  Result<model::Fingerprint> back = DecodeFingerprint(EncodeFingerprint(fp));
  EXPECT_TRUE(back) << back.error().message();
  if (back) {
    EXPECT_EQ(*back, fp);
  }
  Result<model::Fingerprint> old = DecodeFingerprint(EncodeFingerprintAs(fp, older));
  EXPECT_TRUE(old) << old.error().message();
  return old ? *old : model::Fingerprint{};
}

// Where the fields after the workload begin in ExpectCorruptByte's blob:
// header 5, workload "w" 4+1, empty node and arch 4+4.
constexpr size_t kAfterArch = 5 + 5 + 8;

TEST(FingerprintCodecTest, RoundTripsWholeValue) {
  model::Fingerprint fp = SampleFingerprint("web", 3);
  std::string blob = EncodeFingerprint(fp);
  Result<model::Fingerprint> back = DecodeFingerprint(blob);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, fp);
}

TEST(FingerprintCodecTest, RoundTripsEmptyFingerprint) {
  model::Fingerprint fp;
  std::string blob = EncodeFingerprint(fp);
  // endian + version + workload, node and arch lengths + syscall watch +
  // lineage_by_exe + 4 map counts + 4 later map counts + rates (8 + 8 + 3
  // vector lengths) + training (8+8+8+8+4).
  EXPECT_EQ(blob.size(), 1u + 4 + 3 * 4 + 1 + 1 + 4 * 4 + 4 * 4 + (8 + 8 + 3 * 4) + 36);
  Result<model::Fingerprint> back = DecodeFingerprint(blob);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, fp);
}

TEST(FingerprintCodecTest, EncodingIsDeterministicAndLittleEndian) {
  std::string a = EncodeFingerprint(SampleFingerprint("db", 1));
  EXPECT_EQ(a, EncodeFingerprint(SampleFingerprint("db", 1)));
  EXPECT_NE(a, EncodeFingerprint(SampleFingerprint("db", 2)));
  ASSERT_GE(a.size(), 5u);
  EXPECT_EQ(a.substr(0, 5), std::string("\x01\x06\x00\x00\x00", 5));
}

// Which syscalls training watched round-trips; a format 3 blob could not
// say, and loads as kAll (read as kNone while no syscall is learned); an
// unknown value is corrupt.
TEST(FingerprintCodecTest, SyscallWatchRoundTripsAndOlderBlobsReadAsAll) {
  for (model::SyscallWatch w : {model::SyscallWatch::kNone, model::SyscallWatch::kSentinels,
                                model::SyscallWatch::kAll}) {
    model::Fingerprint fp = SampleFingerprint("web", 2);
    fp.syscall_watch = w;
    model::Fingerprint v3 = RoundTripsAndDecodesAs(fp, 3);
    EXPECT_EQ(v3.syscall_watch, model::SyscallWatch::kAll);
    EXPECT_EQ(v3.syscalls, fp.syscalls);
  }
  ExpectCorruptByte(kAfterArch, static_cast<char>(model::SyscallWatch::kAll), 7, "unknown syscall watch 7");
}

// Whether the lineage named interpreters by their binary round-trips; every
// blob before format 5 did; any other byte than 0 or 1 is corrupt.
TEST(FingerprintCodecTest, LineageByExeRoundTripsAndOlderBlobsHaveIt) {
  for (bool by_exe : {false, true}) {
    model::Fingerprint fp = SampleFingerprint("web", 2);
    fp.lineage_by_exe = by_exe;
    model::Fingerprint v4 = RoundTripsAndDecodesAs(fp, 4);
    EXPECT_TRUE(v4.lineage_by_exe);
    EXPECT_EQ(v4.lineage, fp.lineage);
    // Format 5 named a relative script's interpreter by its binary.
    Result<model::Fingerprint> v5 = DecodeFingerprint(EncodeFingerprintAs(fp, 5));
    ASSERT_TRUE(v5) << v5.error().message();
    EXPECT_TRUE(v5->lineage_by_exe);
  }
  ExpectCorruptByte(kAfterArch + 1, 0, 2, "bad lineage_by_exe 2");
}

// Older blobs still load, with what their version could not hold empty.
TEST(FingerprintCodecTest, OlderFormatsLoadWithTheirMissingPartsEmpty) {
  model::Fingerprint fp = SampleFingerprint("web", 1);
  model::Fingerprint v2 = fp;
  v2.node.clear();
  v2.syscall_arch.clear();
  v2.syscalls.clear();
  for (auto* m : {&v2.executables, &v2.files, &v2.dns_names, &v2.lineage}) {
    for (auto& [k, st] : *m) st.nodes = 1;
  }
  for (auto& [k, st] : v2.network) st.nodes = 1;
  for (auto& [k, g] : v2.file_patterns) g.stats.nodes = 1;
  for (auto& [k, g] : v2.net_patterns) g.stats.nodes = 1;
  v2.rates = {};  // 7 dimensions then: learning starts over
  v2.lineage_by_exe = true;  // before format 5
  Result<model::Fingerprint> r2 = DecodeFingerprint(EncodeFingerprintAs(fp, 2));
  ASSERT_TRUE(r2) << r2.error().message();
  EXPECT_EQ(*r2, v2);

  model::Fingerprint v1 = v2;
  v1.lineage.clear();
  v1.file_patterns.clear();
  v1.net_patterns.clear();
  v1.rates = {};
  std::string blob1 = EncodeFingerprintAs(fp, 1);
  EXPECT_EQ(blob1.substr(0, 5), std::string("\x01\x01\x00\x00\x00", 5));
  Result<model::Fingerprint> r1 = DecodeFingerprint(blob1);
  ASSERT_TRUE(r1) << r1.error().message();
  EXPECT_EQ(*r1, v1);
}

TEST(FingerprintCodecTest, EveryTruncationIsCorrupt) {
  std::string blob = EncodeFingerprint(SampleFingerprint("web", 1));
  for (size_t n = 0; n < blob.size(); ++n) {
    Result<model::Fingerprint> r = DecodeFingerprint(std::string_view(blob).substr(0, n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << n << ": " << r.error().message();
  }
}

TEST(FingerprintCodecTest, TrailingBytesAreCorrupt) {
  std::string blob = EncodeFingerprint(SampleFingerprint("web", 1)) + "x";
  Result<model::Fingerprint> r = DecodeFingerprint(blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(r.error().message(), "decode fingerprint: 1 trailing bytes at byte " +
                                     std::to_string(blob.size() - 1) + " of " +
                                     std::to_string(blob.size()));
}

TEST(FingerprintCodecTest, NewerFormatIsVersionError) {
  std::string blob = EncodeFingerprint(SampleFingerprint("web", 1));
  PutU32(&blob, kVersionOffset, model::kFingerprintFormatVersion + 1);
  Result<model::Fingerprint> r = DecodeFingerprint(blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kVersion);
  EXPECT_EQ(r.error().message(),
            "decode fingerprint: format version " +
                std::to_string(model::kFingerprintFormatVersion + 1) +
                " is newer than this driftwatch supports (" +
                std::to_string(model::kFingerprintFormatVersion) + ")");
}

TEST(FingerprintCodecTest, VersionZeroAndBadEndianByteAreCorrupt) {
  std::string blob = EncodeFingerprint(SampleFingerprint("web", 1));
  std::string zero = blob;
  PutU32(&zero, kVersionOffset, 0);
  EXPECT_EQ(DecodeFingerprint(zero).error().code(), ErrorCode::kCorrupt);
  std::string endian = blob;
  endian[0] = 0x37;
  EXPECT_EQ(DecodeFingerprint(endian).error().message(), "decode fingerprint: bad endianness byte");
}

TEST(FingerprintCodecTest, HugeLengthIsRefusedWithoutAllocating) {
  model::Fingerprint fp;
  fp.workload = "w";
  std::string blob = EncodeFingerprint(fp);
  PutU32(&blob, 5, 0xffffffffu);  // the workload name's length
  Result<model::Fingerprint> r = DecodeFingerprint(blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "decode fingerprint: truncated at byte 9 of " +
                                     std::to_string(blob.size()));
}

TEST(FingerprintCodecTest, UnsortedKeysAreCorrupt) {
  model::Fingerprint fp;
  fp.executables["/bin/a"] = {};
  fp.executables["/bin/b"] = {};
  std::string blob = EncodeFingerprint(fp);
  size_t a = blob.find("/bin/a");
  size_t b = blob.find("/bin/b");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  std::swap(blob[a + 5], blob[b + 5]);
  Result<model::Fingerprint> r = DecodeFingerprint(blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message().find("keys out of order"), std::string::npos)
      << r.error().message();

  // Duplicates are out of order too.
  blob[b + 5] = blob[a + 5];
  EXPECT_EQ(DecodeFingerprint(blob).error().code(), ErrorCode::kCorrupt);
}

TEST(FingerprintCodecTest, UnknownDirectionIsCorrupt) {
  model::Fingerprint fp;
  fp.workload = "w";
  fp.network[{model::Direction::kOutbound, 6, "10.0.0.1", 80}] = {};
  std::string blob = EncodeFingerprint(fp);
  // header 5, workload 4+1, empty node and arch 4+4, syscall watch 1,
  // lineage_by_exe 1, executables count 4, files count 4, network count 4.
  constexpr size_t kDirection = 5 + 5 + 8 + 1 + 1 + 4 + 4 + 4;
  ASSERT_EQ(blob[kDirection], static_cast<char>(model::Direction::kOutbound));
  blob[kDirection] = 9;
  Result<model::Fingerprint> r = DecodeFingerprint(blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "decode fingerprint: unknown network direction 9 at byte " +
                                     std::to_string(kDirection + 1) + " of " +
                                     std::to_string(blob.size()));
}

// Random bytes and random damage to a valid blob: never a crash, and anything
// that does decode is the canonical encoding of what it decoded to.
TEST(FingerprintCodecTest, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  std::string valid = EncodeFingerprint(SampleFingerprint("web", 1));
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string blob;
    if (i % 2 == 0) {
      blob.resize(rng() % 200);
      for (char& c : blob) c = static_cast<char>(rng());
    } else {
      blob = valid;
      for (int flips = 1 + rng() % 4; flips > 0; --flips) {
        blob[rng() % blob.size()] = static_cast<char>(rng());
      }
    }
    Result<model::Fingerprint> r = DecodeFingerprint(blob);
    if (r) {
      ++decoded;
      if (blob[0] == 1) {
        EXPECT_EQ(EncodeFingerprint(*r), blob);
      }
    } else {
      EXPECT_TRUE(r.error().code() == ErrorCode::kCorrupt ||
                  r.error().code() == ErrorCode::kVersion)
          << r.error().message();
    }
  }
  // Flips inside counts or timestamps still decode; the check above held for them.
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace dw::store
