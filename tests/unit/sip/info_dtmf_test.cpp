#include "mcu/sip/info_dtmf.h"

#include <gtest/gtest.h>

namespace mcu::sip {
namespace {

TEST(InfoDtmfTest, DtmfRelayBodiesGiveTheirSignal) {
  EXPECT_EQ(infoDtmfDigit("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"), '5');
  EXPECT_EQ(infoDtmfDigit("Application/DTMF-Relay", "Duration=100\r\nSignal= #\r\n"), '#');
  EXPECT_EQ(infoDtmfDigit("application/dtmf-relay", "Signal=10\r\n"), '*');
  EXPECT_EQ(infoDtmfDigit("application/dtmf-relay", "Signal=11\nDuration=100"), '#');
  EXPECT_EQ(infoDtmfDigit("application/dtmf-relay", "signal=b\r\n"), 'B');
}

TEST(InfoDtmfTest, PlainDtmfBodiesAreTheDigit) {
  EXPECT_EQ(infoDtmfDigit("application/dtmf", "7"), '7');
  EXPECT_EQ(infoDtmfDigit("application/dtmf; charset=x", " *\r\n"), '*');
}

TEST(InfoDtmfTest, OtherBodiesAndBadSignalsAreNotDigits) {
  EXPECT_EQ(infoDtmfDigit("application/media_control+xml", "<x/>"), std::nullopt);
  EXPECT_EQ(infoDtmfDigit("application/dtmf-relay", "Duration=160\r\n"), std::nullopt);
  EXPECT_EQ(infoDtmfDigit("application/dtmf-relay", "Signal=55\r\n"), std::nullopt);
  EXPECT_EQ(infoDtmfDigit("application/dtmf", "x"), std::nullopt);
  EXPECT_EQ(infoDtmfDigit("application/dtmf", ""), std::nullopt);
}

}  // namespace
}  // namespace mcu::sip
