// A participant's RTCP with the test's clocks: the tick's time and an NTP clock handed in, so
// the 5 s report interval and the round trip are checked without waiting or a real clock.
#include "mixer/engine/rtcp_reporter.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

namespace mcu::mixer {
namespace {

std::uint32_t read32(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

class RtcpReporterTest : public ::testing::Test {
 protected:
  std::uint64_t ntp_ = 0x0000100000000000ULL;
  RtcpReporter reporter_{[this] { return ntp_; }, 42};
  rtp::RtpStreamWriter writer_{0x1234, 100, 5000, 960, 111};
  std::array<std::uint8_t, 256> packet_{};
};

TEST_F(RtcpReporterTest, TheFirstReportGoesAtOnceAndTheNextOnesEveryTwoAndAHalfToSevenAndAHalfS) {
  ASSERT_GT(reporter_.reportIfDue(0, writer_, packet_), 0U);
  EXPECT_EQ(reporter_.reportIfDue(0, writer_, packet_), 0U) << "one report, not one per tick";
  std::int64_t last_us = 0;
  std::set<std::int64_t> intervals;
  for (std::int64_t now_us = 20'000; now_us < 120'000'000; now_us += 20'000) {
    if (reporter_.reportIfDue(now_us, writer_, packet_) > 0) {
      const std::int64_t interval = now_us - last_us;
      EXPECT_GE(interval, 2'500'000) << "RFC 3550 §6.3.5: at least half the 5 s interval";
      EXPECT_LE(interval, 7'520'000) << "at most one and a half of it (plus a tick)";
      intervals.insert(interval);
      last_us = now_us;
    }
  }
  EXPECT_GE(intervals.size(), 5U) << "randomised, so that reports do not bunch";
}

TEST_F(RtcpReporterTest, TheSenderReportCarriesTheClocksTimeAndTheReceptionBlock) {
  for (std::uint16_t seq = 1; seq <= 10; ++seq) {
    if (seq != 5) {
      reporter_.onPacket(seq, 0xABCD, 0.0);
    }
  }
  const std::size_t size = reporter_.reportIfDue(0, writer_, packet_);
  ASSERT_GE(size, 52U);
  const std::span<const std::uint8_t> sr(packet_.data(), size);
  EXPECT_EQ(sr[1], 200) << "an SR";
  EXPECT_EQ(read32(sr, 4), 0x1234U) << "our SSRC";
  EXPECT_EQ((std::uint64_t{read32(sr, 8)} << 32) | read32(sr, 12), ntp_) << "the NTP clock's time";
  EXPECT_EQ(read32(sr, 16), writer_.nextTimestamp());
  EXPECT_EQ(read32(sr, 28), 0xABCDU) << "the block is about the stream it sends us";
  EXPECT_EQ(read32(sr, 32) & 0xFFFFFFU, 1U) << "one packet of ten lost";
}

TEST_F(RtcpReporterTest, TheRoundTripIsTakenAgainstTheClockHandedIn) {
  // The far end's RR about our SSRC: LSR = the middle bits of an SR of ours, DLSR = 0.5 s.
  const std::uint32_t lsr = static_cast<std::uint32_t>(ntp_ >> 16);
  std::vector<std::uint8_t> rr{0x81, 201, 0, 7, 0, 0, 0, 99,  0, 0, 0x12, 0x34,
                               0,    0,   0, 0, 0, 0, 0, 100, 0, 0, 0,    0};
  for (const std::uint32_t v : {lsr, 0x8000U}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      rr.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  ntp_ += 0x9999999AULL;  // 0.6 s after our SR
  const auto report = reporter_.onReport(rr, 0x1234);
  ASSERT_TRUE(report.has_value());
  ASSERT_TRUE(report->rtt_ms.has_value());
  EXPECT_NEAR(*report->rtt_ms, 100.0, 1.0);
  EXPECT_FALSE(reporter_.onReport(std::span<const std::uint8_t>(rr.data(), 3), 0x1234))
      << "not a report";
}

}  // namespace
}  // namespace mcu::mixer
