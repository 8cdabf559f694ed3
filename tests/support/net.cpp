#include "tests/support/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mcu::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

sockaddr* asSockaddr(sockaddr_in& a) { return reinterpret_cast<sockaddr*>(&a); }

int bindSocket(int type, std::uint16_t port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = loopback(port);
  if (::bind(fd, asSockaddr(addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::uint16_t boundPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, asSockaddr(addr), &len);
  return ntohs(addr.sin_port);
}

int connectTo(std::uint16_t port) { return tcpConnectFrom("127.0.0.1", port); }

}  // namespace

int tcpConnectFrom(const std::string& source, std::uint16_t port, ConnectMode mode) {
  const bool waits = mode == ConnectMode::kWait;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (waits ? 0 : SOCK_NONBLOCK), 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
      ::bind(fd, asSockaddr(from), sizeof from) != 0) {
    ::close(fd);
    return -1;
  }
  auto addr = loopback(port);
  if (::connect(fd, asSockaddr(addr), sizeof addr) != 0 && (waits || errno != EINPROGRESS)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string readUntil(int fd, std::chrono::milliseconds timeout, const std::string& stop_after,
                      bool* closed) {
  std::string received;
  if (closed != nullptr) {
    *closed = false;
  }
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0 ||
        (!stop_after.empty() && received.find(stop_after) != std::string::npos)) {
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) {
      break;
    }
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed != nullptr) {
        *closed = true;
      }
      break;
    }
    received.append(buf, static_cast<std::size_t>(n));
  }
  return received;
}

// Claimed by name: an abstract Unix socket "mcu-test-port-N" (no file; the kernel frees it
// when the process ends). Without claims, a port was free when picked and taken before its
// server bound it: twice in one server's start (its SIP and HTTP ports drawn alike, "cannot
// listen on 127.0.0.1:10118" in a CI run), and possibly by a test running beside it.
bool claimPort(std::uint16_t port) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const std::string name = "mcu-test-port-" + std::to_string(port);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), length) != 0) {
    ::close(fd);
    return false;
  }
  return true;  // the descriptor stays open: the claim lasts as long as the process
}

std::uint16_t freeUdpTcpPort() {
  // Not from the kernel's ephemeral range (32768-60999): between this pick and the server's
  // bind, any outgoing connection of any process (PostgreSQL clients, HTTP clients) may take an
  // ephemeral port, and one did ("cannot listen on 127.0.0.1:44505" in a test run with the
  // cluster tests beside it). Nor from the servers' RTP range (media.port_min 20000 up).
  static std::mutex mutex;
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> range(10000, 19999);
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::uint16_t port = 0;
    {
      const std::lock_guard lock(mutex);
      port = static_cast<std::uint16_t>(range(random));
    }
    const int udp = bindSocket(SOCK_DGRAM, port);
    if (udp < 0) {
      continue;
    }
    const int tcp = bindSocket(SOCK_STREAM, port);
    ::close(udp);
    if (tcp >= 0) {
      ::close(tcp);
      if (claimPort(port)) {
        return port;
      }
    }
  }
  throw std::runtime_error("no free UDP+TCP port on 127.0.0.1");
}

std::uint16_t freeUdpTcpPortPair() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::uint16_t port = freeUdpTcpPort();
    if (port == 65535) {
      continue;
    }
    const auto next = static_cast<std::uint16_t>(port + 1);
    const int udp = bindSocket(SOCK_DGRAM, next);
    const int tcp = udp >= 0 ? bindSocket(SOCK_STREAM, next) : -1;
    if (udp >= 0) {
      ::close(udp);
    }
    if (tcp >= 0) {
      ::close(tcp);
      if (claimPort(next)) {
        return port;
      }
    }
  }
  throw std::runtime_error("no two free UDP+TCP ports in a row on 127.0.0.1");
}

namespace {

// Whether /proc/net/<table> lists a socket on `port` (for TCP: listening, state 0A).
bool listedInProc(const char* table, std::uint16_t port, bool tcp) {
  std::ifstream in(std::string("/proc/net/") + table);
  std::string line;
  std::getline(in, line);  // the column titles
  char wanted[8];          // NOLINT(modernize-avoid-c-arrays): snprintf's buffer
  std::snprintf(wanted, sizeof wanted, ":%04X", static_cast<unsigned>(port));
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot;
    std::string local;
    std::string remote;
    std::string state;
    fields >> slot >> local >> remote >> state;
    if (local.size() > 5 && local.compare(local.size() - 5, 5, wanted) == 0 &&
        (!tcp || state == "0A")) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool awaitListening(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (listedInProc("udp", port, false) || listedInProc("udp6", port, false) ||
        listedInProc("tcp", port, true) || listedInProc("tcp6", port, true)) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= until) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<std::string> udpExchange(std::uint16_t port, const std::string& datagram,
                                       std::chrono::milliseconds timeout) {
  const int fd = bindSocket(SOCK_DGRAM, 0);
  auto to = loopback(port);
  ::sendto(fd, datagram.data(), datagram.size(), 0, asSockaddr(to), sizeof to);
  pollfd p{fd, POLLIN, 0};
  std::optional<std::string> reply;
  if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
    std::string buf(65536, '\0');
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n >= 0) {
      buf.resize(static_cast<std::size_t>(n));
      reply = std::move(buf);
    }
  }
  ::close(fd);
  return reply;
}

