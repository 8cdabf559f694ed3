// Whether a tone is heard, frame by frame, in what a participant received: the measure the
// tests (listening.h) and the load tools (tests/load) share. No test framework here, so the load
// tools can use it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tests/support/tone.h"

namespace mcu::test {

// A mixed tone reads -22 dB or louder; Opus coding noise of neighbouring tones reaches about
// -53 dB, so -40 and -45 leave margin on both sides.
inline constexpr double kHeardDb = -40.0;
inline constexpr double kNotHeardDb = -45.0;

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
                        ? 1U
                        : 0U;
  }
  return result;
}

}  // namespace mcu::test
