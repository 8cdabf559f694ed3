#include "mixer/codec/rate_6x.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mcu::mixer::codec {
namespace {

constexpr double kCutoff = 4000.0 / 48000.0;  // of the 48 kHz rate
constexpr double kKaiserBeta = 7.0;           // about 70 dB of stop band

// The zeroth-order modified Bessel function of the first kind, by its series.
double besselI0(double x) {
  double sum = 1.0;
  double term = 1.0;
  for (int k = 1; k < 40; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
  }
  return sum;
}

// Upsampling's phases, reversed so that a phase runs forward over the oldest input first,
// and scaled by 6: zero-stuffing leaves 1/6 of the energy.
const std::array<std::array<float, kPhaseTaps>, kRateRatio>& phases() {
  static const auto table = [] {
    std::array<std::array<float, kPhaseTaps>, kRateRatio> t{};
    const auto& h = rate6xFilter();
    for (std::size_t p = 0; p < kRateRatio; ++p) {
      for (std::size_t j = 0; j < kPhaseTaps; ++j) {
        t[p][kPhaseTaps - 1 - j] = static_cast<float>(kRateRatio) * h[p + kRateRatio * j];
      }
    }
    return t;
  }();
  return table;
}

// Rounded half away from zero, inline: lround is a libm call per sample.
std::int16_t toSample(float v) {
  const float c = std::clamp(v, -32768.0F, 32767.0F);
  return static_cast<std::int16_t>(c >= 0.0F ? c + 0.5F : c - 0.5F);
}

// out[k] += tap * in[k] over a whole block: the loops below are ordered so that the innermost
// one runs along outputs, which the compiler vectorises (a dot product per output is a float
// reduction it may not reorder).
void addScaled(float tap, const float* in, float* out, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    out[k] += tap * in[k];
  }
}

}  // namespace

const std::array<float, kFilterTaps>& rate6xFilter() {
  static const auto taps = [] {
    std::array<double, kFilterTaps> h{};
    const double centre = static_cast<double>(kFilterTaps - 1) / 2.0;
    double sum = 0.0;
    for (std::size_t n = 0; n < kFilterTaps; ++n) {
      const double t = static_cast<double>(n) - centre;
      const double x = 2.0 * std::numbers::pi * kCutoff * t;
      const double sinc = t == 0.0 ? 1.0 : std::sin(x) / x;
      const double r = t / centre;
      const double window =
          besselI0(kKaiserBeta * std::sqrt(std::max(0.0, 1.0 - r * r))) / besselI0(kKaiserBeta);
      h[n] = 2.0 * kCutoff * sinc * window;
      sum += h[n];
    }
    std::array<float, kFilterTaps> out{};
    for (std::size_t n = 0; n < kFilterTaps; ++n) {
      out[n] = static_cast<float>(h[n] / sum);
    }
    return out;
  }();
  return taps;
}

void Upsampler6x::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
  work_.assign(history_.begin(), history_.end());
  work_.insert(work_.end(), in.begin(), in.end());
  const auto& ph = phases();
  acc_.resize(in.size());
  for (std::size_t p = 0; p < kRateRatio; ++p) {
    // Phase p's output for input k reads the kPhaseTaps inputs ending with in[k].
    std::fill(acc_.begin(), acc_.end(), 0.0F);
    for (std::size_t j = 0; j < kPhaseTaps; ++j) {
      addScaled(ph[p][j], work_.data() + j, acc_.data(), in.size());
    }
    for (std::size_t k = 0; k < in.size(); ++k) {
      out[kRateRatio * k + p] = toSample(acc_[k]);
    }
  }
  std::copy(work_.end() - static_cast<std::ptrdiff_t>(history_.size()), work_.end(),
            history_.begin());
}

void Downsampler6x::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
  // The window for output k starts at work_[6k + 5] (history first) and spans the filter,
  // which is symmetric, so it runs forward over it as it is. Split by phase, each stream
  // holds every sixth sample of the window's start: stream q, entry m = work_[6m + 5 + q].
  const std::size_t n = out.size();
  const std::size_t rows = n + kPhaseTaps;
  streams_.resize(kRateRatio * rows);
  for (std::size_t q = 0; q < kRateRatio; ++q) {
    float* stream = streams_.data() + q * rows;
    for (std::size_t m = 0; m < rows; ++m) {
      const std::size_t at = kRateRatio * m + kRateRatio - 1 + q;
      const std::size_t from_history = history_.size();
      stream[m] = at < from_history ? history_[at]
                  : at - from_history < in.size()
                      ? static_cast<float>(in[at - from_history])
                      : 0.0F;  // past the end: never read for a real output
    }
  }
  const auto& h = rate6xFilter();
  acc_.assign(n, 0.0F);
  for (std::size_t j = 0; j < kPhaseTaps; ++j) {
    for (std::size_t q = 0; q < kRateRatio; ++q) {
      addScaled(h[kRateRatio * j + q], streams_.data() + q * rows + j, acc_.data(), n);
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    out[k] = toSample(acc_[k]);
  }
  // The last kFilterTaps - 1 samples seen, history included when the input is short.
  std::array<float, kFilterTaps - 1> next{};
  const std::size_t keep_in = std::min(in.size(), next.size());
  const std::size_t keep_history = next.size() - keep_in;
  std::copy(history_.end() - static_cast<std::ptrdiff_t>(keep_history), history_.end(),
            next.begin());
  std::transform(in.end() - static_cast<std::ptrdiff_t>(keep_in), in.end(),
                 next.begin() + static_cast<std::ptrdiff_t>(keep_history),
                 [](std::int16_t v) { return static_cast<float>(v); });
  history_ = next;
}

}  // namespace mcu::mixer::codec
