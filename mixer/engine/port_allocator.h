// Hands out local RTP ports from the configured range: even ports (RFC 3550 §11), tried in
// turn from where the last allocation stopped so a port just freed is not reused at once
// (late packets of the previous call would land in the new one). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "mixer/engine/udp_socket.h"

namespace mcu::mixer {

class PortAllocator {
 public:
  PortAllocator(std::string host, std::uint16_t min, std::uint16_t max);
  struct Pair {
    UdpSocket rtp;   // even port
    UdpSocket rtcp;  // the odd port above it
  };
  // Both bound, or both invalid when the range is exhausted.
  Pair allocate();

 private:
  std::string host_;
  std::uint16_t min_;
  std::uint16_t max_;
  std::mutex mutex_;
  std::uint16_t next_;
};

}  // namespace mcu::mixer
