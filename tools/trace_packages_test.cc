// tools/trace_packages_test.cc: packages recorded with a trace, added to an
// old one (trace_packages.h) and answering for a replay
// (packages.h RecordedPackageOracle), against a dpkg database laid out in a
// temporary root.
#include "tools/trace_packages.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collector/testing/records.h"
#include "collector/testing/temp_dir.h"
#include "collector/trace_file.h"
#include "collector/trace_source.h"
#include "tools/packages.h"

namespace dw::tools {
namespace {

using collector::PackagePrograms;
using collector::testing::TempDir;
using collector::testing::WriteFile;

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class TracePackagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    WriteFile(root_.File("var/lib/dpkg/status"),
              "Package: postfix\nStatus: install ok installed\nPriority: optional\n\n"
              "Package: coreutils\nStatus: install ok installed\nPriority: required\n");
    WriteFile(root_.File("var/lib/dpkg/info/postfix.list"),
              "/usr\n/usr/sbin\n/usr/sbin/postmap\n/usr/lib/postfix/sbin/master\n/usr/share/doc/postfix/README\n");
    WriteFile(root_.File("var/lib/dpkg/info/coreutils.list"), "/usr/bin/date\n");
    for (const char* program : {"usr/sbin/postmap", "usr/lib/postfix/sbin/master", "usr/bin/date"}) {
      WriteFile(root_.File(program), "\x7f" "ELF");
      ASSERT_EQ(::chmod(root_.File(program).c_str(), 0755), 0);
    }
    WriteFile(root_.File("usr/share/doc/postfix/README"), "not a program");
  }

  // A version 1 trace: date in its snapshot (the base system), then execs
  // of postmap and date.
  std::string OldTrace() {
    const std::string path = root_.File("old.dwt");
    collector::TraceHeader h;
    h.processes = {{10, 1, 7, "/usr/bin/date", {"date"}}};
    auto w = collector::TraceWriter::Create(path, h, 4096, 1);
    EXPECT_TRUE(w.has_value());
    if (!w) return path;
    (*w)->AddCgroup(7, "dw/postfix");
    collector::testing::Who who;
    who.cgroup_id = 7;
    who.pid = 11;
    who.ppid = 10;
    records_ = {collector::testing::ExecRecord(who, "/usr/sbin/postmap", {"postmap", "hash:aliases"}),
                collector::testing::ExecRecord(who, "/usr/bin/date", {"date"})};
    for (const std::string& r : records_) EXPECT_TRUE((*w)->Append(Span(r)).ok());
    EXPECT_TRUE((*w)->Close().ok());
    return path;
  }

  TempDir root_{"dw-trace-packages"};
  std::vector<std::string> records_;
};

TEST_F(TracePackagesTest, AnOldTraceGetsThePackagesOfItsProgramsAndKeepsEverythingElse) {
  const std::string in = OldTrace();
  const std::string out = root_.File("new.dwt");
  Result<size_t> added = AddRecordedPackages(in, out, root_.path());
  ASSERT_TRUE(added.has_value()) << added.error().message();
  EXPECT_EQ(*added, 1u) << "postfix; date is the base system's";

  auto reader = collector::TraceReader::Open(out);
  ASSERT_TRUE(reader.has_value()) << reader.error().message();
  EXPECT_EQ((*reader)->format_version(), collector::kTraceFormatVersion);
  EXPECT_EQ((*reader)->header().wire_version, static_cast<uint32_t>(DW_WIRE_VERSION));
  EXPECT_EQ((*reader)->header().processes.size(), 1u);
  collector::TraceChunk chunk;
  ASSERT_TRUE((*reader)->Next(&chunk).value());
  EXPECT_EQ(chunk.packages, (std::vector<PackagePrograms>{
                                {"postfix", {"/usr/lib/postfix/sbin/master", "/usr/sbin/postmap"}}}));
  EXPECT_EQ(chunk.records, records_);
  EXPECT_EQ(chunk.cgroups, (std::vector<std::pair<uint64_t, std::string>>{{7, "dw/postfix"}}));
  EXPECT_FALSE((*reader)->Next(&chunk).value());

  // Again, in place: nothing more to add, and the packages stay.
  added = AddRecordedPackages(out, out, root_.path());
  ASSERT_TRUE(added.has_value()) << added.error().message();
  EXPECT_EQ(*added, 0u);
  reader = collector::TraceReader::Open(out);
  ASSERT_TRUE(reader.has_value());
  ASSERT_TRUE((*reader)->Next(&chunk).value());
  EXPECT_EQ(chunk.packages.size(), 1u);

  // The records keep the wire version they were written in.
  const std::string wire1 = root_.File("wire1.dwt");
  ASSERT_TRUE(collector::TraceWriter::Create(wire1, {}, 4096, 1, 1).value()->Close().ok());
  ASSERT_TRUE(AddRecordedPackages(wire1, wire1, root_.path()).has_value());
  EXPECT_EQ(collector::TraceReader::Open(wire1).value()->header().wire_version, 1u);
}

