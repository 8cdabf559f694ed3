// libFuzzer target: RTP packets as they arrive from anyone on the network (issue 11 item 10).
#include <cstddef>
#include <cstdint>
#include <span>

#include "mixer/rtp/rtp_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> packet(data, size);
  mcu::mixer::rtp::looksLikeRtcp(packet);
  // With and without the RFC 6464 extension negotiated (ids 1 and 14 as phones use them).
  for (const int level_id : {0, 1, 14}) {
    if (const auto rtp = mcu::mixer::rtp::parseRtp(packet, level_id)) {
      // Everything the parser hands out must lie inside the packet.
      volatile std::uint8_t sink = 0;
      for (const std::uint8_t b : rtp->payload) {
        sink = static_cast<std::uint8_t>(sink + b);
      }
    }
  }
  return 0;
}
