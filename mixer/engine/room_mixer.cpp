#include "mixer/engine/room_mixer.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace mcu::mixer {
namespace {

// Talking is reported with its own hysteresis on the selector's smoothed loudness
// (127 - dBov): on above -45 dBov, off below -55 dBov.
constexpr float kTalkOn = 127.0F - 45.0F;
constexpr float kTalkOff = 127.0F - 55.0F;

bool contains(const std::vector<ParticipantId>& ids, ParticipantId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void applyGain(const core::Pcm& in, float gain, core::Pcm& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = static_cast<std::int16_t>(
        std::clamp(std::lround(static_cast<float>(in[i]) * gain), -32768L, 32767L));
  }
}

}  // namespace

bool RoomMixer::SharedKey::operator<(const SharedKey& o) const {
  return std::tie(spec.kind, spec.channels, spec.inband_fec, spec.max_bitrate, spec.complexity,
                  gain) < std::tie(o.spec.kind, o.spec.channels, o.spec.inband_fec,
                                   o.spec.max_bitrate, o.spec.complexity, o.gain);
}

RoomMixer::RoomMixer(RoomId id, RoomMediaConfig config, codec::GstPipelineHost& gst)
    : id_(id),
      config_(config),
      gst_(gst),
      selector_(core::SelectorConfig{.max_speakers = config.max_speakers}) {}

void RoomMixer::add(std::unique_ptr<ParticipantStream> participant) {
  participants_.push_back(std::move(participant));
}

std::unique_ptr<ParticipantStream> RoomMixer::remove(ParticipantId id) {
  const auto it = std::find_if(participants_.begin(), participants_.end(),
                               [id](const auto& p) { return p->id() == id; });
  if (it == participants_.end()) {
    return nullptr;
  }
  auto p = std::move(*it);
  participants_.erase(it);
  return p;
}

ParticipantStream* RoomMixer::find(ParticipantId id) {
  for (auto& p : participants_) {
    if (p->id() == id) {
      return p.get();
    }
  }
  return nullptr;
}

void RoomMixer::tick(std::int64_t now_us, MediaEvents* events) {
  ++counters_.ticks;
  levels_.clear();
  for (auto& p : participants_) {
    p->pullFrame(now_us);
    p->maybeSendRtcp(now_us);
    levels_.push_back({p->id(), p->level(), p->mayBeMixed()});
    if (p->checkTimeout(now_us, config_.rtp_timeout_ms) && events != nullptr) {
      events->onRtpTimeout(p->id());
    }
  }
  const auto& selected = selector_.update(levels_);
  updateTalking(events);

  // The selected speakers, plus last tick's that just left (they fade out over this frame).
  sources_.clear();
  for (auto& p : participants_) {
    const bool now_selected = contains(selected, p->id());
    p->setSelected(now_selected);
    if (now_selected || contains(previous_selection_, p->id())) {
      sources_.push_back({p->id(), &p->pcm(), p->inputGain(), now_selected});
      ++counters_.decodes;
    }
  }
  previous_selection_ = selected;
  mix_minus_.mix(sources_, mix_);
  sendMixes();
}

void RoomMixer::updateTalking(MediaEvents* events) {
  for (auto& p : participants_) {
    const float loudness = p->mayBeMixed() ? selector_.loudness(p->id()) : 0.0F;
    const bool talking = p->talking() ? loudness > kTalkOff : loudness > kTalkOn;
    if (talking != p->talking()) {
      p->setTalking(talking);
      if (events != nullptr) {
        events->onTalking(p->id(), talking);
      }
    }
  }
}

void RoomMixer::sendMixes() {
  // Listeners first: one encode per distinct (codec configuration, output gain), shared.
  std::map<SharedKey, std::span<const std::uint8_t>> encoded;
  core::Pcm scaled;
  for (auto& p : participants_) {
    if (!p->wantsAudio()) {
      p->skipSend();
      continue;
    }
    const auto talker = std::find_if(mix_.talkers.begin(), mix_.talkers.end(),
                                     [&](const core::TalkerMix& t) { return t.id == p->id(); });
    if (talker != mix_.talkers.end()) {
      // A talker hears everyone but itself: its own encode.
      const core::Pcm* pcm = &talker->pcm;
      if (p->outputGain() != 1.0F) {
        applyGain(talker->pcm, p->outputGain(), scaled);
        pcm = &scaled;
      }
      p->sendPayload(p->personalEncoder().encode(*pcm));
      ++counters_.personal_encodes;
      continue;
    }
    const SharedKey key{p->endpoint().codec, p->outputGain()};
    auto it = encoded.find(key);
    if (it == encoded.end()) {
      auto& encoder = shared_encoders_[key];
      if (!encoder) {
        encoder = std::make_unique<codec::AudioEncoder>(gst_, key.spec);
      }
      const core::Pcm* pcm = &mix_.full;
      if (key.gain != 1.0F) {
        applyGain(mix_.full, key.gain, scaled);
        pcm = &scaled;
      }
      it = encoded.emplace(key, encoder->encode(*pcm)).first;
      ++counters_.shared_encodes;
    }
    p->sendPayload(it->second);
  }
}

}  // namespace mcu::mixer
