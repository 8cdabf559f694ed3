#include "mixer/engine/rtcp_reporter.h"

#include <chrono>
#include <utility>

namespace mcu::mixer {

std::uint64_t systemNtpNow() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  constexpr std::uint64_t kEpochOffset = 2208988800ULL;  // 1900 to 1970
  const auto secs = static_cast<std::uint64_t>(us / 1'000'000) + kEpochOffset;
  const auto frac = (static_cast<std::uint64_t>(us % 1'000'000) << 32) / 1'000'000;
  return (secs << 32) | frac;
}

RtcpReporter::RtcpReporter(NtpClock ntp_clock, std::uint32_t seed)
    : ntp_clock_(std::move(ntp_clock)), rng_(seed) {}

std::size_t RtcpReporter::reportIfDue(std::int64_t now_us, const rtp::RtpStreamWriter& writer,
                                      std::span<std::uint8_t> out) {
  if (now_us < next_report_us_) {
    return 0;
  }
  next_report_us_ =
      now_us + std::uniform_int_distribution<std::int64_t>(2'500'000, 7'500'000)(rng_);
  rtp::SenderInfo sender;
  sender.ssrc = writer.ssrc();
  sender.ntp = ntp_clock_();
  sender.rtp_timestamp = writer.nextTimestamp();
  sender.packets = static_cast<std::uint32_t>(writer.packetsSent());
  sender.octets = static_cast<std::uint32_t>(writer.bytesSent());
  return rtp::writeSenderReport(sender, receive_stats_.nextBlock(), "mcu", out);
}

std::optional<rtp::RemoteReport> RtcpReporter::onReport(std::span<const std::uint8_t> data,
                                                        std::uint32_t our_ssrc) const {
  return rtp::parseReports(data, our_ssrc, ntp_clock_());
}

}  // namespace mcu::mixer
