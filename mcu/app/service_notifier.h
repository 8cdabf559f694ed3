// systemd's service protocol (sd_notify(3)) for the packaged unit's Type=notify: "READY=1" once
// the server takes calls (database migrated, rooms loaded, listeners bound), "STOPPING=1" when
// a graceful shutdown starts, "WATCHDOG=1" at half the unit's WatchdogSec. The protocol is one
// datagram to the Unix socket named by $NOTIFY_SOCKET, stable and documented, so it is written
// here rather than linking libsystemd for three strings. Outside systemd (no $NOTIFY_SOCKET)
// every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcu::app {

class ServiceNotifier {
 public:
  // `socket`: a path, or "@name" for the abstract namespace; empty: off. `watchdog`: the
  // interval systemd expects pings within (WatchdogSec), if any.
  ServiceNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog);
  // From $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (the watchdog is another process's
  // when that PID is not ours).
  static ServiceNotifier fromEnvironment();

  bool enabled() const { return !socket_.empty(); }
  // How often to ping: half the watchdog interval, as sd_watchdog_enabled(3) advises.
  std::optional<std::chrono::microseconds> pingInterval() const;
  // `status`: one line for `systemctl status`.
  void ready(std::string_view status) const;
  void stopping() const;
  void watchdog() const;

 private:
  // False when the datagram could not be sent (logged).
  bool send(std::string_view state) const;

  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace mcu::app
