// The check every audio test makes: in what a participant received, these tones are heard and
// those are not (its own, muted ones, ones below the top K). Thresholds in dB (Goertzel).
#pragma once

#include <gtest/gtest.h>

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

}  // namespace mcu::test
