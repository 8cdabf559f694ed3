// 8 kHz <-> 48 kHz for the G.711 callers (g711_codec.h): a polyphase FIR, one prototype
// low-pass for both ways. Cut off at 4 kHz with about 70 dB of stop band (144 taps, Kaiser
// window, transition 3.3-4.7 kHz), so the telephone band (300-3,400 Hz) passes flat and what
// a 48 kHz mix holds above 4 kHz does not fold back into it. Each way costs 24 multiply-adds
// per 48 kHz sample and delays by 1.5 ms; GStreamer's audioresample chain cost several times
// more per frame in element pushes alone (codec_chain_bench).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace mcu::mixer::codec {

inline constexpr std::size_t kRateRatio = 6;   // 48 kHz / 8 kHz
inline constexpr std::size_t kPhaseTaps = 24;  // taps of each of the 6 phases
inline constexpr std::size_t kFilterTaps = kRateRatio * kPhaseTaps;

class Upsampler6x {
 public:
  // out.size() must be 6 * in.size(); history carries over between calls.
  void process(std::span<const std::int16_t> in, std::span<std::int16_t> out);

 private:
  std::array<float, kPhaseTaps - 1> history_{};  // the last inputs, oldest first
  std::vector<float> work_;                      // history then this call's inputs
  std::vector<float> acc_;                       // one phase's outputs
};

class Downsampler6x {
 public:
  // in.size() must be 6 * out.size(); history carries over between calls.
  void process(std::span<const std::int16_t> in, std::span<std::int16_t> out);

 private:
  std::array<float, kFilterTaps - 1> history_{};  // the last inputs, oldest first
  std::vector<float> streams_;                    // the window's samples split by phase
  std::vector<float> acc_;
};

// The prototype filter (gain 1 at DC), for tests.
const std::array<float, kFilterTaps>& rate6xFilter();

}  // namespace mcu::mixer::codec
