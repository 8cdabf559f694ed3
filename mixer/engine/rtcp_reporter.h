// One participant's RTCP (RFC 3550 §6), apart from its media: the reception statistics of what
// it sends us, when our next sender report is due (§6.3.5: every 5 s, randomised to 0.5-1.5 of
// that so reports do not bunch), the report itself, and what the far end reports about our
// stream. Time comes in: `now_us` from the media thread's tick, NTP wall time from a clock
// handed in (the system's by default), so a test runs it without waiting or a real clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>

#include "mixer/rtp/rtcp.h"
#include "mixer/rtp/rtp_stream_writer.h"

namespace mcu::mixer {

// NTP time (RFC 5905 §6) from the system clock: seconds since 1900 in the high 32 bits.
std::uint64_t systemNtpNow();

class RtcpReporter {
 public:
  using NtpClock = std::function<std::uint64_t()>;
  // `seed`: of the report interval's spread (the thread's generator gives it; a test, its own).
  RtcpReporter(NtpClock ntp_clock, std::uint32_t seed);

  // A packet of the stream it sends us (for the report block).
  void onPacket(std::uint16_t sequence, std::uint32_t ssrc, double jitter_units) {
    receive_stats_.onPacket(sequence, ssrc, jitter_units);
  }
  // Writes our sender report (SR + SDES CNAME) into `out` if one is due at `now_us`, and dates
  // the next one; 0 if none is due. The first is due at once.
  std::size_t reportIfDue(std::int64_t now_us, const rtp::RtpStreamWriter& writer,
                          std::span<std::uint8_t> out);
  // What an SR/RR from the far end says about our stream `our_ssrc` (round trip from its
  // LSR/DLSR and our clock); nullopt if it is not a valid report.
  std::optional<rtp::RemoteReport> onReport(std::span<const std::uint8_t> data,
                                            std::uint32_t our_ssrc) const;

 private:
  NtpClock ntp_clock_;
  // One per participant: minstd's 8 bytes, not mt19937's 5 KB (the interval's spread needs no
  // better randomness than that).
  std::minstd_rand rng_;
  rtp::ReceiveStatistics receive_stats_;
  std::int64_t next_report_us_ = 0;
};

}  // namespace mcu::mixer
