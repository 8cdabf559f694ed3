// libFuzzer target: compound RTCP packets (receiver and sender reports) from the network.
#include <cstddef>
#include <cstdint>
#include <span>

#include "mixer/rtp/rtcp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> packet(data, size);
  // An SSRC that the seeds' report blocks name, and one they do not.
  for (const std::uint32_t ours : {0x11223344U, 0U}) {
    mcu::mixer::rtp::parseReports(packet, ours, 0xE000000000000000ULL);
  }
  return 0;
}
