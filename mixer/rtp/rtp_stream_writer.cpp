#include "mixer/rtp/rtp_stream_writer.h"

#include <algorithm>

namespace mcu::mixer::rtp {

RtpStreamWriter::RtpStreamWriter(std::uint32_t ssrc, std::uint16_t first_sequence,
                                 std::uint32_t first_timestamp, std::uint32_t timestamp_step,
                                 std::uint8_t payload_type)
    : ssrc_(ssrc),
      sequence_(first_sequence),
      timestamp_(first_timestamp),
      step_(timestamp_step),
      payload_type_(payload_type) {}

std::size_t RtpStreamWriter::write(std::span<const std::uint8_t> payload,
                                   std::span<std::uint8_t> out,
                                   std::span<const std::uint32_t> contributors,
                                   std::span<const std::uint8_t> levels) {
  RtpHeader header;
  header.csrc_count = static_cast<std::uint8_t>(std::min(contributors.size(), header.csrcs.size()));
  std::copy_n(contributors.begin(), header.csrc_count, header.csrcs.begin());
  if (csrc_level_id_ > 0 && levels.size() == contributors.size()) {
    header.csrc_level_count = header.csrc_count;
    std::copy_n(levels.begin(), header.csrc_level_count, header.csrc_levels.begin());
  }
  header.payload_type = payload_type_;
  header.marker = first_;  // RFC 3551 §4.1: first packet of a talkspurt
  header.sequence = sequence_;
  header.timestamp = timestamp_;
  header.ssrc = ssrc_;
  const std::size_t size = writeRtp(header, payload, out, 0, csrc_level_id_);
  if (size > 0) {
    first_ = false;
    ++sequence_;
    ++packets_;
    bytes_ += size;
  }
  timestamp_ += step_;
  return size;
}

std::size_t RtpStreamWriter::writeEvent(std::span<const std::uint8_t> payload,
                                        std::uint8_t payload_type, std::uint32_t event_timestamp,
                                        bool marker, std::span<std::uint8_t> out) {
  RtpHeader header;
  header.payload_type = payload_type;
  header.marker = marker;
  header.sequence = sequence_;
  header.timestamp = event_timestamp;
  header.ssrc = ssrc_;
  const std::size_t size = writeRtp(header, payload, out);
  if (size > 0) {
    ++sequence_;
    ++packets_;
    bytes_ += size;
  }
  timestamp_ += step_;
  return size;
}

}  // namespace mcu::mixer::rtp
