// The built-in voice's prompts: present, and raised from 16 to 48 kHz without the images a
// plain zero-stuffing leaves (a 1 kHz tone at 16 kHz has its first image at 15 kHz).
#include "mcu/conference/spoken_prompts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
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

TEST(SpokenPromptsTest, EveryNumberWordIsThereAndShort) {
  for (std::size_t i = static_cast<std::size_t>(SpokenPrompt::kNumber0); i < kSpokenPromptCount;
       ++i) {
    const auto& pcm = *spokenPrompt(static_cast<SpokenPrompt>(i));
    const double seconds = static_cast<double>(pcm.size()) / 48000.0;
    EXPECT_GT(seconds, 0.2) << i;
    EXPECT_LT(seconds, 1.5) << i;
  }
}

// The words by their number, to read the expectations below.
std::vector<int> said(std::size_t n) {
  static const std::map<SpokenPrompt, int> kValue = [] {
    std::map<SpokenPrompt, int> value;
    for (int i = 0; i < 20; ++i) {
      value[static_cast<SpokenPrompt>(static_cast<int>(SpokenPrompt::kNumber0) + i)] = i;
    }
    for (int t = 2; t <= 9; ++t) {
      value[static_cast<SpokenPrompt>(static_cast<int>(SpokenPrompt::kNumber20) + t - 2)] = t * 10;
    }
    value[SpokenPrompt::kNumber100] = 100;
    value[SpokenPrompt::kNumber1000] = 1000;
    return value;
  }();
  std::vector<int> out;
  for (const auto w : numberWords(n)) {
    out.push_back(kValue.at(w));
  }
  return out;
}

TEST(SpokenPromptsTest, ACountIsSaidInWords) {
  using V = std::vector<int>;
  EXPECT_EQ(said(0), V{0});
  EXPECT_EQ(said(7), V{7});
  EXPECT_EQ(said(13), V{13});
  EXPECT_EQ(said(20), V{20});
  EXPECT_EQ(said(23), (V{20, 3}));
  EXPECT_EQ(said(100), (V{1, 100}));
  EXPECT_EQ(said(105), (V{1, 100, 5}));
  EXPECT_EQ(said(999), (V{9, 100, 90, 9}));
  EXPECT_EQ(said(1000), (V{1, 1000}));
  EXPECT_EQ(said(2023), (V{2, 1000, 20, 3}));
  EXPECT_EQ(said(120'000), (V{1, 100, 20, 1000}));
  EXPECT_EQ(said(5'000'000), said(999'999)) << "beyond what a room holds: the largest said";
}

TEST(SpokenPromptsTest, TheCountPromptIsTheSentenceThenTheWords) {
  const auto sentence = spokenPrompt(SpokenPrompt::kParticipantCount)->size();
  const auto twenty = spokenPrompt(SpokenPrompt::kNumber20)->size();
  const auto three = spokenPrompt(SpokenPrompt::kNumber3)->size();
  EXPECT_EQ(spokenCount(23)->size(), sentence + 48 * 150 + twenty + three);
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