namespace {

// Polls `fds` until `until`, giving each readable one to `on_readable`, which says whether
// that socket is done (no more polling for it).
template <typename OnReadable>
void pollEach(const std::vector<int>& fds, std::chrono::steady_clock::time_point until,
              OnReadable on_readable) {
  std::vector<bool> done(fds.size(), false);
  for (;;) {
    std::vector<pollfd> polled;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!done[i] && fds[i] >= 0) {
        polled.push_back({fds[i], POLLIN, 0});
        index.push_back(i);
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (polled.empty() || left.count() <= 0 ||
        ::poll(polled.data(), polled.size(), static_cast<int>(left.count())) <= 0) {
      return;
    }
    for (std::size_t k = 0; k < polled.size(); ++k) {
      if (polled[k].revents != 0) {
        done[index[k]] = on_readable(index[k]);
      }
    }
  }
}

}  // namespace

std::vector<std::optional<std::string>> udpExchangeEach(std::uint16_t port,
                                                        const std::vector<std::string>& datagrams,
                                                        std::chrono::milliseconds timeout) {
  std::vector<int> fds;
  auto to = loopback(port);
  for (const auto& datagram : datagrams) {
    fds.push_back(bindSocket(SOCK_DGRAM, 0));
    ::sendto(fds.back(), datagram.data(), datagram.size(), 0, asSockaddr(to), sizeof to);
  }
  std::vector<std::optional<std::string>> replies(datagrams.size());
  pollEach(fds, std::chrono::steady_clock::now() + timeout, [&](std::size_t i) {
    std::string buf(65536, '\0');
    const ssize_t n = ::recv(fds[i], buf.data(), buf.size(), 0);
    if (n >= 0) {
      buf.resize(static_cast<std::size_t>(n));
      replies[i] = std::move(buf);
    }
    return true;  // the first reply is the one
  });
  for (const int fd : fds) {
    ::close(fd);
  }
  return replies;
}

std::vector<std::string> tcpExchangeEach(std::uint16_t port,
                                         const std::vector<std::string>& messages,
                                         std::chrono::milliseconds timeout) {
  std::vector<int> fds;
  for (const auto& bytes : messages) {
    fds.push_back(connectTo(port));
    if (fds.back() >= 0) {
      ::send(fds.back(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
  }
  std::vector<std::string> received(messages.size());
  pollEach(fds, std::chrono::steady_clock::now() + timeout, [&](std::size_t i) {
    char buf[4096];
    const ssize_t n = ::recv(fds[i], buf, sizeof buf, 0);
    if (n <= 0) {
      return true;  // closed by the server
    }
    received[i].append(buf, static_cast<std::size_t>(n));
    return false;
  });
  for (const int fd : fds) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  return received;
}

std::string tcpExchange(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout, const std::string& stop_after) {
  const int fd = connectTo(port);
  if (fd < 0) {
    return {};
  }
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string received = readUntil(fd, timeout, stop_after);
  ::close(fd);
  return received;
}

TcpRelay::TcpRelay(std::uint16_t target) : target_(target) {
  const int fd = bindSocket(SOCK_STREAM, 0);
  port_ = boundPort(fd);
  ::close(fd);  // nothing listens until open(): connections are refused
}

TcpRelay::~TcpRelay() { close(); }

void TcpRelay::open() {
  if (running_) {
    return;
  }
  listen_fd_ = bindSocket(SOCK_STREAM, port_);
  if (listen_fd_ < 0 || ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("TcpRelay: cannot listen again on its port");
  }
  running_ = true;
  thread_ = std::thread([this] { serve(); });
}

void TcpRelay::close() {
  if (!running_.exchange(false)) {
    return;
  }
  thread_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void TcpRelay::serve() {
  std::vector<std::pair<int, int>> pairs;  // client, server
  while (running_) {
    if (frozen_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const auto& [a, b] : pairs) {
      fds.push_back({a, POLLIN, 0});
      fds.push_back({b, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 50) <= 0) {
      continue;
    }
    std::vector<std::pair<int, int>> alive;
    if ((fds[0].revents & POLLIN) != 0) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      const int server = client >= 0 ? connectTo(target_) : -1;
      if (server >= 0) {
        alive.emplace_back(client, server);  // polled from the next round on
      } else if (client >= 0) {
        ::close(client);
      }
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      bool ok = true;
      for (int side = 0; side < 2 && ok; ++side) {
        const pollfd& p = fds[1 + 2 * i + static_cast<std::size_t>(side)];
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
          continue;
        }
        char buf[16384];
        const ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
        const int other = side == 0 ? pairs[i].second : pairs[i].first;
        ok = n > 0 && ::send(other, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) == n;
      }
      if (ok) {
        alive.push_back(pairs[i]);
      } else {
        ::close(pairs[i].first);
        ::close(pairs[i].second);
      }
    }
    pairs.swap(alive);
  }
  for (const auto& [a, b] : pairs) {
    ::close(a);
    ::close(b);
  }
}

}  // namespace mcu::test
