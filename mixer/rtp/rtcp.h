// RTCP (RFC 3550 §6): the receiver statistics we keep per incoming stream (§A.3, §A.8), the
// compound packet we send (SR with one report block + SDES CNAME), and what we read from the
// far end's SR/RR about our stream (its loss and jitter, and the round trip via LSR/DLSR).
// Pure: times are arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mcu::mixer::rtp {

// Reception statistics of one incoming RTP stream.
class ReceiveStatistics {
 public:
  void onPacket(std::uint16_t sequence, std::uint32_t ssrc, double jitter_units);
  struct Block {
    std::uint32_t ssrc = 0;
    std::uint8_t fraction_lost = 0;  // since the last report, /256
    std::int32_t cumulative_lost = 0;
    std::uint32_t extended_highest = 0;
    std::uint32_t jitter = 0;  // timestamp units
  };
  // A report block for the next RTCP packet (advances the "since last report" counters).
  std::optional<Block> nextBlock();

 private:
  bool started_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;
  std::uint32_t base_seq_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;
  double jitter_ = 0.0;
};

struct SenderInfo {
  std::uint32_t ssrc = 0;
  std::uint64_t ntp = 0;  // NTP timestamp of now (64-bit fixed point)
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packets = 0;
  std::uint32_t octets = 0;
};

// SR + report block (if any) + SDES CNAME; returns the size written, 0 if `out` is too small.
std::size_t writeSenderReport(const SenderInfo& sender,
                              const std::optional<ReceiveStatistics::Block>& block,
                              std::string_view cname, std::span<std::uint8_t> out);

// What the far end says about the stream with SSRC `our_ssrc`.
struct RemoteReport {
  double fraction_lost = 0.0;  // 0..1
  std::int32_t cumulative_lost = 0;
  std::uint32_t jitter = 0;  // timestamp units
  std::optional<double> rtt_ms;
};

// Parses a compound RTCP packet; `now_ntp` is used for the round-trip time. Empty if the
// packet is malformed or holds no report block about `our_ssrc`.
std::optional<RemoteReport> parseReports(std::span<const std::uint8_t> data, std::uint32_t our_ssrc,
                                         std::uint64_t now_ntp);

// The middle 32 bits of an NTP timestamp, as LSR and DLSR use them.
inline std::uint32_t ntpMiddle(std::uint64_t ntp) { return static_cast<std::uint32_t>(ntp >> 16); }

}  // namespace mcu::mixer::rtp
