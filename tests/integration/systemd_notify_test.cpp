// The packaged unit is Type=notify with a watchdog (deploy/debian/mcu.service): the server must
// say READY=1 only when it takes calls, ping WATCHDOG=1 while its control loop runs and say
// STOPPING=1 when a shutdown starts. The test plays systemd's side: it binds the socket that
// NOTIFY_SOCKET names (in the abstract namespace, nothing on disk) and reads what comes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <optional>
#include <string>

#include "tests/integration/server_fixture.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;

class NotifySocket {
 public:
  NotifySocket() {
    static std::atomic<int> serial{0};
    name_ = "@mcu-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name_.data() + 1, name_.size() - 1);
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  bool bound() const { return bound_; }
  const std::string& name() const { return name_; }

  // The next message that starts with `prefix` within `timeout` (others are counted as read).
  std::optional<std::string> await(const std::string& prefix, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
          deadline - std::chrono::steady_clock::now());
      timeval tv{.tv_sec = left.count() / 1'000'000, .tv_usec = left.count() % 1'000'000};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::array<char, 512> buffer{};
      const auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        continue;
      }
      std::string message(buffer.data(), static_cast<std::size_t>(n));
      ++received_;
      if (message.starts_with(prefix)) {
        return message;
      }
    }
    return std::nullopt;
  }
  int received() const { return received_; }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
  int received_ = 0;
};

TEST(SystemdNotifyTest, ReadyWhenItTakesCallsWatchdogWhileItRunsStoppingAtSigterm) {
  TestDatabase db;
  NotifySocket systemd;
  ASSERT_TRUE(systemd.bound()) << std::strerror(errno);
  ServerProcess server(db.url(), {{"NOTIFY_SOCKET", systemd.name()}, {"WATCHDOG_USEC", "400000"}});

  const auto ready = systemd.await("READY=1", 60s);
  ASSERT_TRUE(ready.has_value()) << server.process().output();
  EXPECT_NE(ready->find("\nSTATUS=taking calls on 127.0.0.1:"), std::string::npos) << *ready;
  const auto readyz = server.get("/readyz");
  EXPECT_EQ(readyz.status, 200) << "READY=1 before /readyz says so: " << readyz.body;

  // Pings every 200 ms (half of WATCHDOG_USEC); three of them, however slow the machine is.
  for (int ping = 0; ping < 3; ++ping) {
    ASSERT_TRUE(systemd.await("WATCHDOG=1", 20s).has_value()) << "ping " << ping;
  }

  server.process().signal(SIGTERM);
  const auto stopping = systemd.await("STOPPING=1", 30s);
  EXPECT_TRUE(stopping.has_value()) << server.process().output();
  const auto code = server.process().waitExit(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << server.process().output();
}

TEST(SystemdNotifyTest, AWatchdogMeantForAnotherProcessIsNotPinged) {
  TestDatabase db;
  NotifySocket systemd;
  ASSERT_TRUE(systemd.bound());
  // WATCHDOG_PID names the process systemd watches: here one that is not the server.
  ServerProcess server(
      db.url(),
      {{"NOTIFY_SOCKET", systemd.name()}, {"WATCHDOG_USEC", "200000"}, {"WATCHDOG_PID", "1"}});
  ASSERT_TRUE(systemd.await("READY=1", 60s).has_value()) << server.process().output();
  server.process().signal(SIGTERM);
  ASSERT_TRUE(systemd.await("STOPPING=1", 30s).has_value());
  EXPECT_EQ(systemd.received(), 2) << "READY and STOPPING only, no WATCHDOG";
  ASSERT_TRUE(server.process().waitExit(30s).has_value());
}

}  // namespace
}  // namespace mcu::test
