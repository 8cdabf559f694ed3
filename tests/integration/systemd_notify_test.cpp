// The packaged unit is Type=notify with a watchdog (deploy/debian/mcu.service): the server must
// say READY=1 only when it takes calls, ping WATCHDOG=1 while its control loop runs and say
// STOPPING=1 when a shutdown starts. The test plays systemd's side: it binds the socket that
// NOTIFY_SOCKET names (in the abstract namespace, nothing on disk) and reads what comes.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "tests/integration/server_fixture.h"
#include "tests/support/notify_socket.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;

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
