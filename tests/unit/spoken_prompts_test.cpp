// The built-in voice's prompts: present, and raised from 16 to 48 kHz without the images a
// plain zero-stuffing leaves (a 1 kHz tone at 16 kHz has its first image at 15 kHz).
#include "mcu/conference/spoken_prompts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tests/support/tone.h"

namespace mcu::conference {
namespace {

TEST(SpokenPromptsTest, EveryPromptIsSpeechOfAFewSecondsAt48kHz) {
  for (const auto prompt : kSpokenPrompts) {
    const auto& pcm = *spokenPrompt(prompt);
    const double seconds = static_cast<double>(pcm.size()) / 48000.0;
    EXPECT_GT(seconds, 1.0) << static_cast<int>(prompt);
    EXPECT_LT(seconds, 15.0) << static_cast<int>(prompt);
    double sum = 0.0;
    for (const auto s : pcm) {
      sum += static_cast<double>(s) * s;
    }
    const double rms_db =
        10.0 * std::log10(sum / static_cast<double>(pcm.size())) - 20.0 * std::log10(32768.0);
    EXPECT_GT(rms_db, -30.0) << "normalised speech, not silence";
  }
}

TEST(SpokenPromptsTest, UpsamplingKeepsTheToneAndRemovesItsImages) {
  std::vector<std::int16_t> in(1600);  // 100 ms of 1 kHz at 16 kHz
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i] = static_cast<std::int16_t>(std::lround(
        10000.0 * std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(i) / 16000.0)));
  }
  const auto out = upsample16kTo48k(in);
  ASSERT_EQ(out.size(), 4800U);
  // The middle 20 ms, away from the edges' transients.
  const std::vector<std::int16_t> frame(out.begin() + 1920, out.begin() + 2880);
  const double tone = test::goertzelDb(frame, 1000.0);
  EXPECT_NEAR(tone,
              test::goertzelDb(std::vector<std::int16_t>(in.begin() + 640, in.begin() + 960),
                               1000.0, 16000),
              1.0)
      << "the tone keeps its level";
  EXPECT_LT(test::goertzelDb(frame, 15000.0), tone - 50.0) << "the first image is gone";
  EXPECT_LT(test::goertzelDb(frame, 17000.0), tone - 50.0) << "and the second";
}

}  // namespace
}  // namespace mcu::conference
