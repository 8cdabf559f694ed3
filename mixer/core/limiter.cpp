#include "mixer/core/limiter.h"

#include <algorithm>
#include <cmath>

namespace mcu::mixer::core {
namespace {

constexpr float kRelease = 0.1F;  // per 20 ms frame: back to unity in ~200 ms
constexpr float kKnee = 0.8F * Limiter::kCeiling;

// Identity below the knee, then a smooth curve that approaches (never reaches) the ceiling.
float softClip(float x) {
  const float a = std::fabs(x);
  if (a <= kKnee) {
    return x;
  }
  const float room = Limiter::kCeiling - kKnee;
  const float y = kKnee + room * std::tanh((a - kKnee) / room);
  return x < 0 ? -y : y;
}

}  // namespace

void Limiter::process(std::span<float> samples) {
  if (samples.empty()) {
    return;
  }
  float peak = 0.0F;
  for (const float s : samples) {
    peak = std::max(peak, std::fabs(s));
  }
  const float needed = peak > kKnee ? kKnee / peak : 1.0F;
  const float target = needed < gain_ ? needed : gain_ + kRelease * (1.0F - gain_);
  const float step = (target - gain_) / static_cast<float>(samples.size());
  float g = gain_;
  for (float& s : samples) {
    g += step;
    s = softClip(s * g);
  }
  gain_ = target;
}

}  // namespace mcu::mixer::core
