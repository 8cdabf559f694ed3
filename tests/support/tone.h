// Test tones and their detection: a participant "speaks" a sine of its own frequency, and a
// listener checks with the Goertzel algorithm which frequencies it hears.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mixer/core/audio_frame.h"

namespace mcu::test {

class ToneGenerator {
 public:
  ToneGenerator(double hz, double amplitude = 8000.0) : hz_(hz), amplitude_(amplitude) {}
  void next(mcu::mixer::core::Pcm& out);

 private:
  double hz_;
  double amplitude_;
  std::uint64_t n_ = 0;
};

// Power of `hz` in `pcm` (48 kHz), normalised so a full-scale sine gives about 0 dB.
double goertzelDb(std::span<const std::int16_t> pcm, double hz, int rate = 48000);

// True if `hz` stands at least `margin_db` above the quietest of the `reference` frequencies
// and above an absolute floor: the tone is clearly there.
bool hears(std::span<const std::int16_t> pcm, double hz, double floor_db = -45.0);

// Writes a mono 16-bit WAV file of a sine at `hz`; returns false if it cannot be written.
bool writeWavTone(const std::string& path, double hz, double seconds, int rate);

}  // namespace mcu::test
