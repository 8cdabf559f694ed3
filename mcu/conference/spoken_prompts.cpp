#include "mcu/conference/spoken_prompts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <numbers>

namespace mcu::conference {
namespace {

constexpr int kPhases = 3;
constexpr int kTapsPerPhase = 32;
constexpr int kTaps = kPhases * kTapsPerPhase;

// Windowed sinc (Blackman) at 7.6 kHz of 48 kHz, with a gain of 3 for the stuffed zeros.
std::array<double, kTaps> lowPass() {
  std::array<double, kTaps> h{};
  const double cutoff = 7600.0 / 48000.0;
  const double centre = (kTaps - 1) / 2.0;
  for (int n = 0; n < kTaps; ++n) {
    const double x = n - centre;
    const double sinc =
        x == 0.0 ? 2.0 * cutoff
                 : std::sin(2.0 * std::numbers::pi * cutoff * x) / (std::numbers::pi * x);
    const double w = 0.42 - 0.5 * std::cos(2.0 * std::numbers::pi * n / (kTaps - 1)) +
                     0.08 * std::cos(4.0 * std::numbers::pi * n / (kTaps - 1));
    h[static_cast<std::size_t>(n)] = kPhases * sinc * w;
  }
  return h;
}

TonePcm make(SpokenPrompt prompt) {
  const std::string_view bytes = spokenPcm16k(prompt);
  std::vector<std::int16_t> pcm16(bytes.size() / 2);
  for (std::size_t i = 0; i < pcm16.size(); ++i) {  // little-endian, whatever the host
    const auto lo = static_cast<std::uint8_t>(bytes[2 * i]);
    const auto hi = static_cast<std::uint8_t>(bytes[2 * i + 1]);
    pcm16[i] = static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | (hi << 8)));
  }
  return std::make_shared<const std::vector<std::int16_t>>(upsample16kTo48k(pcm16));
}

}  // namespace

std::vector<std::int16_t> upsample16kTo48k(const std::vector<std::int16_t>& in) {
  static const std::array<double, kTaps> kLowPass = lowPass();
  const auto n_in = static_cast<std::ptrdiff_t>(in.size());
  std::vector<std::int16_t> out(in.size() * kPhases);
  for (std::ptrdiff_t j = 0; j < static_cast<std::ptrdiff_t>(out.size()); ++j) {
    // out[j] = sum over k of stuffed[j - k] * h[k]; stuffed[m] is in[m / 3] where m % 3 == 0.
    double acc = 0.0;
    for (std::ptrdiff_t k = j % kPhases; k < kTaps; k += kPhases) {
      const std::ptrdiff_t m = (j - k) / kPhases;
      if (j - k >= 0 && m < n_in) {
        acc += in[static_cast<std::size_t>(m)] * kLowPass[static_cast<std::size_t>(k)];
      }
    }
    out[static_cast<std::size_t>(j)] =
        static_cast<std::int16_t>(std::clamp(std::lround(acc), -32768L, 32767L));
  }
  return out;
}

const TonePcm& spokenPrompt(SpokenPrompt prompt) {
  static std::mutex mutex;
  static std::array<TonePcm, kSpokenPromptCount> made;
  const std::lock_guard lock(mutex);
  auto& pcm = made[static_cast<std::size_t>(prompt)];
  if (!pcm) {
    pcm = make(prompt);
  }
  return pcm;
}

std::vector<SpokenPrompt> numberWords(std::size_t n) {
  n = std::min<std::size_t>(n, 999'999);
  const auto word = [](std::size_t below_twenty) {
    return static_cast<SpokenPrompt>(static_cast<std::size_t>(SpokenPrompt::kNumber0) +
                                     below_twenty);
  };
  std::vector<SpokenPrompt> words;
  // Below a thousand: [units hundred] [tens] [units], or "zero" alone.
  const auto belowThousand = [&](std::size_t v) {
    if (v >= 100) {
      words.push_back(word(v / 100));
      words.push_back(SpokenPrompt::kNumber100);
      v %= 100;
    }
    if (v >= 20) {
      words.push_back(static_cast<SpokenPrompt>(static_cast<std::size_t>(SpokenPrompt::kNumber20) +
                                                v / 10 - 2));
      v %= 10;
      if (v > 0) {
        words.push_back(word(v));
      }
    } else if (v > 0) {
      words.push_back(word(v));
    }
  };
  if (n >= 1000) {
    belowThousand(n / 1000);
    words.push_back(SpokenPrompt::kNumber1000);
  }
  belowThousand(n % 1000);
  if (words.empty()) {
    words.push_back(SpokenPrompt::kNumber0);
  }
  return words;
}

TonePcm spokenCount(std::size_t n) {
  constexpr std::size_t kPause = std::size_t{48} * 150;  // 150 ms after the colon
  auto pcm =
      std::make_shared<std::vector<std::int16_t>>(*spokenPrompt(SpokenPrompt::kParticipantCount));
  pcm->insert(pcm->end(), kPause, 0);
  for (const SpokenPrompt w : numberWords(n)) {
    const auto& said = *spokenPrompt(w);
    pcm->insert(pcm->end(), said.begin(), said.end());
  }
  return pcm;
}

}  // namespace mcu::conference
