// RFC 4733 digits we send: which event packet, if any, replaces this tick's audio. Pure: the
// caller writes, protects and sends the packet (participant_stream.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

namespace mcu::mixer::rtp {

// RFC 4733 event codes 0-15 for the digits '0'-'9', '*', '#', 'A'-'D'.
inline constexpr std::string_view kDtmfDigits = "0123456789*#ABCD";

struct DtmfPacket {
  std::array<std::uint8_t, 4> payload{};  // event, E bit and volume, duration
  std::uint32_t timestamp = 0;            // the event's start: the same in all its packets
  bool marker = false;                    // its first packet
};

class DtmfSender {
 public:
  // False for anything but a digit RFC 4733 names.
  bool queue(char digit);
  bool sending() const { return !queue_.empty(); }
  // This tick's event packet, or nullopt when audio goes out: RFC 4733 §2.5, an event of
  // 100 ms (5 packets, growing duration), the end packet sent three times, then two ticks of
  // audio before the next digit. `next_timestamp`: the stream's next RTP timestamp; `step`:
  // its timestamp units per 20 ms.
  std::optional<DtmfPacket> next(std::uint32_t next_timestamp, std::uint32_t step);

 private:
  std::deque<std::uint8_t> queue_;
  int tick_ = 0;  // ticks into the current event
  std::uint32_t timestamp_ = 0;
};

}  // namespace mcu::mixer::rtp