// A package recorded without programs (the recorder lost the race with a
// short-lived tool's exit) is asked again; the answer comes first, so the
// replay's oracle knows the programs.
TEST_F(TracePackagesTest, APackageRecordedWithoutProgramsIsAskedAgain) {
  const std::string path = root_.File("empty.dwt");
  {
    auto w = collector::TraceWriter::Create(path, {}, 4096);
    ASSERT_TRUE(w.has_value());
    (*w)->AddCgroup(7, "dw/postfix");
    (*w)->AddPackage({"postfix", {}});
    collector::testing::Who who;
    who.cgroup_id = 7;
    who.pid = 11;
    ASSERT_TRUE((*w)->Append(Span(collector::testing::ExecRecord(who, "/usr/sbin/postmap", {"postmap"}))).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  Result<size_t> added = AddRecordedPackages(path, path, root_.path());
  ASSERT_TRUE(added.has_value()) << added.error().message();
  EXPECT_EQ(*added, 1u);
  auto reader = collector::TraceReader::Open(path);
  ASSERT_TRUE(reader.has_value());
  collector::TraceChunk chunk;
  ASSERT_TRUE((*reader)->Next(&chunk).value());
  EXPECT_EQ(chunk.packages, (std::vector<PackagePrograms>{
                                {"postfix", {"/usr/lib/postfix/sbin/master", "/usr/sbin/postmap"}}, {"postfix", {}}}));
}

TEST_F(TracePackagesTest, AMissingTraceIsAnErrorAndWritesNothing) {
  Result<size_t> added = AddRecordedPackages(root_.File("absent.dwt"), root_.File("out.dwt"), root_.path());
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code(), ErrorCode::kNotFound);
  struct stat st {};
  EXPECT_NE(::stat(root_.File("out.dwt").c_str(), &st), 0);
}

// The replay's oracle knows what the chunks read so far brought, from any
// source it watched, also once that source is released.
TEST_F(TracePackagesTest, TheRecordedOracleAnswersFromTheChunksReadSoFar) {
  const std::string path = root_.File("new.dwt");
  ASSERT_TRUE(AddRecordedPackages(OldTrace(), path, "/nonexistent").has_value());  // none
  ASSERT_TRUE(AddRecordedPackages(path, path, root_.path()).has_value());
  const std::map<std::string, model::ItemStats> learned = {{"/usr/bin/date", {}},
                                                           {"/usr/lib/postfix/sbin/master", {}}};
  auto source = collector::TraceEventSource::Open(path);
  ASSERT_TRUE(source.has_value());
  RecordedPackageOracle oracle;
  oracle.Watch(source->get());
  EXPECT_FALSE(oracle.SamePackage(Event{}, "/usr/sbin/postmap", learned).has_value()) << "nothing read yet";
  ASSERT_EQ((*source)->Consume([](std::span<const uint8_t>) {}).value(), 2);
  auto kin = oracle.SamePackage(Event{}, "/sbin/postmap", learned);  // the /usr merge
  ASSERT_TRUE(kin.has_value());
  EXPECT_EQ(kin->package, "postfix");
  EXPECT_EQ(kin->learned, "/usr/lib/postfix/sbin/master");
  EXPECT_FALSE(oracle.SamePackage(Event{}, "/usr/sbin/postmap", {{"/usr/bin/date", {}}}).has_value());
  EXPECT_FALSE(oracle.SamePackage(Event{}, "/usr/bin/nc", learned).has_value());
  oracle.Release(source->get());
  source->reset();
  EXPECT_TRUE(oracle.SamePackage(Event{}, "/usr/sbin/postmap", learned).has_value());
}

}  // namespace
}  // namespace dw::tools
