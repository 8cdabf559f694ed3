// Bounds the SIP TCP/TLS connections sofia-sip holds. sofia 1.12.11 arms its idle timer only
// at a connection's first message, so a client that connects and never sends is kept for good
// (5,000 such connections were held for 150 s in issue 11), and it has no per-source cap.
// This sweep, run on the control thread every few seconds, finds our accepted SIP sockets
// among the process's file descriptors and shuts down (shutdown(2), never close: sofia then
// sees the end and frees the transport itself):
//   - connections that have received no byte for `silent_limit` since they were opened;
//   - connections from one address beyond `per_source_cap`, the longest-silent first.
// The kernel's TCP_INFO says how many bytes came and when (Linux only).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mcu::sip {

struct TcpSweep {
  std::size_t open = 0;             // accepted SIP connections seen
  std::size_t closed_silent = 0;    // never sent a byte within the limit
  std::size_t closed_over_cap = 0;  // beyond the per-source cap
};

// sofia-sip listens with its queue size as the backlog: 64. A burst of connections beyond it
// (phones reconnecting after a restart, a flood) has its SYNs dropped and retried after 1, 3,
// 7 s: 1,000 connections from 20 addresses took 14 s to be accepted. This sets the backlog of
// our listening TCP/TLS sockets on `ports` (the kernel caps it at net.core.somaxconn) and
// says how many it set. sofia's queue size itself also bounds each connection's send queue,
// which is why it stays as it is.
std::size_t deepenListenBacklog(const std::vector<std::uint16_t>& ports, int backlog);

class TcpWatchdog {
 public:
  TcpWatchdog(std::vector<std::uint16_t> ports, std::chrono::seconds silent_limit,
              std::size_t per_source_cap);
  TcpSweep sweep() const;

 private:
  std::vector<std::uint16_t> ports_;
  std::chrono::seconds silent_limit_;
  std::size_t per_source_cap_;
};

}  // namespace mcu::sip
