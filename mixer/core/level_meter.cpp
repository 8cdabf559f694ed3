#include "mixer/core/level_meter.h"

#include <algorithm>
#include <cmath>

namespace mcu::mixer::core {

int levelDbov(std::span<const std::int16_t> pcm) {
  if (pcm.empty()) {
    return kSilenceDbov;
  }
  double energy = 0.0;
  for (const std::int16_t s : pcm) {
    const double x = static_cast<double>(s) / 32768.0;
    energy += x * x;
  }
  const double rms = std::sqrt(energy / static_cast<double>(pcm.size()));
  if (rms <= 0.0) {
    return kSilenceDbov;
  }
  const double dbov = -20.0 * std::log10(rms);
  return std::clamp(static_cast<int>(std::lround(dbov)), 0, kSilenceDbov);
}

}  // namespace mcu::mixer::core
