#include "tests/support/tone.h"

#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

namespace mcu::test {

void ToneGenerator::next(mcu::mixer::core::Pcm& out) {
  for (auto& s : out) {
    s = static_cast<std::int16_t>(
        amplitude_ * std::sin(2.0 * std::numbers::pi * hz_ * static_cast<double>(n_++) / 48000.0));
  }
}

double goertzelDb(std::span<const std::int16_t> pcm, double hz, int rate) {
  if (pcm.empty()) {
    return -200.0;
  }
  const double w = 2.0 * std::numbers::pi * hz / rate;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0.0;
  double s2 = 0.0;
  for (const std::int16_t x : pcm) {
    const double s0 = static_cast<double>(x) / 32768.0 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  const double n = static_cast<double>(pcm.size());
  // A sine of amplitude A gives power ~ (A*N/2)^2.
  const double amplitude = 2.0 * std::sqrt(std::max(power, 1e-30)) / n;
  return 20.0 * std::log10(std::max(amplitude, 1e-10));
}

bool hears(std::span<const std::int16_t> pcm, double hz, double floor_db) {
  return goertzelDb(pcm, hz) > floor_db;
}

bool writeWavTone(const std::string& path, double hz, double seconds, int rate) {
  const auto n = static_cast<std::uint32_t>(seconds * rate);
  std::vector<std::int16_t> samples(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    samples[i] = static_cast<std::int16_t>(
        8000.0 * std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / rate));
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return false;
  }
  const auto put32 = [f](std::uint32_t v) { std::fwrite(&v, 4, 1, f); };
  const auto put16 = [f](std::uint16_t v) { std::fwrite(&v, 2, 1, f); };
  std::fwrite("RIFF", 1, 4, f);
  put32(36 + n * 2);
  std::fwrite("WAVEfmt ", 1, 8, f);
  put32(16);
  put16(1);  // PCM
  put16(1);  // mono
  put32(static_cast<std::uint32_t>(rate));
  put32(static_cast<std::uint32_t>(rate) * 2);
  put16(2);
  put16(16);
  std::fwrite("data", 1, 4, f);
  put32(n * 2);
  std::fwrite(samples.data(), 2, n, f);
  return std::fclose(f) == 0;
}

}  // namespace mcu::test
