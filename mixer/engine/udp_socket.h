// A non-blocking UDP socket bound to a local port, owned (closed on destruction).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "mixer/engine/media_types.h"

namespace mcu::mixer {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool operator==(const Endpoint& other) const;
};

std::optional<Endpoint> resolve(const SocketAddress& address);

class UdpSocket {
 public:
  UdpSocket() = default;
  explicit UdpSocket(int fd) : fd_(fd) {}
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  ~UdpSocket();

  // Binds host:port (port 0: the kernel chooses); empty socket on failure.
  static UdpSocket bind(const std::string& host, std::uint16_t port);
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  std::uint16_t localPort() const;
  // -1 when nothing is waiting.
  ssize_t receive(std::span<std::uint8_t> buffer, Endpoint& from) const;
  bool send(std::span<const std::uint8_t> data, const Endpoint& to) const;

 private:
  int fd_ = -1;
};

}  // namespace mcu::mixer
