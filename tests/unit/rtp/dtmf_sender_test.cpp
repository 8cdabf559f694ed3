#include "mixer/rtp/dtmf_sender.h"

#include <gtest/gtest.h>

namespace mcu::mixer::rtp {
namespace {

constexpr std::uint32_t kStep = 160;  // 20 ms at 8 kHz

TEST(DtmfSenderTest, ADigitIsFiveGrowingPacketsThreeEndsThenTwoTicksOfAudio) {
  DtmfSender sender;
  ASSERT_TRUE(sender.queue('#'));
  std::uint32_t ts = 8000;
  for (int tick = 0; tick < 8; ++tick, ts += kStep) {
    const auto packet = sender.next(ts, kStep);
    ASSERT_TRUE(packet.has_value()) << "tick " << tick;
    EXPECT_EQ(packet->payload[0], 11) << "'#' is event 11";
    EXPECT_EQ(packet->timestamp, 8000U) << "every packet of an event has its start time";
    EXPECT_EQ(packet->marker, tick == 0);
    const bool end = tick >= 4;
    EXPECT_EQ((packet->payload[1] & 0x80) != 0, end) << "tick " << tick;
    const std::uint32_t duration = (std::uint32_t{packet->payload[2]} << 8U) | packet->payload[3];
    EXPECT_EQ(duration, kStep * static_cast<std::uint32_t>(std::min(tick + 1, 5)));
  }
  EXPECT_FALSE(sender.next(ts, kStep).has_value()) << "the gap";
  EXPECT_FALSE(sender.next(ts + kStep, kStep).has_value());
  EXPECT_FALSE(sender.sending());
}

TEST(DtmfSenderTest, DigitsFollowEachOtherAndOnlyDigitsAreTaken) {
  DtmfSender sender;
  EXPECT_FALSE(sender.queue('x'));
  EXPECT_FALSE(sender.sending());
  ASSERT_TRUE(sender.queue('1'));
  ASSERT_TRUE(sender.queue('D'));
  std::uint32_t ts = 0;
  for (int tick = 0; tick < 10; ++tick, ts += kStep) {
    sender.next(ts, kStep);
  }
  const auto second = sender.next(ts, kStep);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->payload[0], 15) << "'D' is event 15";
  EXPECT_EQ(second->timestamp, ts);
  EXPECT_TRUE(second->marker);
}

}  // namespace
}  // namespace mcu::mixer::rtp
