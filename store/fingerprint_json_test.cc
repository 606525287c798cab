// store/fingerprint_json_test.cc: the fingerprint JSON schema round-trips
// exactly, and malformed JSON gives one clear line instead of a crash.
#include "store/fingerprint_json.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "collector/trace_source.h"
#include "profiler/profiler.h"
#include "collector/pipeline.h"
#include "store/testing/sample_fingerprint.h"

namespace dw::store {
namespace {

using nlohmann::json;
using testing::SampleFingerprint;

model::Fingerprint RoundTrip(const model::Fingerprint& fp) {
  Result<model::Fingerprint> back = FingerprintFromJson(FingerprintJson(fp));
  EXPECT_TRUE(back) << back.error().message();
  return back ? *back : model::Fingerprint();
}

TEST(FingerprintJsonTest, SampleFingerprintsRoundTrip) {
  for (int seed = 0; seed < 5; ++seed) {
    model::Fingerprint fp = SampleFingerprint("shop/web", seed);
    EXPECT_EQ(RoundTrip(fp), fp) << FingerprintJson(fp);
  }
  model::Fingerprint empty;
  EXPECT_EQ(RoundTrip(empty), empty);
}

// Which syscalls training watched round-trips by name; an export from
// before the field (format_version 3) has none and reads as "all".
TEST(FingerprintJsonTest, SyscallWatchRoundTripsAndOlderExportsReadAsAll) {
  model::Fingerprint fp = SampleFingerprint("w", 1);
  fp.syscall_watch = model::SyscallWatch::kSentinels;
  EXPECT_EQ(json::parse(FingerprintJson(fp))["syscall_watch"], "sentinels");
  EXPECT_EQ(RoundTrip(fp), fp);
  json old = json::parse(FingerprintJson(fp));
  old.erase("syscall_watch");
  old["format_version"] = 3;
  Result<model::Fingerprint> back = FingerprintFromJson(old.dump());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->syscall_watch, model::SyscallWatch::kAll);
  EXPECT_EQ(back->syscalls, fp.syscalls);
  // Exported again it keeps its version and gains the field: it reads back.
  Result<model::Fingerprint> again = FingerprintFromJson(FingerprintJson(*back));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, *back);
}

// A lineage that names interpreters by their binary is said only when so;
// an export from before format 5 did, whatever it says.
TEST(FingerprintJsonTest, LineageByExecutableRoundTripsAndOlderExportsHaveIt) {
  model::Fingerprint fp = SampleFingerprint("w", 1);
  EXPECT_FALSE(json::parse(FingerprintJson(fp)).contains("lineage_by_executable"));
  fp.lineage_by_exe = true;
  EXPECT_EQ(json::parse(FingerprintJson(fp))["lineage_by_executable"], true);
  EXPECT_EQ(RoundTrip(fp), fp);
  fp.lineage_by_exe = false;
  json old = json::parse(FingerprintJson(fp));
  old["format_version"] = 4;
  Result<model::Fingerprint> back = FingerprintFromJson(old.dump());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(back->lineage_by_exe);
  old["format_version"] = 5;  // relative scripts' interpreters by their binary, whatever it says
  old["lineage_by_executable"] = false;
  back = FingerprintFromJson(old.dump());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(back->lineage_by_exe);
  old["lineage_by_executable"] = "yes";
  back = FingerprintFromJson(old.dump());
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().message(), "fingerprint JSON: lineage_by_executable: not true or false");
}

TEST(FingerprintJsonTest, ExactNanosecondsAndDoublesRoundTrip) {
  model::Fingerprint fp = SampleFingerprint("w", 1);
  fp.training.first_event_ns = -1;  // before the epoch
  fp.training.last_event_ns = std::numeric_limits<int64_t>::max();
  fp.executables["/x"].first_seen_ns = std::numeric_limits<int64_t>::min();
  fp.executables["/x"].count = std::numeric_limits<uint64_t>::max();
  fp.rates.bucket_ns = 1'234'567'891;
  fp.rates.mean = {0.1, 1.0 / 3.0, 1e-300, 6.02e23, -0.0, 2.5, 123456789.123456789};
  fp.network[{model::Direction::kOutbound, 132, "10.0.0.1", 9}] = fp.executables["/x"];
  EXPECT_EQ(RoundTrip(fp), fp);
}

