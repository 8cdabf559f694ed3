#include "mixer/core/level_meter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace mcu::mixer::core {
namespace {

std::vector<std::int16_t> sine(double amplitude, int samples = 960) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(samples));
  for (int i = 0; i < samples; ++i) {
    pcm[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(
        amplitude * 32767.0 * std::sin(2.0 * std::numbers::pi * 1000.0 * i / 48000.0));
  }
  return pcm;
}

TEST(LevelMeterTest, SilenceIs127) {
  EXPECT_EQ(levelDbov(std::vector<std::int16_t>(960, 0)), kSilenceDbov);
  EXPECT_EQ(levelDbov({}), kSilenceDbov);
}

TEST(LevelMeterTest, FullScaleSineIsAbout3dBBelowSquare) {
  // RFC 6464 §3: 0 dBov is a full-scale square wave; a full-scale sine has RMS 1/sqrt(2).
  EXPECT_EQ(levelDbov(sine(1.0)), 3);
}

TEST(LevelMeterTest, TwentyDbQuieterReadsTwentyMore) {
  EXPECT_EQ(levelDbov(sine(0.1)) - levelDbov(sine(1.0)), 20);
}

TEST(LevelMeterTest, FullScaleSquareIsZero) {
  std::vector<std::int16_t> square(960);
  for (std::size_t i = 0; i < square.size(); ++i) {
    square[i] = (i / 24) % 2 == 0 ? 32767 : -32768;
  }
  EXPECT_EQ(levelDbov(square), 0);
}

}  // namespace
}  // namespace mcu::mixer::core
