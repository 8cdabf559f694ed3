#include "mixer/core/mix_minus.h"

#include <algorithm>
#include <cmath>

namespace mcu::mixer::core {
namespace {

bool contains(const std::vector<ParticipantId>& ids, ParticipantId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void toPcm(const std::array<float, kFrameSamples>& in, Pcm& out) {
  for (std::size_t i = 0; i < kFrameSamples; ++i) {
    out[i] = static_cast<std::int16_t>(std::lround(std::clamp(in[i], -32768.0F, 32767.0F)));
  }
}

// The gain of sample i of a source: flat when it stays, a linear ramp when it enters or leaves.
float rampedGain(float gain, bool entering, bool leaving, std::size_t i) {
  const float t = static_cast<float>(i + 1) / static_cast<float>(kFrameSamples);
  if (entering) {
    return gain * t;
  }
  if (leaving) {
    return gain * (1.0F - t);
  }
  return gain;
}

}  // namespace

Limiter& MixMinus::limiterFor(ParticipantId id) {
  for (auto& s : talker_limiters_) {
    if (s.id == id) {
      return s.limiter;
    }
  }
  talker_limiters_.push_back({id, Limiter{}});
  return talker_limiters_.back().limiter;
}

void MixMinus::mix(std::span<const SourceFrame> sources, MixResult& out) {
  current_.clear();
  for (const auto& s : sources) {
    if (s.selected) {
      current_.push_back(s.id);
    }
  }
  sum_.fill(0.0F);
  for (const auto& s : sources) {
    const bool entering = s.selected && !contains(previous_, s.id);
    const bool leaving = !s.selected;
    for (std::size_t i = 0; i < kFrameSamples; ++i) {
      sum_[i] += rampedGain(s.gain, entering, leaving, i) * static_cast<float>((*s.pcm)[i]);
    }
  }
  // Every source in the sum gets the sum without itself, also one fading out this tick:
  // nobody ever hears their own voice, not even for the 20 ms of a ramp.
  out.talkers.resize(sources.size());
  std::size_t slot = 0;
  for (const auto& s : sources) {
    const bool entering = s.selected && !contains(previous_, s.id);
    for (std::size_t i = 0; i < kFrameSamples; ++i) {
      scratch_[i] =
          sum_[i] - rampedGain(s.gain, entering, !s.selected, i) * static_cast<float>((*s.pcm)[i]);
    }
    limiterFor(s.id).process(scratch_);
    out.talkers[slot].id = s.id;
    toPcm(scratch_, out.talkers[slot].pcm);
    ++slot;
  }
  full_limiter_.process(sum_);
  toPcm(sum_, out.full);
  // Talkers that left keep no limiter state: the next time they speak they start at unity.
  std::erase_if(talker_limiters_, [&](const Stream& stream) {
    return std::none_of(sources.begin(), sources.end(),
                        [&](const SourceFrame& s) { return s.id == stream.id; });
  });
  previous_.swap(current_);
}

}  // namespace mcu::mixer::core
