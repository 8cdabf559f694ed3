#include "tests/support/notify_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstring>

namespace mcu::test {

NotifySocket::NotifySocket() {
  static std::atomic<int> serial{0};
  name_ = "@mcu-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name_.data() + 1, name_.size() - 1);
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
  bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::optional<std::string> NotifySocket::await(const std::string& prefix,
                                               std::chrono::milliseconds timeout) {
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

}  // namespace mcu::test
