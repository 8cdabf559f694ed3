// The check every audio test makes: in what a participant received, these tones are heard and
// those are not (its own, muted ones, ones below the top K). Thresholds in dB (Goertzel).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "tests/support/tone.h"

namespace mcu::test {

// A mixed tone reads -22 dB or louder; Opus coding noise of neighbouring tones reaches about
// -53 dB, so -40 and -45 leave margin on both sides.
inline constexpr double kHeardDb = -40.0;
inline constexpr double kNotHeardDb = -45.0;

inline void expectHears(std::span<const std::int16_t> audio, std::initializer_list<double> heard,
                        std::initializer_list<double> not_heard) {
  for (const double hz : heard) {
    EXPECT_GT(goertzelDb(audio, hz), kHeardDb) << hz << " Hz should be heard";
  }
  for (const double hz : not_heard) {
    EXPECT_LT(goertzelDb(audio, hz), kNotHeardDb) << hz << " Hz should not be heard";
  }
}

// How many 20 ms frames (960 samples at 48 kHz) of `audio` hear at least one of `tones`, and of
// how many: a count per frame, unlike one level over the whole, cannot be raised or lowered by
// a sender that a busy machine stalled for a moment.
struct FramesHeard {
  std::size_t heard = 0;
  std::size_t frames = 0;
  double share() const {
    return frames == 0 ? 0.0 : static_cast<double>(heard) / static_cast<double>(frames);
  }
};

inline FramesHeard framesHeard(std::span<const std::int16_t> audio, std::span<const double> tones) {
  FramesHeard result;
  for (std::size_t at = 0; at + 960 <= audio.size(); at += 960, ++result.frames) {
    const auto frame = audio.subspan(at, 960);
    result.heard += std::any_of(tones.begin(), tones.end(),
                                [&](double hz) { return goertzelDb(frame, hz) > kHeardDb; })
                        ? 1
                        : 0;
  }
  return result;
}

// expectHears by frames: each heard tone in more than half the 20 ms frames, each other one in
// almost none. A busy machine may stall a sender or the mixer for a few hundred ms (seen under
// ASan: 11 frames of 50 silent for everyone); that moves these shares, not the verdict, where
// it can move one level over a whole window across a threshold.
inline void expectHearsInFrames(std::span<const std::int16_t> audio,
                                std::initializer_list<double> heard,
                                std::initializer_list<double> not_heard) {
  for (const double hz : heard) {
    const double tone[] = {hz};  // NOLINT(modernize-avoid-c-arrays): one-element span
    const auto counted = framesHeard(audio, tone);
    EXPECT_GT(counted.share(), 0.5) << hz << " Hz should be heard: in " << counted.heard << " of "
                                    << counted.frames << " frames";
  }
  for (const double hz : not_heard) {
    const double tone[] = {hz};  // NOLINT(modernize-avoid-c-arrays): one-element span
    const auto counted = framesHeard(audio, tone);
    EXPECT_LT(counted.share(), 0.05) << hz << " Hz should not be heard: in " << counted.heard
                                     << " of " << counted.frames << " frames";
  }
}

}  // namespace mcu::test
