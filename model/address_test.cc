// model/address_test.cc: address and CIDR parsing, containment, loopback.
#include "model/address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace dw::model {
namespace {

TEST(AddressTest, ParsesBothFamiliesAndNothingElse) {
  Address a;
  ASSERT_TRUE(ParseAddress("10.0.3.7", &a));
  EXPECT_EQ(a.family, AF_INET);
  EXPECT_EQ(a.bits(), 32);
  EXPECT_EQ(a.bytes[0], 10);
  EXPECT_EQ(a.bytes[3], 7);
  ASSERT_TRUE(ParseAddress("fd00::1", &a));
  EXPECT_EQ(a.family, AF_INET6);
  EXPECT_EQ(a.bits(), 128);
  EXPECT_EQ(a.bytes[0], 0xfd);
  EXPECT_EQ(a.bytes[15], 1);
  for (const char* bad : {"", "10.0.3", "10.0.3.256", "10.0.3.7/24", "10..3.7", "::g", "host", "1.2.3.4:80"}) {
    EXPECT_FALSE(ParseAddress(bad, &a)) << bad;
  }
}

TEST(AddressTest, CidrsMaskAndContain) {
  Address net;
  int len = 0;
  ASSERT_TRUE(ParseCidr("10.0.3.0/24", &net, &len));
  EXPECT_EQ(len, 24);
  EXPECT_FALSE(ParseCidr("10.0.3.0", &net, &len));
  EXPECT_FALSE(ParseCidr("10.0.3.0/33", &net, &len));
  EXPECT_FALSE(ParseCidr("10.0.3.0/", &net, &len));
  Address a;
  ASSERT_TRUE(ParseAddress("10.0.3.77", &a));
  EXPECT_EQ(CidrString(a, 24), "10.0.3.0/24");
  EXPECT_EQ(CidrString(a, 16), "10.0.0.0/16");
  ASSERT_TRUE(ParseAddress("fd00:1:2:3:4::9", &a));
  EXPECT_EQ(CidrString(a, 64), "fd00:1:2:3::/64");
  EXPECT_EQ(Masked(a, 128), a);

  EXPECT_TRUE(CidrContains("10.0.3.0/24", "10.0.3.255"));
  EXPECT_FALSE(CidrContains("10.0.3.0/24", "10.0.4.1"));
  EXPECT_TRUE(CidrContains("fd00::/64", "fd00::1"));
  EXPECT_FALSE(CidrContains("10.0.0.0/8", "fd00::1"));  // families differ
  EXPECT_TRUE(CidrContains("10.0.0.7", "10.0.0.7"));    // a bare address is a /32
  EXPECT_FALSE(CidrContains("10.0.0.7", "10.0.0.8"));
  EXPECT_TRUE(CidrContains("0.0.0.0/0", "192.0.2.1"));
  EXPECT_FALSE(CidrContains("10.0.0.0/8", "not an address"));
  EXPECT_FALSE(CidrContains("10.0.0.0/x", "10.0.0.1"));
}

TEST(AddressTest, LoopbackAndUnspecified) {
  for (const char* lo : {"127.0.0.1", "127.0.0.53", "127.255.0.1", "::1", "127.0.0.0/8", "::1/128"}) {
    EXPECT_TRUE(IsLoopbackAddress(lo)) << lo;
  }
  for (const char* other : {"10.0.0.1", "128.0.0.1", "::2", "::", "0.0.0.0", "", "localhost"}) {
    EXPECT_FALSE(IsLoopbackAddress(other)) << other;
  }
  Address a;
  ASSERT_TRUE(ParseAddress("0.0.0.0", &a));
  EXPECT_TRUE(IsUnspecified(a));
  ASSERT_TRUE(ParseAddress("::", &a));
  EXPECT_TRUE(IsUnspecified(a));
  ASSERT_TRUE(ParseAddress("10.0.0.1", &a));
  EXPECT_FALSE(IsUnspecified(a));
}

}  // namespace
}  // namespace dw::model
