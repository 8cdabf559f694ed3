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
// The mix source id of a room prompt: outside the participant id space the engine hands out.
constexpr ParticipantId kPromptSource = 0xFFFFFFFFU;

bool contains(const std::vector<ParticipantId>& ids, ParticipantId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// `in` and `out` may be the same frame: each sample is read before it is written.
void applyGain(const core::Pcm& in, float gain, core::Pcm& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = static_cast<std::int16_t>(
        std::clamp(std::lround(static_cast<float>(in[i]) * gain), -32768L, 32767L));
  }
}

}  // namespace

bool RoomMixer::SharedKey::operator<(const SharedKey& o) const {
  return std::tie(spec.kind, spec.channels, spec.inband_fec, spec.max_bitrate, spec.complexity,
                  gain, silent) < std::tie(o.spec.kind, o.spec.channels, o.spec.inband_fec,
                                           o.spec.max_bitrate, o.spec.complexity, o.gain, o.silent);
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
  if (const core::Pcm* prompt = nextPromptFrame()) {
    sources_.push_back({kPromptSource, prompt, 1.0F, true});
  }
  mix_minus_.mix(sources_, mix_);
  if (recording_) {
    recording_->writer.write(recording_->encoder->encode(mix_.full),
                             static_cast<std::uint32_t>(core::kFrameSamples));
  }
  sendMixes();
}

void RoomMixer::queuePrompt(std::shared_ptr<const std::vector<std::int16_t>> samples) {
  prompts_.push_back(std::move(samples));
}

const core::Pcm* RoomMixer::nextPromptFrame() {
  if (prompts_.empty()) {
    return nullptr;
  }
  const auto& samples = *prompts_.front();
  for (auto& s : prompt_frame_) {
    s = prompt_pos_ < samples.size() ? samples[prompt_pos_++] : std::int16_t{0};
  }
  if (prompt_pos_ >= samples.size()) {
    prompts_.pop_front();
    prompt_pos_ = 0;
  }
  return &prompt_frame_;
}

bool RoomMixer::startRecording(const std::string& path) {
  auto recording = std::make_unique<Recording>();
  if (!recording->writer.open(path, 1, static_cast<std::uint32_t>(id_))) {
    return false;
  }
  recording->encoder = std::make_unique<codec::AudioEncoder>(
      gst_, codec::CodecSpec{.kind = codec::CodecKind::kOpus, .max_bitrate = 48000});
  recording_ = std::move(recording);
  return true;
}

void RoomMixer::stopRecording() { recording_.reset(); }

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
  // Listeners share one encode per distinct (codec configuration, output gain); a talker, or
  // anyone hearing a prompt of their own, gets a personal one.
  encoded_.clear();
  static const core::Pcm kSilence{};
  collectContributors();
  for (auto& p : participants_) {
    if (!p->wantsAudio()) {
      p->skipSend();
      continue;
    }
    if (p->sendDtmfPacket()) {
      continue;
    }
    const auto talker = std::find_if(mix_.talkers.begin(), mix_.talkers.end(),
                                     [&](const core::TalkerMix& t) { return t.id == p->id(); });
    const bool is_talker = talker != mix_.talkers.end();
    const core::Pcm& heard = p->deaf() ? kSilence : (is_talker ? talker->pcm : mix_.full);
    std::span<const std::uint32_t> heard_from =
        p->deaf() ? std::span<const std::uint32_t>{} : std::span(contributor_ssrcs_);
    std::span<const std::uint8_t> heard_levels =
        p->deaf() ? std::span<const std::uint8_t>{} : std::span(contributor_levels_);
    if (is_talker || p->hasPrompt()) {
      // A talker hears the others: its own SSRC is not among the contributors it is told of.
      std::array<std::uint32_t, 15> others{};
      std::array<std::uint8_t, 15> other_levels{};
      std::size_t n = 0;
      for (std::size_t i = 0; i < contributors_.size(); ++i) {
        if (contributors_[i].first != p->id() && n < others.size()) {
          other_levels[n] = contributor_levels_[i];
          others[n++] = contributors_[i].second;
        }
      }
      if (p->deaf()) {
        n = 0;
      }
      sendPersonal(*p, heard, std::span<const std::uint32_t>(others.data(), n),
                   std::span<const std::uint8_t>(other_levels.data(), n));
    } else {
      sendShared(*p, heard, heard_from, heard_levels);
    }
  }
}

void RoomMixer::collectContributors() {
  contributors_.clear();
  contributor_ssrcs_.clear();
  contributor_levels_.clear();
  for (const auto& t : mix_.talkers) {
    const ParticipantStream* s = find(t.id);
    if (s != nullptr && s->talking() && s->remoteSsrc() != 0 && contributors_.size() < 15) {
      contributors_.emplace_back(t.id, s->remoteSsrc());
      contributor_ssrcs_.push_back(s->remoteSsrc());
      contributor_levels_.push_back(static_cast<std::uint8_t>(std::clamp(s->level(), 0, 127)));
    }
  }
}

void RoomMixer::sendPersonal(ParticipantStream& p, const core::Pcm& heard,
                             std::span<const std::uint32_t> contributors,
                             std::span<const std::uint8_t> levels) {
  scratch_ = heard;
  p.mixPrompt(scratch_);
  if (p.outputGain() != 1.0F) {
    applyGain(scratch_, p.outputGain(), scratch_);
  }
  p.sendPayload(p.personalEncoder().encode(scratch_), contributors, levels);
  ++counters_.personal_encodes;
}

// A listener costs no copy of the mix: the frame is encoded once per configuration and the
// payload reused for everyone with that configuration.
void RoomMixer::sendShared(ParticipantStream& p, const core::Pcm& heard,
                           std::span<const std::uint32_t> contributors,
                           std::span<const std::uint8_t> levels) {
  const SharedKey key{p.endpoint().codec, p.outputGain(), p.deaf()};
  auto it = std::find_if(encoded_.begin(), encoded_.end(),
                         [&](const auto& e) { return !(e.first < key) && !(key < e.first); });
  if (it == encoded_.end()) {
    auto& encoder = shared_encoders_[key];
    if (!encoder) {
      encoder = std::make_unique<codec::AudioEncoder>(gst_, key.spec);
    }
    const core::Pcm* pcm = &heard;
    if (key.gain != 1.0F) {
      applyGain(heard, key.gain, scratch_);
      pcm = &scratch_;
    }
    encoded_.emplace_back(key, encoder->encode(*pcm));
    it = encoded_.end() - 1;
    ++counters_.shared_encodes;
  }
  p.sendPayload(it->second, contributors, levels);
}

}  // namespace mcu::mixer
