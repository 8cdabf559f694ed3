// Keeps a mixed stream inside 16-bit range without wrap-around or hard clipping when many talk
// at once: a gain that drops at once to what the frame's peak needs and recovers slowly
// (about 200 ms), interpolated across the frame so it never steps, followed by a soft knee
// for the first samples of a sudden peak that the gain could not foresee. One Limiter per
// output stream: its gain is state. Pure.
#pragma once

#include <span>

namespace mcu::mixer::core {

class Limiter {
 public:
  // Samples are floats in 16-bit units (full scale 32767).
  void process(std::span<float> samples);
  float gain() const { return gain_; }

  static constexpr float kCeiling = 32000.0F;  // just under full scale: headroom for the knee

 private:
  float gain_ = 1.0F;
};

}  // namespace mcu::mixer::core
