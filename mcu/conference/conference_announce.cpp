// Entry and exit tones (rooms.entry_exit_tones, or the room's own entry_exit_tones): the room
// hears a short rising pair of tones when a caller comes in and a falling pair when one goes,
// as FreeSWITCH's enter/exit sounds and ConfBridge's join/leave sounds do. Generated here
// (48 kHz mono), so a fresh install has them without any audio file.
#include <cmath>
#include <numbers>

#include "mcu/conference/conference.h"

namespace mcu::conference {
namespace {

// Two 150 ms tones, softly shaped (5 ms ramps: no click), 20 ms apart.
std::shared_ptr<const std::vector<std::int16_t>> tonePair(double first_hz, double second_hz) {
  constexpr int kRate = 48000;
  constexpr int kToneSamples = kRate * 150 / 1000;
  constexpr int kRamp = kRate * 5 / 1000;
  auto pcm = std::make_shared<std::vector<std::int16_t>>();
  for (const double hz : {first_hz, second_hz}) {
    for (int i = 0; i < kToneSamples; ++i) {
      const double envelope = std::min(
          {1.0, static_cast<double>(i) / kRamp, static_cast<double>(kToneSamples - i) / kRamp});
      pcm->push_back(static_cast<std::int16_t>(5000 * envelope *
                                               std::sin(2 * std::numbers::pi * hz * i / kRate)));
    }
    pcm->insert(pcm->end(), static_cast<std::size_t>(kRate * 20 / 1000), 0);
  }
  return pcm;
}

}  // namespace

void Conference::announce(const std::string& room, bool entering) {
  static const auto kEntry = tonePair(1200, 1600);
  static const auto kExit = tonePair(1600, 1200);
  const auto it = rooms_.find(room);
  if (it == rooms_.end() || !it->second.media_room ||
      !it->second.policy.entry_exit_tones.value_or(config_.entry_exit_tones)) {
    return;
  }
  engine_.playToRoom(*it->second.media_room, entering ? kEntry : kExit, mixer::PlaybackId::kNone);
}

}  // namespace mcu::conference
