#include "mixer/rtp/rtcp.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace mcu::mixer::rtp {
namespace {

TEST(RtcpTest, ReceiveStatisticsCountLossAcrossAWrap) {
  ReceiveStatistics stats;
  for (std::uint32_t s = 65530; s < 65530 + 20; ++s) {
    if (s % 5 != 2) {  // lose every fifth (not the first or last: those cannot be known)
      stats.onPacket(static_cast<std::uint16_t>(s), 42, 80.0);
    }
  }
  const auto block = stats.nextBlock();
  ASSERT_TRUE(block);
  EXPECT_EQ(block->ssrc, 42U);
  EXPECT_EQ(block->extended_highest, 65536U + 13U);
  EXPECT_EQ(block->cumulative_lost, 4);
  EXPECT_EQ(block->fraction_lost, 4 * 256 / 20);  // 20 expected from 65530 to 65549
  EXPECT_EQ(block->jitter, 80U);
  // Nothing new since: the fraction for the next interval is zero.
  EXPECT_EQ(stats.nextBlock()->fraction_lost, 0);
}

TEST(RtcpTest, SenderReportRoundTripsThroughTheParser) {
  ReceiveStatistics stats;
  for (std::uint16_t s = 0; s < 100; ++s) {
    if (s != 50) {
      stats.onPacket(s, 0xABCD, 160.0);
    }
  }
  std::array<std::uint8_t, 256> buffer{};
  const SenderInfo sender{.ssrc = 7,
                          .ntp = 0x1234567800000000ULL,
                          .rtp_timestamp = 960,
                          .packets = 100,
                          .octets = 8000};
  const std::size_t size = writeSenderReport(sender, stats.nextBlock(), "mcu", buffer);
  ASSERT_GT(size, 0U);
  EXPECT_EQ(size % 4, 0U);
  const auto report = parseReports(std::span(buffer.data(), size), 0xABCD, 0);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->cumulative_lost, 1);
  EXPECT_EQ(report->jitter, 160U);
  EXPECT_FALSE(report->rtt_ms.has_value());
  EXPECT_FALSE(parseReports(std::span(buffer.data(), size), 0x9999, 0)) << "about another SSRC";
}

TEST(RtcpTest, ReceiverReportGivesRoundTripTime) {
  // An RR from the far end about our SSRC 7: LSR = our SR's NTP middle bits, DLSR = 0.5 s.
  const std::uint64_t sr_ntp = 0x0000100000000000ULL;
  const std::uint32_t lsr = ntpMiddle(sr_ntp);
  const std::uint32_t dlsr = 0x8000;                             // 0.5 s in 1/65536 s
  std::vector<std::uint8_t> rr{0x81, 201, 0, 7,   0,  0, 0, 99,  // header, reporter SSRC
                               0,    0,   0, 7,   64, 0, 0, 3,   // about SSRC 7: 25 % lost, 3 total
                               0,    0,   0, 100, 0,  0, 0, 48};  // highest seq, jitter
  for (const std::uint32_t v : {lsr, dlsr}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      rr.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  // Now is 0.6 s after our SR: the round trip is 100 ms.
  const std::uint64_t now = sr_ntp + 0x9999999AULL;  // + 0.6 s
  const auto report = parseReports(rr, 7, now);
  ASSERT_TRUE(report);
  EXPECT_DOUBLE_EQ(report->fraction_lost, 0.25);
  EXPECT_EQ(report->cumulative_lost, 3);
  ASSERT_TRUE(report->rtt_ms);
  EXPECT_NEAR(*report->rtt_ms, 100.0, 1.0);
}

TEST(RtcpTest, MalformedCompoundPacketsAreRejected) {
  std::vector<std::uint8_t> bad{0x81, 201, 0, 40, 0, 0, 0, 1};  // length past the end
  EXPECT_FALSE(parseReports(bad, 1, 0));
  std::vector<std::uint8_t> v1{0x41, 201, 0, 1, 0, 0, 0, 1};  // version 1
  EXPECT_FALSE(parseReports(v1, 1, 0));
  EXPECT_FALSE(parseReports({}, 1, 0));
}

}  // namespace
}  // namespace mcu::mixer::rtp