TEST(FingerprintJsonTest, DocumentedFieldsAreThere) {
  json j = json::parse(FingerprintJson(SampleFingerprint("shop/web", 1)));
  EXPECT_EQ(j["schema"], "driftwatch.fingerprint/v1");
  EXPECT_EQ(j["node"], "node-1");
  EXPECT_EQ(j["syscall_arch"], "x86_64");
  EXPECT_EQ(j["files"][0]["path"], "/etc/shop/web.conf");
  EXPECT_EQ(j["files"][0]["access"], json({"read"}));
  EXPECT_EQ(j["files"][0]["nodes"], 2);
  EXPECT_EQ(j["files"][0]["first_seen"], Rfc3339(1'700'000'001'000'000'001));
  EXPECT_EQ(j["network"][0]["protocol"], "tcp");
  EXPECT_EQ(j["rates"]["bucket_seconds"], 10.0);
  EXPECT_EQ(j["rates"]["m2"].size(), model::kRateDims * model::kRateDims);
}

TEST(FingerprintJsonTest, TrainedFingerprintsRoundTrip) {
  for (const char* name : {"nginx", "postgresql", "redis"}) {
    SCOPED_TRACE(name);
    auto source = collector::TraceEventSource::Open(std::string(DW_TESTDATA_DIR) + "/" + name + "/train.dwt");
    ASSERT_TRUE(source) << source.error().message();
    profiler::Profiler profiler;
    profiler.SetNode((*source)->header().hostname);
    // The collector's pipeline as tools/drive.h runs it, without the runtime
    // context (the store does not depend on tools/).
    collector::EventSource& src = **source;
    collector::Pipeline pipeline(&src.cgroups(), src.boot_to_unix_ns(), src.initial_processes(),
                                 [&](uint32_t pid) { return src.LookupProcess(pid); });
    pipeline.set_wire_version(src.wire_version());
    std::atomic<bool> stop{false};
    ASSERT_TRUE(src.Run(
                       [&](std::span<const uint8_t> record) {
                         if (Result<Event> e = pipeline.Process(record)) profiler.Observe(*e);
                       },
                       stop)
                    .ok());
    auto fps = profiler.TakeDirty();
    ASSERT_FALSE(fps.empty());
    for (const auto& fp : fps) {
      EXPECT_FALSE(fp.node.empty());
      EXPECT_EQ(RoundTrip(fp), fp) << fp.workload;
    }
  }
}

TEST(FingerprintJsonTest, SourceObjectIsIgnored) {
  json j = json::parse(FingerprintJson(SampleFingerprint("w", 2)));
  j["source"] = {{"workload", "w"}, {"version", 3}, {"db", "/var/lib/driftwatch.db"}};
  auto fp = FingerprintFromJson(j.dump());
  ASSERT_TRUE(fp) << fp.error().message();
  EXPECT_EQ(*fp, SampleFingerprint("w", 2));
}

struct Bad {
  std::string name;
  std::function<void(json*)> edit;
  ErrorCode code;
  std::string message;
};

