// tools/cli_test.cc: command-line parsing.
#include "tools/cli.h"

#include <gtest/gtest.h>

namespace dw::tools {
namespace {

Result<Args> ParseV(std::vector<std::string> v, const FlagSpec& spec) {
  std::vector<char*> argv;
  for (auto& s : v) argv.push_back(s.data());
  return Args::Parse(static_cast<int>(argv.size()), argv.data(), 0, spec);
}

const FlagSpec kSpec = {{"--db", "--trace", "--duration"}, {"--live"}};

TEST(ArgsTest, ValuesRepeatAndBothSpellingsWork) {
  auto a = ParseV({"--db", "x.db", "--trace=a", "--trace", "b", "--live"}, kSpec);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a->Get("--db"), "x.db");
  EXPECT_EQ(a->All("--trace"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(a->Has("--live"));
  EXPECT_FALSE(a->Has("--duration"));
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
