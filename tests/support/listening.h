// The check every audio test makes: in what a participant received, these tones are heard and
// those are not (its own, muted ones, ones below the top K). Thresholds in dB (Goertzel).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "tests/support/frames_heard.h"
#include "tests/support/tone.h"

namespace mcu::test {

inline void expectHears(std::span<const std::int16_t> audio, std::initializer_list<double> heard,
                        std::initializer_list<double> not_heard) {
  for (const double hz : heard) {
    EXPECT_GT(goertzelDb(audio, hz), kHeardDb) << hz << " Hz should be heard";
  }
  for (const double hz : not_heard) {
    EXPECT_LT(goertzelDb(audio, hz), kNotHeardDb) << hz << " Hz should not be heard";
  }
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
