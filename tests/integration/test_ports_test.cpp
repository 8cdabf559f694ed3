// The tests' own port picks (tests/support/net.h): a port handed out is claimed for the rest
// of the process, so neither this process nor another test process beside it gets it again
// while a server may still be about to bind it.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <set>
#include <string>

#include "tests/support/net.h"

namespace mcu::test {
namespace {

// Whether another process could claim `port` now: binding its abstract name.
bool claimable(std::uint16_t port) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const std::string name = "mcu-test-port-" + std::to_string(port);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), length) == 0;
  ::close(fd);
  return bound;
}

TEST(TestPortsTest, APortIsHandedOutOnceAndStaysClaimed) {
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 300; ++i) {  // a busy test binary's worth of servers
    const std::uint16_t port = freeUdpTcpPort();
    EXPECT_TRUE(ports.insert(port).second) << "port " << port << " handed out twice";
    EXPECT_FALSE(claimable(port)) << "port " << port << " not claimed";
  }
  const std::uint16_t pair = freeUdpTcpPortPair();
  EXPECT_FALSE(claimable(pair));
  EXPECT_FALSE(claimable(static_cast<std::uint16_t>(pair + 1)));
}

}  // namespace
}  // namespace mcu::test
