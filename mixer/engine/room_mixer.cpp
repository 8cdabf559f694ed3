#include "mixer/engine/room_mixer.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

namespace mcu::mixer {
namespace {

// Talking is reported with its own hysteresis on the selector's smoothed loudness
// (127 - dBov): on above -45 dBov, off below -55 dBov.
constexpr float kTalkOn = 127.0F - 45.0F;
constexpr float kTalkOff = 127.0F - 55.0F;
// The mix source id of a room prompt: outside the participant id space the engine hands out.
constexpr ParticipantId kPromptSource{0xFFFFFFFFU};
// Margin under the admission floor for a shard's candidates: levels move between ticks, and a
// frame decoded too many is cheap.
constexpr float kCandidateMarginDb = 6.0F;

bool contains(const std::vector<ParticipantId>& ids, ParticipantId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

RoomMixer::RoomMixer(RoomId id, RoomMediaConfig config, const codec::EncoderFactory& make_encoder,
                     std::shared_ptr<RoomLink> link, int thread)
    : id_(id),
      config_(config),
      make_encoder_(make_encoder),
      link_(std::move(link)),
      thread_(thread),
      selector_(core::SelectorConfig{.max_speakers = config.max_speakers}),
      fan_out_(make_encoder) {
  // Before its first mix, a shard decodes only members loud enough to be chosen, as after it:
  // with a floor of 0, its first tick decoded every member, silent listeners included.
  out_.admission_loudness = selector_.admissionLoudness();
}

RoomMixer::~RoomMixer() {
  stopRecording("room_ended");
  for (auto& [member, recorder] : member_recordings_) {
    recorder->end("room_ended");
  }
  if (!home()) {
    link_->leave(thread_);
  }
}

void RoomMixer::add(std::unique_ptr<MixMember> member) {
  participants_.push_back(std::move(member));
}

std::unique_ptr<MixMember> RoomMixer::remove(ParticipantId id) {
  const auto it = std::find_if(participants_.begin(), participants_.end(),
                               [id](const auto& p) { return p->id() == id; });
  if (it == participants_.end()) {
    return nullptr;
  }
  auto p = std::move(*it);
  participants_.erase(it);
  stopMemberRecording(id, "participant_left");
  return p;
}

void RoomMixer::pull(std::int64_t tick, std::int64_t now_us, MediaEvents* events) {
  ++counters_.ticks;
  levels_.clear();
  ssrcs_.clear();
  for (auto& p : participants_) {
    p->pullFrame(now_us);
    levels_.push_back({p->id(), p->level(), p->mayBeMixed()});
    ssrcs_.push_back(p->remoteSsrc());
    if (p->checkTimeout(now_us, config_.rtp_timeout_ms) && events != nullptr) {
      events->onRtpTimeout(p->id());
    }
  }
  recordMembers();
  if (home()) {
    return;
  }
  input_.tick = tick;
  input_.levels.swap(levels_);  // published, not copied: a shard needs them no more
  input_.ssrcs.swap(ssrcs_);
  input_.frames.clear();
  for (auto& p : participants_) {
    if (isCandidate(*p)) {
      input_.frames.push_back({p->id(), p->inputGain(), p->pcm()});
      ++counters_.decodes;
    }
  }
  link_->publishInput(thread_, input_);
}

bool RoomMixer::isCandidate(const MixMember& p) const {
  if (!p.mayBeMixed()) {
    return false;
  }
  // Last tick's speakers: still chosen, or fading out in this tick's mix.
  if (contains(out_.selected, p.id())) {
    return true;
  }
  const auto loudness = static_cast<float>(127 - std::clamp(p.level(), 0, 127));
  return loudness > out_.admission_loudness - kCandidateMarginDb;
}

bool RoomMixer::mix(std::int64_t tick, RoomLink::Clock::time_point deadline, MediaEvents* events) {
  const bool on_time = link_->gather(tick, deadline, shard_inputs_);
  for (const auto& input : shard_inputs_) {
    levels_.insert(levels_.end(), input.levels.begin(), input.levels.end());
    ssrcs_.insert(ssrcs_.end(), input.ssrcs.begin(), input.ssrcs.end());
  }
  const auto& selected = selector_.update(levels_);
  updateTalking(events);
  gatherSources();
  previous_selection_ = selected;
  if (const core::Pcm* prompt = nextPromptFrame()) {
    sources_.push_back({kPromptSource, prompt, 1.0F, true});
  }
  mix_minus_.mix(sources_, out_.mix);
  if (recording_) {
    recording_->record(out_.mix.full);
  }
  collectContributors();
  out_.tick = tick;
  out_.selected = selected;
  out_.talking = talking_;
  out_.admission_loudness = selector_.admissionLoudness();
  if (!shard_inputs_.empty()) {
    link_->publishMix(out_);
  }
  sendMixes(out_, events);
  return on_time;
}

bool RoomMixer::relay(std::int64_t tick, RoomLink::Clock::time_point deadline,
                      MediaEvents* events) {
  if (!link_->awaitMix(tick, deadline, out_)) {
    for (auto& p : participants_) {
      p->skipSend();
    }
    return false;
  }
  for (auto& p : participants_) {
    p->setSelected(contains(out_.selected, p->id()));
    p->setTalking(contains(out_.talking, p->id()));
  }
  sendMixes(out_, events);
  return true;
}

// The selected speakers, plus last tick's that just left (they fade out over this frame):
// the home's own members decoded here, the shards' as they sent them.
void RoomMixer::gatherSources() {
  const auto& selected = selector_.selected();
  sources_.clear();
  for (auto& p : participants_) {
    const bool now_selected = contains(selected, p->id());
    p->setSelected(now_selected);
    if (now_selected || contains(previous_selection_, p->id())) {
      sources_.push_back({p->id(), &p->pcm(), p->inputGain(), now_selected});
      ++counters_.decodes;
    }
  }
  for (const auto& input : shard_inputs_) {
    for (const auto& f : input.frames) {
      const bool now_selected = contains(selected, f.id);
      if (now_selected || contains(previous_selection_, f.id)) {
        sources_.push_back({f.id, &f.pcm, f.gain, now_selected});
      }
    }
  }
}

void RoomMixer::queuePrompt(std::shared_ptr<const std::vector<std::int16_t>> samples,
                            PlaybackId id) {
  prompts_.push(std::move(samples), id);
}

const core::Pcm* RoomMixer::nextPromptFrame() {
  return prompts_.next(prompt_frame_, finished_prompts_) ? &prompt_frame_ : nullptr;
}

void RoomMixer::startRecording(RecordingWriter& writer, RecordingKey key, RecordingFormat format) {
  stopRecording("replaced");
  recording_ = std::make_unique<FrameRecorder>(writer, key, format, make_encoder_);
}

void RoomMixer::stopRecording(const std::string& reason, RecordingKey key) {
  if (recording_ && (key == 0 || recording_->key() == key)) {
    recording_->end(reason);
    recording_.reset();
  }
}

void RoomMixer::startMemberRecording(ParticipantId id, RecordingWriter& writer, RecordingKey key,
                                     RecordingFormat format) {
  stopMemberRecording(id, "replaced");
  member_recordings_.emplace_back(
      id, std::make_unique<FrameRecorder>(writer, key, format, make_encoder_));
}

void RoomMixer::stopMemberRecording(ParticipantId id, const std::string& reason, RecordingKey key) {
  std::erase_if(member_recordings_, [&](auto& entry) {
    if (entry.first != id || (key != 0 && entry.second->key() != key)) {
      return false;
    }
    entry.second->end(reason);
    return true;
  });
}

// Members recorded on their own: their frame of this tick, decoded (once: the mix reuses it).
void RoomMixer::recordMembers() {
  for (auto& [id, recorder] : member_recordings_) {
    const auto it = std::find_if(participants_.begin(), participants_.end(),
                                 [id = id](const auto& p) { return p->id() == id; });
    if (it == participants_.end()) {
      continue;
    }
    MixMember& member = **it;
    recorder->record(member.mayBeMixed() ? member.pcm() : silence_);
  }
}

// Talking is decided here for the whole room; a shard's members learn it with the mix.
void RoomMixer::updateTalking(MediaEvents* events) {
  was_talking_.swap(talking_);
  talking_.clear();
  for (const auto& l : levels_) {
    const float loudness = l.may_speak ? selector_.loudness(l.id) : 0.0F;
    const bool was = contains(was_talking_, l.id);
    const bool talking = was ? loudness > kTalkOff : loudness > kTalkOn;
    if (talking) {
      talking_.push_back(l.id);
    }
    if (talking != was && events != nullptr) {
      events->onTalking(l.id, talking);
    }
  }
  for (auto& p : participants_) {
    p->setTalking(contains(talking_, p->id()));
  }
}

// This tick's talkers that are heard (mixed and talking), with the SSRC each sends us and its
// level: the CSRC list (RFC 3550) and the levels (RFC 6465) everyone is sent with the mix.
void RoomMixer::collectContributors() {
  out_.contributor_ids.clear();
  out_.contributor_ssrcs.clear();
  out_.contributor_levels.clear();
  for (const auto& t : out_.mix.talkers) {
    if (!contains(talking_, t.id) || out_.contributor_ids.size() >= 15) {
      continue;
    }
    const auto l = std::find_if(levels_.begin(), levels_.end(),
                                [&](const core::SourceLevel& m) { return m.id == t.id; });
    const std::uint32_t ssrc =
        l == levels_.end() ? 0 : ssrcs_[static_cast<std::size_t>(l - levels_.begin())];
    if (ssrc != 0) {
      out_.contributor_ids.push_back(t.id);
      out_.contributor_ssrcs.push_back(ssrc);
      out_.contributor_levels.push_back(
          static_cast<std::uint8_t>(std::clamp(l->level_dbov, 0, 127)));
    }
  }
}

void RoomMixer::sendMixes(const MixOutput& out, MediaEvents* events) {
  recipients_.clear();
  for (auto& p : participants_) {
    recipients_.push_back(p.get());
  }
  fan_out_.send(out, recipients_);
  fan_out_.takeFinished(finished_prompts_);
  if (events != nullptr) {
    for (const PlaybackId id : finished_prompts_) {
      events->onPlaybackFinished(id);
    }
  }
  finished_prompts_.clear();
}

}  // namespace mcu::mixer
