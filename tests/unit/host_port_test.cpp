#include "mcu/common/host_port.h"

#include <gtest/gtest.h>

namespace mcu {
namespace {

TEST(HostPortTest, ParsesIpv4AndHostnames) {
  EXPECT_EQ(parseHostPort("0.0.0.0:5060").value, (HostPort{"0.0.0.0", 5060}));
  EXPECT_EQ(parseHostPort("mcu.example.org:5061").value, (HostPort{"mcu.example.org", 5061}));
}

TEST(HostPortTest, ParsesBracketedIpv6AndPrintsItBack) {
  const auto parsed = parseHostPort("[::1]:8080");
  ASSERT_TRUE(parsed.value);
  EXPECT_EQ(parsed.value->host, "::1");
  EXPECT_EQ(parsed.value->toString(), "[::1]:8080");
}

TEST(HostPortTest, RejectsWithAReason) {
  EXPECT_EQ(parseHostPort("5060").problem, "expected host:port");
  EXPECT_EQ(parseHostPort(":5060").problem, "host is empty");
  EXPECT_EQ(parseHostPort("host:").problem, "port is not a number");
  EXPECT_EQ(parseHostPort("host:50x").problem, "port is not a number");
  EXPECT_EQ(parseHostPort("host:0").problem, "port 0 out of range 1-65535");
  EXPECT_EQ(parseHostPort("host:65536").problem, "port 65536 out of range 1-65535");
  EXPECT_EQ(parseHostPort("::1:80").problem, "an IPv6 host must be bracketed: [ipv6]:port");
  EXPECT_EQ(parseHostPort("a b:80").problem, "host contains an invalid character");
}

}  // namespace
}  // namespace mcu
