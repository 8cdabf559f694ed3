// The tests' own port picks (tests/support/net.h): a port handed out is claimed for the rest
// of the process, so neither this process nor another test process beside it gets it again
// while a server may still be about to bind it.
#include <gtest/gtest.h>

#include <set>

#include "tests/support/net.h"

namespace mcu::test {
namespace {

TEST(TestPortsTest, APortIsHandedOutOnceAndStaysClaimed) {
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 300; ++i) {  // a busy test binary's worth of servers
    const std::uint16_t port = freeUdpTcpPort();
    EXPECT_TRUE(ports.insert(port).second) << "port " << port << " handed out twice";
    // Another claim of it fails here as it would in another process (the name is the same).
    EXPECT_FALSE(claimPort(port)) << "port " << port << " not claimed";
  }
  const std::uint16_t pair = freeUdpTcpPortPair();
  EXPECT_FALSE(claimPort(pair));
  EXPECT_FALSE(claimPort(static_cast<std::uint16_t>(pair + 1)));
}

}  // namespace
}  // namespace mcu::test
