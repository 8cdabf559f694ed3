// One conference room's media, ticked every 20 ms by the media thread that owns it:
// levels -> top-K speakers -> one sum -> one encode per codec configuration for the listeners,
// one personal encode per talker -> per-recipient RTP headers -> send.
// The cost grows with the number of talkers, not listeners: a listener costs a packet in and
// a packet out.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/ogg_opus_writer.h"
#include "mixer/core/mix_minus.h"
#include "mixer/core/speaker_selector.h"
#include "mixer/engine/media_types.h"
#include "mixer/engine/participant_stream.h"

namespace mcu::mixer {

struct TickCounters {
  std::uint64_t ticks = 0;
  std::uint64_t shared_encodes = 0;
  std::uint64_t personal_encodes = 0;
  std::uint64_t decodes = 0;
};

class RoomMixer {
 public:
  RoomMixer(RoomId id, RoomMediaConfig config, codec::GstPipelineHost& gst);

  RoomId id() const { return id_; }
  const RoomMediaConfig& config() const { return config_; }
  void add(std::unique_ptr<ParticipantStream> participant);
  std::unique_ptr<ParticipantStream> remove(ParticipantId id);
  ParticipantStream* find(ParticipantId id);
  std::size_t size() const { return participants_.size(); }
  void setMaxSpeakers(std::size_t k) { selector_.setMaxSpeakers(k); }

  void tick(std::int64_t now_us, MediaEvents* events);
  // A prompt everyone hears (it joins the mix beside the K speakers until it ends).
  void queuePrompt(std::shared_ptr<const std::vector<std::int16_t>> samples);
  // Records the mix everyone hears to an Ogg/Opus file; false if it cannot be created.
  bool startRecording(const std::string& path);
  void stopRecording();
  const TickCounters& counters() const { return counters_; }

 private:
  struct SharedKey {
    codec::CodecSpec spec;
    float gain;
    // Deaf listeners (a caller waiting for its PIN) share an encode of silence: they still get
    // a packet every 20 ms, so their phone and NAT keep the call (RFC 3550 has no keepalive).
    bool silent;
    bool operator<(const SharedKey& o) const;
  };
  void updateTalking(MediaEvents* events);
  void sendMixes();
  // `contributors`: the SSRCs of the talkers heard in `heard` (the CSRC list it is sent with).
  void sendPersonal(ParticipantStream& p, const core::Pcm& heard,
                    std::span<const std::uint32_t> contributors,
                    std::span<const std::uint8_t> levels);
  void sendShared(ParticipantStream& p, const core::Pcm& heard,
                  std::span<const std::uint32_t> contributors,
                  std::span<const std::uint8_t> levels);
  // This tick's talkers that are heard (selected and talking), with the SSRC each sends us.
  void collectContributors();
  const core::Pcm* nextPromptFrame();

  RoomId id_;
  RoomMediaConfig config_;
  codec::GstPipelineHost& gst_;
  std::vector<std::unique_ptr<ParticipantStream>> participants_;
  core::SpeakerSelector selector_;
  core::MixMinus mix_minus_;
  core::MixResult mix_;
  std::map<SharedKey, std::unique_ptr<codec::AudioEncoder>> shared_encoders_;
  std::vector<ParticipantId> previous_selection_;
  std::deque<std::shared_ptr<const std::vector<std::int16_t>>> prompts_;
  std::size_t prompt_pos_ = 0;
  core::Pcm prompt_frame_{};
  struct Recording {
    codec::OggOpusWriter writer;
    std::unique_ptr<codec::AudioEncoder> encoder;
  };
  std::unique_ptr<Recording> recording_;
  // Reused every tick: no allocation once the room has seen its configurations.
  std::vector<std::pair<SharedKey, std::span<const std::uint8_t>>> encoded_;
  std::vector<std::pair<ParticipantId, std::uint32_t>> contributors_;  // per tick
  std::vector<std::uint32_t> contributor_ssrcs_;                       // the same, SSRCs only
  std::vector<std::uint8_t> contributor_levels_;  // and their levels, -dBov (RFC 6465)
  core::Pcm scratch_{};
  std::vector<core::SourceLevel> levels_;
  std::vector<core::SourceFrame> sources_;
  TickCounters counters_;
};

}  // namespace mcu::mixer
