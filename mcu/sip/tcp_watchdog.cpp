#include "mcu/sip/tcp_watchdog.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/tcp.h>  // its tcp_info has tcpi_bytes_received; glibc's has not
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace mcu::sip {
namespace {

struct Connection {
  int fd;
  std::uint16_t local_port;
  std::string peer;
  std::uint64_t bytes_received;
  std::uint32_t silent_ms;  // since the last byte came, or since it was opened if none did
};

std::uint16_t portOf(const sockaddr_storage& ss) {
  return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(ss).sin6_port
                                        : reinterpret_cast<const sockaddr_in&>(ss).sin_port);
}

std::string hostOf(const sockaddr_storage& ss) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (ss.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, text.data(),
                text.size());
  } else {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, text.data(),
                text.size());
  }
  return text.data();
}

// Whether `fd` is a TCP (stream) socket that listens; nothing if it is no stream socket.
std::optional<bool> streamListening(int fd) {
  int type = 0;
  int listening = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
    return std::nullopt;
  }
  len = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) {
    return std::nullopt;
  }
  return listening != 0;
}

// An accepted (not listening) TCP socket whose local port is one of ours, with its TCP_INFO.
bool describe(int fd, const std::vector<std::uint16_t>& ports, Connection& out) {
  const auto listening = streamListening(fd);
  if (!listening || *listening) {
    return false;
  }
  sockaddr_storage local{};
  sockaddr_storage peer{};
  socklen_t local_len = sizeof local;
  socklen_t peer_len = sizeof peer;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
      (local.ss_family != AF_INET && local.ss_family != AF_INET6)) {
    return false;
  }
  const std::uint16_t port = portOf(local);
  if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
    return false;
  }
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
    return false;
  }
  out = {fd, port, hostOf(peer), info.tcpi_bytes_received, info.tcpi_last_data_recv};
  return true;
}

// Shut down only if the descriptor is still one of our SIP sockets: another thread may have
// closed an fd and reused its number since the scan.
bool shutDown(const Connection& c, const std::vector<std::uint16_t>& ports) {
  Connection now{};
  if (!describe(c.fd, ports, now) || now.peer != c.peer || now.local_port != c.local_port) {
    return false;
  }
  return ::shutdown(c.fd, SHUT_RDWR) == 0;
}

// Calls `each` with every descriptor number the process has open.
template <typename Each>
void forEachFd(Each each) {
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(dir);
    while (const dirent* entry = ::readdir(dir)) {
      char* end = nullptr;
      const long fd = std::strtol(entry->d_name, &end, 10);
      if (end != entry->d_name && *end == '\0' && fd != own) {
        each(static_cast<int>(fd));
      }
    }
    ::closedir(dir);
  }
}

// A listening TCP socket whose local port is one of ours.
bool isOurListener(int fd, const std::vector<std::uint16_t>& ports) {
  const auto listening = streamListening(fd);
  if (!listening || !*listening) {
    return false;
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  return ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
         (local.ss_family == AF_INET || local.ss_family == AF_INET6) &&
         std::find(ports.begin(), ports.end(), portOf(local)) != ports.end();
}

}  // namespace

std::size_t deepenListenBacklog(const std::vector<std::uint16_t>& ports, int backlog) {
  std::size_t deepened = 0;
  forEachFd([&](int fd) {
    // listen(2) again on a listening socket only sets its backlog (Linux).
    if (isOurListener(fd, ports) && ::listen(fd, backlog) == 0) {
      ++deepened;
    }
  });
  return deepened;
}

TcpWatchdog::TcpWatchdog(std::vector<std::uint16_t> ports, std::chrono::seconds silent_limit,
                         std::size_t per_source_cap)
    : ports_(std::move(ports)), silent_limit_(silent_limit), per_source_cap_(per_source_cap) {}

TcpSweep TcpWatchdog::sweep() const {
  TcpSweep result;
  std::vector<Connection> connections;
  forEachFd([&](int fd) {
    Connection c{};
    if (describe(fd, ports_, c)) {
      connections.push_back(std::move(c));
    }
  });
  result.open = connections.size();
  const auto limit_ms = static_cast<std::uint64_t>(silent_limit_.count()) * 1000;
  std::map<std::string, std::vector<const Connection*>> by_peer;
  for (const auto& c : connections) {
    if (c.bytes_received == 0 && c.silent_ms >= limit_ms) {
      result.closed_silent += shutDown(c, ports_) ? 1U : 0U;
    } else {
      by_peer[c.peer].push_back(&c);
    }
  }
  for (auto& [peer, list] : by_peer) {
    if (list.size() <= per_source_cap_) {
      continue;
    }
    // Keep the ones that talk: the longest-silent go first.
    std::sort(list.begin(), list.end(),
              [](const Connection* a, const Connection* b) { return a->silent_ms > b->silent_ms; });
    for (std::size_t i = 0; i < list.size() - per_source_cap_; ++i) {
      result.closed_over_cap += shutDown(*list[i], ports_) ? 1U : 0U;
    }
  }
  return result;
}

}  // namespace mcu::sip
