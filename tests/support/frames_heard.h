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

// A tone is heard in a 20 ms frame when it is louder than kHeardDb and stands clear of the
// spectrum beside it (150 Hz either side, kToneClearDb lower): what a listener hears as that
// tone. A frame concealed or mixed from concealed input (a busy machine delays packets) has
// broadband clicks instead, measured at -28 to -40 dB at every frequency looked at, 200 to
// 1,700 Hz; a voice that leaks (a mix-minus fault) is a clean tone. The test tones are whole
// multiples of 50 Hz, so a frame of 960 samples holds whole periods of them and of their
// neighbours at +-150 Hz: a clean tone does not leak into them.
inline constexpr double kToneClearDb = 10.0;
inline bool toneHeard(std::span<const std::int16_t> frame, double hz) {
  const double level = goertzelDb(frame, hz);
  if (level <= kHeardDb) {
    return false;
  }
  const double beside = std::max(goertzelDb(frame, hz - 150.0), goertzelDb(frame, hz + 150.0));
  return level - beside > kToneClearDb;
}

inline FramesHeard framesHeard(std::span<const std::int16_t> audio, std::span<const double> tones) {
  FramesHeard result;
  for (std::size_t at = 0; at + 960 <= audio.size(); at += 960, ++result.frames) {
    const auto frame = audio.subspan(at, 960);
    result.heard +=
        std::any_of(tones.begin(), tones.end(), [&](double hz) { return toneHeard(frame, hz); })
            ? 1U
            : 0U;
  }
  return result;
}

}  // namespace mcu::test
