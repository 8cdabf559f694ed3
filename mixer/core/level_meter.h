// Audio level of a frame in -dBov (0 = full scale, 127 = silence), the unit of RFC 6464's
// audio-level header extension, so a level measured here and one received in RTP compare
// directly when choosing the loudest speakers. Pure: no clocks, no I/O.
#pragma once

#include <cstdint>
#include <span>

namespace mcu::mixer::core {

inline constexpr int kSilenceDbov = 127;

// RMS level of 16-bit PCM relative to a full-scale square wave (RFC 6464 §3), rounded to whole
// dB and clamped to 0..127. An empty frame is silence.
int levelDbov(std::span<const std::int16_t> pcm);

}  // namespace mcu::mixer::core
