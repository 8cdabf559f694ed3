// Loopback networking for tests: free ports, one-shot UDP/TCP exchanges, and a TCP relay that
// can be opened and closed to imitate a database that comes and goes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mcu::test {

// Holds `port` for the rest of this process's life; false when this process or another test
// process already holds it. Every port the two below hand out is claimed.
bool claimPort(std::uint16_t port);
// A port that is free for both UDP and TCP on 127.0.0.1 right now, and not handed out before
// by this process or another test process still running (it stays claimed while this one runs).
std::uint16_t freeUdpTcpPort();
// A port free for both, whose next port is too: baresip takes its TLS port as its SIP port + 1.
std::uint16_t freeUdpTcpPortPair();

// Waits (at most `timeout`) until some process has a UDP socket bound, or a TCP socket
// listening, on `port`: a peer started as a child process (sipp) is ready to be called.
bool awaitListening(std::uint16_t port, std::chrono::milliseconds timeout);

// Sends a datagram to 127.0.0.1:port and returns the first reply within `timeout`.
std::optional<std::string> udpExchange(std::uint16_t port, const std::string& datagram,
                                       std::chrono::milliseconds timeout);

// Opens a TCP connection, writes `bytes`, and reads until `timeout` or `stop_after` is seen.
std::string tcpExchange(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout, const std::string& stop_after = {});

// Each message on a socket of its own (UDP: a datagram; TCP: a connection), all sent at once,
// then what came back on each within `timeout` of the sends: a datagram (UDP) or the bytes read
// until the server closed (TCP). For many exchanges that mostly wait out their timeout.
std::vector<std::optional<std::string>> udpExchangeEach(std::uint16_t port,
                                                        const std::vector<std::string>& datagrams,
                                                        std::chrono::milliseconds timeout);
std::vector<std::string> tcpExchangeEach(std::uint16_t port,
                                         const std::vector<std::string>& messages,
                                         std::chrono::milliseconds timeout);

// A TCP connection to 127.0.0.1:port from `source` (any 127.0.0.0/8 address), or -1. kStart
// returns a non-blocking socket whose handshake may still be under way (poll it for POLLOUT).
enum class ConnectMode { kWait, kStart };
int tcpConnectFrom(const std::string& source, std::uint16_t port,
                   ConnectMode mode = ConnectMode::kWait);

// Reads from `fd` until `stop_after` is seen, the peer closes (*closed), or `timeout`.
std::string readUntil(int fd, std::chrono::milliseconds timeout, const std::string& stop_after,
                      bool* closed = nullptr);

// Forwards 127.0.0.1:port() to 127.0.0.1:target while open; closing drops every connection.
class TcpRelay {
 public:
  explicit TcpRelay(std::uint16_t target);
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;
  ~TcpRelay();

  std::uint16_t port() const { return port_; }
  void open();
  void close();
  // Frozen: connections stay open but nothing is forwarded either way and new ones wait, as
  // with a PostgreSQL that hangs (SIGSTOP, a stuck disk) rather than goes away.
  void freeze() { frozen_ = true; }
  void thaw() { frozen_ = false; }

 private:
  void serve();

  std::uint16_t target_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> running_{false};
  std::atomic<bool> frozen_{false};
  std::thread thread_;
};

}  // namespace mcu::test
