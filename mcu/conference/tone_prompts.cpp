#include "mcu/conference/tone_prompts.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mcu::conference {

TonePcm toneRun(std::initializer_list<double> hz) {
  constexpr int kRate = 48000;
  constexpr int kToneSamples = kRate * 150 / 1000;
  constexpr int kRamp = kRate * 5 / 1000;
  auto pcm = std::make_shared<std::vector<std::int16_t>>();
  for (const double f : hz) {
    for (int i = 0; i < kToneSamples; ++i) {
      const double envelope = std::min(
          {1.0, static_cast<double>(i) / kRamp, static_cast<double>(kToneSamples - i) / kRamp});
      pcm->push_back(static_cast<std::int16_t>(5000 * envelope *
                                               std::sin(2 * std::numbers::pi * f * i / kRate)));
    }
    pcm->insert(pcm->end(), static_cast<std::size_t>(kRate * 20 / 1000), 0);
  }
  return pcm;
}

const TonePcm& entryTones() {
  static const TonePcm pcm = toneRun({1200, 1600});
  return pcm;
}

const TonePcm& exitTones() {
  static const TonePcm pcm = toneRun({1600, 1200});
  return pcm;
}

const TonePcm& waitingTones() {
  static const TonePcm pcm = toneRun({440, 440});
  return pcm;
}

const TonePcm& meetingStartTones() {
  static const TonePcm pcm = toneRun({900, 1200, 1500});
  return pcm;
}

const TonePcm& meetingEndTones() {
  static const TonePcm pcm = toneRun({1500, 1200, 900});
  return pcm;
}

}  // namespace mcu::conference
