// The RTP stream one recipient receives from us: its own SSRC, sequence numbers and timestamps,
// continuous whatever payload is behind them (the shared mix of the listeners, or a personal
// mix while the recipient talks). The timestamp advances every tick, sent or not, so gaps in
// our sending read as time, not as a clock jump.
#pragma once

#include <cstdint>
#include <span>

#include "mixer/rtp/rtp_packet.h"

namespace mcu::mixer::rtp {

class RtpStreamWriter {
 public:
  RtpStreamWriter(std::uint32_t ssrc, std::uint16_t first_sequence, std::uint32_t first_timestamp,
                  std::uint32_t timestamp_step, std::uint8_t payload_type);

  // Writes the packet for this tick into `out` and advances; returns its size (0: no room).
  // `contributors`: the SSRCs heard in it (CSRC list, at most 15); `levels`: theirs in -dBov,
  // sent as RFC 6465 when the recipient negotiated it (setContributorLevelId).
  std::size_t write(std::span<const std::uint8_t> payload, std::span<std::uint8_t> out,
                    std::span<const std::uint32_t> contributors = {},
                    std::span<const std::uint8_t> levels = {});
  // An RFC 4733 event packet: its own payload type and the event's start timestamp (all
  // packets of one event carry it); time still moves on by one tick.
  std::size_t writeEvent(std::span<const std::uint8_t> payload, std::uint8_t payload_type,
                         std::uint32_t event_timestamp, bool marker, std::span<std::uint8_t> out);
  // A tick with nothing sent: only time moves on.
  void skip() { timestamp_ += step_; }
  void setPayloadType(std::uint8_t pt) { payload_type_ = pt; }
  void setTimestampStep(std::uint32_t step) { step_ = step; }
  void setContributorLevelId(int id) { csrc_level_id_ = id; }  // 0: not negotiated
  std::uint32_t ssrc() const { return ssrc_; }
  std::uint16_t nextSequence() const { return sequence_; }
  std::uint32_t nextTimestamp() const { return timestamp_; }
  std::uint64_t packetsSent() const { return packets_; }
  std::uint64_t bytesSent() const { return bytes_; }

 private:
  std::uint32_t ssrc_;
  std::uint16_t sequence_;
  std::uint32_t timestamp_;
  std::uint32_t step_;
  std::uint8_t payload_type_;
  bool first_ = true;
  int csrc_level_id_ = 0;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace mcu::mixer::rtp
