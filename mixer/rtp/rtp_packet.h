// RTP packets (RFC 3550) parsed in place over the received bytes, and written into a caller's
// buffer: no allocation on the media path. Includes the RFC 6464 client-to-mixer audio level
// and the RFC 6465 mixer-to-client levels of the contributing sources (one-byte header
// extensions, RFC 8285) when their ids were negotiated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace mcu::mixer::rtp {

struct RtpHeader {
  std::uint8_t payload_type = 0;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  // RFC 6464: level in -dBov (0..127) and the sender's voice-activity flag, when present.
  std::optional<std::uint8_t> audio_level;
  bool voice_activity = false;
  // RFC 3550 §5.1 contributing sources: in the mixes we send, the talkers heard in it (so
  // phones and gateways can show who speaks).
  std::array<std::uint32_t, 15> csrcs{};
  std::uint8_t csrc_count = 0;
  std::span<const std::uint32_t> contributors() const { return {csrcs.data(), csrc_count}; }
  // RFC 6465: the level (-dBov, 0..127) of each contributing source, in the CSRC order.
  std::array<std::uint8_t, 15> csrc_levels{};
  std::uint8_t csrc_level_count = 0;
  std::span<const std::uint8_t> contributorLevels() const {
    return {csrc_levels.data(), csrc_level_count};
  }
};

struct RtpPacketView {
  RtpHeader header;
  std::span<const std::uint8_t> payload;
};

inline constexpr std::size_t kRtpHeaderSize = 12;
inline constexpr std::size_t kMaxRtpPacket = 1500;

// Empty for anything that is not a well-formed RTP packet: wrong version, truncated header,
// CSRC list or extension, padding longer than the packet, an RTCP packet type (rtcp-mux,
// RFC 5761 §4), or no payload. `audio_level_id` and `csrc_level_id` are the negotiated
// extension ids (1-14) or 0.
std::optional<RtpPacketView> parseRtp(std::span<const std::uint8_t> data, int audio_level_id,
                                      int csrc_level_id = 0);

// Writes header (+ the audio level extension when `audio_level_id` and the level are set, + the
// contributors' levels when `csrc_level_id` and levels are set) and payload into `out`;
// returns the size, or 0 if `out` is too small.
std::size_t writeRtp(const RtpHeader& header, std::span<const std::uint8_t> payload,
                     std::span<std::uint8_t> out, int audio_level_id = 0, int csrc_level_id = 0);

// True for the packet types RTCP uses when multiplexed with RTP (RFC 5761 §4: 64-95).
bool looksLikeRtcp(std::span<const std::uint8_t> data);

}  // namespace mcu::mixer::rtp
