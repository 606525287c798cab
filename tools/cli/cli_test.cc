// tools/cli/cli_test.cc: command-line parsing.
#include "tools/cli/cli.h"

#include <gtest/gtest.h>

namespace dw::tools {
namespace {

Result<Args> ParseV(std::vector<std::string> v, const FlagSpec& spec) {
  std::vector<char*> argv;
  for (auto& s : v) argv.push_back(s.data());
  return Args::Parse(static_cast<int>(argv.size()), argv.data(), 0, spec);
}

const FlagSpec kSpec = {{"--db", "--duration"}, {"--live"}, {"--trace"}};

TEST(ArgsTest, ValuesRepeatAndBothSpellingsWork) {
  auto a = ParseV({"--db", "x.db", "--trace=a", "--trace", "b", "--live"}, kSpec);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a->Get("--db"), "x.db");
  EXPECT_EQ(a->All("--trace"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(a->Has("--live"));
  EXPECT_FALSE(a->Has("--duration"));
}

// The one list style: `--trace A B` and `--trace A --trace B` mean the same.
TEST(ArgsTest, ListFlagsTakeSeveralValuesAfterOneFlagOrRepeated) {
  const std::vector<std::string> want = {"a", "b", "c"};
  auto spaced = ParseV({"--trace", "a", "b", "c", "--db", "x.db"}, kSpec);
  ASSERT_TRUE(spaced) << spaced.error().message();
  EXPECT_EQ(spaced->All("--trace"), want);
  EXPECT_EQ(*spaced->Get("--db"), "x.db");
  EXPECT_TRUE(spaced->positional().empty());
  auto repeated = ParseV({"--trace", "a", "--trace", "b", "--trace=c"}, kSpec);
  ASSERT_TRUE(repeated);
  EXPECT_EQ(repeated->All("--trace"), want);
  auto mixed = ParseV({"--trace", "a", "b", "--live", "--trace", "c"}, kSpec);
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->All("--trace"), want);
  EXPECT_EQ(ParseV({"--trace", "--live"}, kSpec).error().message(), "option --trace needs a value");
  EXPECT_EQ(ParseV({"--trace"}, kSpec).error().message(), "option --trace needs a value");
  // A single-value flag does not swallow what follows.
  auto single = ParseV({"--db", "x.db", "y.db"}, kSpec);
  ASSERT_TRUE(single);
  EXPECT_EQ(single->positional(), (std::vector<std::string>{"y.db"}));
}

TEST(ArgsTest, ErrorsNameTheOption) {
  EXPECT_EQ(ParseV({"--bogus"}, kSpec).error().message(), "unknown option --bogus");
  EXPECT_EQ(ParseV({"--db"}, kSpec).error().message(), "option --db needs a value");
  EXPECT_EQ(ParseV({"--live=1"}, kSpec).error().message(), "option --live takes no value");
  auto a = ParseV({"--duration", "abc"}, kSpec);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->Seconds("--duration").error().message(),
            "--duration must be a positive number of seconds, not 'abc'");
  EXPECT_EQ(a->Required("--db").error().message(), "missing --db");
}

TEST(ArgsTest, SecondsAcceptsFractions) {
  auto a = ParseV({"--duration", "2.5"}, kSpec);
  ASSERT_TRUE(a);
  auto s = a->Seconds("--duration");
  ASSERT_TRUE(s);
  EXPECT_EQ(**s, 2.5);
  EXPECT_FALSE(ParseV({"--duration", "-1"}, kSpec)->Seconds("--duration").has_value());
}

}  // namespace
}  // namespace dw::tools
