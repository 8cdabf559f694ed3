// Sums the selected speakers once and gives every talker the sum without itself: the "full"
// mix is shared by all listeners (encoded once per codec), each talker gets a personal
// "minus-own" mix. Sources entering or leaving the selection are ramped over one frame so that
// a speaker switch does not click. Pure; no allocation per tick once a room's talkers are known.
#pragma once

#include <span>
#include <vector>

#include "mixer/core/audio_frame.h"
#include "mixer/core/limiter.h"

namespace mcu::mixer::core {

struct SourceFrame {
  ParticipantId id;
  const Pcm* pcm = nullptr;  // decoded 48 kHz mono frame
  float gain = 1.0F;         // input gain (linear)
  bool selected = true;      // false: was selected last tick, fading out in this one
};

struct TalkerMix {
  ParticipantId id;
  Pcm pcm{};
};

struct MixResult {
  Pcm full{};                      // everyone selected: what listeners hear
  std::vector<TalkerMix> talkers;  // one per source in the sum: the sum minus itself
};

class MixMinus {
 public:
  void mix(std::span<const SourceFrame> sources, MixResult& out);

 private:
  struct Stream {
    ParticipantId id;
    Limiter limiter;
  };
  Limiter& limiterFor(ParticipantId id);

  std::vector<ParticipantId> previous_;  // selected last tick, for ramps
  std::vector<ParticipantId> current_;
  Limiter full_limiter_;
  std::vector<Stream> talker_limiters_;
  std::array<float, kFrameSamples> sum_{};
  std::array<float, kFrameSamples> scratch_{};
};

}  // namespace mcu::mixer::core
