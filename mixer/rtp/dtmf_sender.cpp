#include "mixer/rtp/dtmf_sender.h"

#include <algorithm>

namespace mcu::mixer::rtp {

bool DtmfSender::queue(char digit) {
  const auto pos = kDtmfDigits.find(digit);
  if (pos == std::string_view::npos) {
    return false;
  }
  queue_.push_back(static_cast<std::uint8_t>(pos));
  return true;
}

std::optional<DtmfPacket> DtmfSender::next(std::uint32_t next_timestamp, std::uint32_t step) {
  constexpr int kToneTicks = 5;
  constexpr int kEndRepeats = 3;
  constexpr int kGapTicks = 2;
  if (queue_.empty()) {
    return std::nullopt;
  }
  if (tick_ == 0) {
    timestamp_ = next_timestamp;
  }
  const int tick = tick_++;
  if (tick >= kToneTicks + kEndRepeats) {
    if (tick + 1 >= kToneTicks + kEndRepeats + kGapTicks) {
      queue_.pop_front();
      tick_ = 0;
    }
    return std::nullopt;  // the gap: audio again
  }
  const bool end = tick >= kToneTicks - 1;
  const auto duration = static_cast<std::uint32_t>(std::min(tick + 1, kToneTicks)) * step;
  DtmfPacket packet;
  packet.payload = {queue_.front(),
                    static_cast<std::uint8_t>((end ? 0x80U : 0x00U) | 10U),  // volume -10 dBm0
                    static_cast<std::uint8_t>(duration >> 8U), static_cast<std::uint8_t>(duration)};
  packet.timestamp = timestamp_;
  packet.marker = tick == 0;
  return packet;
}

}  // namespace mcu::mixer::rtp
