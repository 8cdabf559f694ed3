// systemd's side of the notify protocol (sd_notify(3)) for tests: a datagram socket in the
// abstract namespace (nothing on disk) whose name goes in a server's NOTIFY_SOCKET.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mcu::test {

class NotifySocket {
 public:
  NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket();

  bool bound() const { return bound_; }
  // "@mcu-notify-test-PID-N": what NOTIFY_SOCKET is set to.
  const std::string& name() const { return name_; }
  // The next message that starts with `prefix` within `timeout` (others are read and counted).
  std::optional<std::string> await(const std::string& prefix, std::chrono::milliseconds timeout);
  // Every message read so far.
  int received() const { return received_; }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
  int received_ = 0;
};

}  // namespace mcu::test
