#include "mixer/engine/udp_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <cstring>

namespace mcu::mixer {

bool Endpoint::operator==(const Endpoint& other) const {
  if (addr.ss_family != other.addr.ss_family) {
    return false;
  }
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    const auto& b = reinterpret_cast<const sockaddr_in&>(other.addr);
    return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
  }
  const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
  const auto& b = reinterpret_cast<const sockaddr_in6&>(other.addr);
  return a.sin6_port == b.sin6_port &&
         std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
}

std::optional<Endpoint> resolve(const SocketAddress& address) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;  // SDP carries literal addresses
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found) != 0) {
    return std::nullopt;
  }
  Endpoint e;
  std::memcpy(&e.addr, found->ai_addr, found->ai_addrlen);
  e.len = found->ai_addrlen;
  freeaddrinfo(found);
  return e;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

UdpSocket UdpSocket::bind(const std::string& host, std::uint16_t port) {
  const auto local = resolve({host, port});
  if (!local) {
    return {};
  }
  const int fd = ::socket(local->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return {};
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local->addr), local->len) != 0) {
    ::close(fd);
    return {};
  }
  if (local->addr.ss_family == AF_INET) {
    // Don't Fragment on every datagram, whatever the path MTU is thought to be (RTP packets
    // are far below any MTU): a datagram without DF from an unconnected socket gets its IP ID
    // from the kernel's shared hash table (__ip_select_ident), one cache miss and an atomic
    // per packet, 2 % of the server at 1,000 callers (perf, from outside); with DF it is 0.
    const int probe = IP_PMTUDISC_PROBE;
    ::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
  }
  return UdpSocket(fd);
}

std::uint16_t UdpSocket::localPort() const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  return addr.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port)
                                   : ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port);
}

ssize_t UdpSocket::receive(std::span<std::uint8_t> buffer, Endpoint& from) const {
  from.len = sizeof from.addr;
  return ::recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from.addr),
                    &from.len);
}

bool UdpSocket::send(std::span<const std::uint8_t> data, const Endpoint& to) const {
  return ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to.addr),
                  to.len) == static_cast<ssize_t>(data.size());
}

}  // namespace mcu::mixer