TEST(FingerprintJsonTest, MalformedJsonIsOneClearLine) {
  const json good = json::parse(FingerprintJson(SampleFingerprint("w", 1)));
  const std::vector<Bad> cases = {
      {"no schema", [](json* j) { j->erase("schema"); }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: schema: missing; want \"driftwatch.fingerprint/v1\""},
      {"newer schema", [](json* j) { (*j)["schema"] = "driftwatch.fingerprint/v2"; }, ErrorCode::kVersion,
       "fingerprint JSON: schema 'driftwatch.fingerprint/v2' is newer than this driftwatch reads "
       "(driftwatch.fingerprint/v1)"},
      {"other schema", [](json* j) { (*j)["schema"] = "k8s/v1"; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: schema: 'k8s/v1' is not driftwatch.fingerprint/v1"},
      {"newer format", [](json* j) { (*j)["format_version"] = 99; }, ErrorCode::kVersion,
       "fingerprint JSON: format_version 99 is newer than this driftwatch reads (6)"},
      {"bad syscall watch", [](json* j) { (*j)["syscall_watch"] = "some"; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: syscall_watch: 'some' is not all, sentinels or none"},
      {"missing syscall watch", [](json* j) { j->erase("syscall_watch"); }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: top level: missing field 'syscall_watch'"},
      {"unknown field", [](json* j) { (*j)["extra"] = 1; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: top level: unknown field 'extra'"},
      {"missing field", [](json* j) { j->erase("node"); }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: top level: missing field 'node'"},
      {"source not an object", [](json* j) { (*j)["source"] = 1; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: top level.source: want an object"},
      {"wrong type", [](json* j) { (*j)["files"][1]["count"] = "7"; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: files[1].count: want a non-negative integer, not string"},
      {"negative count", [](json* j) { (*j)["executables"][0]["count"] = -1; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: executables[0].count: want a non-negative integer, not -1"},
      {"fractional count", [](json* j) { (*j)["executables"][0]["count"] = 1.5; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: executables[0].count: want a non-negative integer, not 1.5"},
      {"unknown direction", [](json* j) { (*j)["network"][0]["direction"] = "sideways"; },
       ErrorCode::kInvalidArgument,
       "fingerprint JSON: network[0].direction: unknown direction 'sideways' (want outbound, inbound, "
       "listen or dns)"},
      {"port too big", [](json* j) { (*j)["network"][0]["port"] = 70000; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: network[0].port: 70000 is above 65535"},
      {"bad protocol", [](json* j) { (*j)["network"][0]["protocol"] = "sctp"; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: network[0].protocol: unknown protocol 'sctp' (want tcp, udp or 0..255)"},
      {"bad access", [](json* j) { (*j)["files"][0]["access"] = {"exec"}; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: files[0].access[0]: unknown access 'exec' (want read, write, create or connect)"},
      {"bad time", [](json* j) { (*j)["training"]["first_event"] = "2023-11-14T22:13:20Z"; },
       ErrorCode::kInvalidArgument,
       "fingerprint JSON: training.first_event: '2023-11-14T22:13:20Z' is not a time like "
       "2023-11-14T22:13:20.123456789Z"},
      {"february 30", [](json* j) { (*j)["training"]["last_event"] = "2023-02-30T00:00:00.000000000Z"; },
       ErrorCode::kInvalidArgument,
       "fingerprint JSON: training.last_event: '2023-02-30T00:00:00.000000000Z' is not a time like "
       "2023-11-14T22:13:20.123456789Z"},
      {"duplicate", [](json* j) { (*j)["executables"][1] = (*j)["executables"][0]; },
       ErrorCode::kInvalidArgument, "fingerprint JSON: executables[1]: duplicate path '/bin/sh'"},
      {"too many examples", [](json* j) { (*j)["file_patterns"][0]["examples"] = json(std::vector<std::string>(9, "x")); },
       ErrorCode::kInvalidArgument, "fingerprint JSON: file_patterns[0].examples: more than 8 examples"},
      {"rates not a list", [](json* j) { (*j)["rates"]["mean"] = 1; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: rates.mean: want a list, not number"},
      {"too many m2", [](json* j) { (*j)["rates"]["m2"].push_back(1.0); }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: rates.m2: more than 64 values"},
      {"list not list", [](json* j) { (*j)["syscalls"] = json::object(); }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: syscalls: want a list, not object"},
      {"item not object", [](json* j) { (*j)["dns_names"][0] = 3; }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: dns_names[0]: want an object, not number"},
      {"top not object", [](json* j) { *j = json::array(); }, ErrorCode::kInvalidArgument,
       "fingerprint JSON: top level: want an object, not array"},
  };
  for (const Bad& c : cases) {
    json j = good;
    c.edit(&j);
    auto fp = FingerprintFromJson(j.dump());
    ASSERT_FALSE(fp) << c.name;
    EXPECT_EQ(fp.error().code(), c.code) << c.name;
    EXPECT_EQ(fp.error().message(), c.message) << c.name;
  }
}

TEST(FingerprintJsonTest, TruncatedAndGarbageInputNeverCrash) {
  const std::string text = FingerprintJson(SampleFingerprint("w", 1));
  for (size_t n = 0; n < text.size(); n += 7) {
    auto fp = FingerprintFromJson(std::string_view(text).substr(0, n));
    ASSERT_FALSE(fp) << n;
    EXPECT_EQ(fp.error().message().find('\n'), std::string::npos);
    EXPECT_EQ(fp.error().message().rfind("fingerprint JSON: ", 0), 0u) << fp.error().message();
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = text;
    for (int k = 0; k < 3; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng() & 0xff);
    auto fp = FingerprintFromJson(mutated);  // either parses or says why; never crashes
    if (!fp) {
      EXPECT_EQ(fp.error().message().find('\n'), std::string::npos);
    }
  }
  EXPECT_FALSE(FingerprintFromJson(std::string(100000, '[')));
}

TEST(FingerprintJsonTest, ParseRfc3339) {
  EXPECT_EQ(*ParseRfc3339("2023-11-14T22:13:20.123456789Z"), 1700000000123456789);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.000000000Z"), 0);
  EXPECT_EQ(*ParseRfc3339("2024-02-29T00:00:00.000000000Z"), 1709164800000000000);
  EXPECT_FALSE(ParseRfc3339("2023-02-29T00:00:00.000000000Z"));
  EXPECT_FALSE(ParseRfc3339("2023-11-14 22:13:20.123456789Z"));
  EXPECT_FALSE(ParseRfc3339("9999-11-14T22:13:20.123456789Z"));
}

}  // namespace
}  // namespace dw::store
