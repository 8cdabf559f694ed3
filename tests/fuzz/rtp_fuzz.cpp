// libFuzzer target: RTP packets as they arrive from anyone on the network (issue 11 item 10).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "mixer/rtp/rtp_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> packet(data, size);
  mcu::mixer::rtp::looksLikeRtcp(packet);
  // With and without the RFC 6464 extension negotiated (ids 1 and 14 as phones use them), and
  // the RFC 6465 contributors' levels (id 2) as a phone reading our mixes would.
  for (const int level_id : {0, 1, 14}) {
    if (const auto rtp = mcu::mixer::rtp::parseRtp(packet, level_id, level_id == 1 ? 2 : 0)) {
      // Everything the parser hands out must lie inside the packet.
      volatile std::uint8_t sink = 0;
      for (const std::uint8_t b : rtp->payload) {
        sink = static_cast<std::uint8_t>(sink + b);
      }
      for (const std::uint8_t b : rtp->header.contributorLevels()) {
        sink = static_cast<std::uint8_t>(sink + b);
      }
      // What we write from a parsed header parses again (when it still fits a packet).
      std::array<std::uint8_t, mcu::mixer::rtp::kMaxRtpPacket + 64> out{};
      const std::size_t n = mcu::mixer::rtp::writeRtp(rtp->header, rtp->payload, out, 1, 2);
      if (n > 0 && n <= mcu::mixer::rtp::kMaxRtpPacket &&
          !mcu::mixer::rtp::parseRtp(std::span<const std::uint8_t>(out.data(), n), 1, 2)) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
