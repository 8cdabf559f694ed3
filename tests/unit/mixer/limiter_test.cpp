#include "mixer/core/limiter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace mcu::mixer::core {
namespace {

std::vector<float> sine(float amplitude, std::size_t n = 960, double hz = 440.0) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * hz *
                                                   static_cast<double>(i) / 48000.0));
  }
  return v;
}

TEST(LimiterTest, QuietSignalPassesUntouched) {
  Limiter limiter;
  auto frame = sine(8000.0F);
  const auto original = frame;
  limiter.process(frame);
  EXPECT_EQ(frame, original);
  EXPECT_FLOAT_EQ(limiter.gain(), 1.0F);
}

TEST(LimiterTest, TenLoudTalkersStayInRangeAndKeepTheirSign) {
  Limiter limiter;
  for (int tick = 0; tick < 10; ++tick) {
    auto frame = sine(10 * 30000.0F);
    const auto original = frame;
    limiter.process(frame);
    for (std::size_t i = 0; i < frame.size(); ++i) {
      ASSERT_LE(std::fabs(frame[i]), Limiter::kCeiling) << i;
      ASSERT_GE(frame[i] * original[i], 0.0F) << "sign flipped at " << i;
    }
  }
  EXPECT_LT(limiter.gain(), 0.2F);
}

TEST(LimiterTest, GainRecoversAfterTheLoudPart) {
  Limiter limiter;
  auto loud = sine(100000.0F);
  limiter.process(loud);
  const float after_loud = limiter.gain();
  for (int tick = 0; tick < 50; ++tick) {
    auto quiet = sine(1000.0F);
    limiter.process(quiet);
  }
  EXPECT_LT(after_loud, 0.5F);
  EXPECT_GT(limiter.gain(), 0.99F);
}

TEST(LimiterTest, GainChangesWithoutSteps) {
  Limiter limiter;
  std::vector<float> frame(960, 20000.0F);
  limiter.process(frame);
  std::vector<float> louder(960, 60000.0F);
  limiter.process(louder);
  for (std::size_t i = 1; i < louder.size(); ++i) {
    EXPECT_LE(std::fabs(louder[i] - louder[i - 1]), 200.0F) << i;
  }
}

}  // namespace
}  // namespace mcu::mixer::core
