// One conference room's media, or the part of it on one media thread, ticked every 20 ms:
// levels -> top-K speakers -> one sum -> one encode per codec configuration for the listeners,
// one personal encode per talker -> per-recipient RTP headers -> send.
// The cost grows with the number of talkers, not listeners: a listener costs a packet in and
// a packet out.
//
// The members and encoders come in through interfaces (MixMember, codec::EncoderFactory): the
// tick has no sockets or GStreamer of its own, and a unit test runs it with members it made.
//
// A large room has a part on each media thread (room_link.h): the home part chooses the
// speakers and sums them for the whole room; every part (home included) receives, levels,
// encodes and sends for its own members. A room on one thread is a home part without shards.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mixer/codec/frame_encoder.h"
#include "mixer/core/mix_minus.h"
#include "mixer/core/speaker_selector.h"
#include "mixer/engine/frame_recorder.h"
#include "mixer/engine/media_types.h"
#include "mixer/engine/mix_fan_out.h"
#include "mixer/engine/mix_member.h"
#include "mixer/engine/prompt_queue.h"
#include "mixer/engine/room_link.h"

namespace mcu::mixer {

struct TickCounters {
  std::uint64_t ticks = 0;
  std::uint64_t shared_encodes = 0;
  std::uint64_t personal_encodes = 0;
  std::uint64_t decodes = 0;
};

class RoomMixer {
 public:
  // `link`: shared by the room's parts; `thread`: the index of the media thread this part runs
  // on. The part on the link's home thread chooses and sums. `make_encoder`: the shared
  // encoders of the listeners' configurations and the recording's.
  RoomMixer(RoomId id, RoomMediaConfig config, const codec::EncoderFactory& make_encoder,
            std::shared_ptr<RoomLink> link, int thread);
  RoomMixer(const RoomMixer&) = delete;
  RoomMixer& operator=(const RoomMixer&) = delete;
  ~RoomMixer();

  RoomId id() const { return id_; }
  bool home() const { return link_->homeThread() == thread_; }
  const RoomMediaConfig& config() const { return config_; }
  void add(std::unique_ptr<MixMember> member);
  std::unique_ptr<MixMember> remove(ParticipantId id);
  std::size_t size() const { return participants_.size(); }
  void setMaxSpeakers(std::size_t k) { selector_.setMaxSpeakers(k); }

  // The three phases of tick number `tick` (see room_link.h for the order across threads).
  // 1: every member's frame, level, RTCP and timeout; a shard publishes them.
  void pull(std::int64_t tick, std::int64_t now_us, MediaEvents* events);
  // 2, home: chooses and sums for the whole room (waiting for the shards until `deadline`)
  // and sends its own members their mix. False if a shard was late.
  bool mix(std::int64_t tick, RoomLink::Clock::time_point deadline, MediaEvents* events);
  // 3, shard: sends its members the home's mix (waiting for it until `deadline`). False if it
  // did not come: the members skip a frame.
  bool relay(std::int64_t tick, RoomLink::Clock::time_point deadline, MediaEvents* events);
  // A prompt everyone hears (it joins the mix beside the K speakers until it ends).
  void queuePrompt(std::shared_ptr<const std::vector<std::int16_t>> samples,
                   PlaybackId id = PlaybackId::kNone);
  bool stopPrompt(PlaybackId id) { return prompts_.stop(id); }
  // Music everyone hears behind the prompts, looped (see PromptQueue); null stops it.
  void setMusic(std::shared_ptr<const std::vector<std::int16_t>> samples,
                std::int64_t delay_frames) {
    prompts_.setBackground(std::move(samples), delay_frames);
  }
  // Hands the mix everyone hears, every tick, to `writer` for recording `key` (Opus packets of
  // this room's own encoder for Ogg, the PCM for WAV); the writer does the disk. Replaces a
  // recording already running (which is stopped).
  void startRecording(RecordingWriter& writer, RecordingKey key, RecordingFormat format);
  // Stops it (the writer finalises the file); `key`: only if it is that one (none: any).
  void stopRecording(const std::string& reason, RecordingKey key = 0);
  // Records member `id`'s own voice (its frame as received, silence while it is muted) on its
  // own, until stopped or it leaves this part (reason participant_left). Replaces one already
  // running for it.
  void startMemberRecording(ParticipantId id, RecordingWriter& writer, RecordingKey key,
                            RecordingFormat format);
  // `key`: only if it is that one (none: any).
  void stopMemberRecording(ParticipantId id, const std::string& reason, RecordingKey key = 0);
  TickCounters counters() const {
    TickCounters c = counters_;
    c.shared_encodes = fan_out_.counters().shared_encodes;
    c.personal_encodes = fan_out_.counters().personal_encodes;
    return c;
  }

 private:
  // Whether a shard member's frame goes to the home this tick: it may be chosen.
  bool isCandidate(const MixMember& p) const;
  void gatherSources();
  void updateTalking(MediaEvents* events);
  void collectContributors();
  // Sends this part's members their mix, and reports the prompts that ended (the room's and
  // its members' own).
  void sendMixes(const MixOutput& out, MediaEvents* events);
  const core::Pcm* nextPromptFrame();
  void recordMembers();

  RoomId id_;
  RoomMediaConfig config_;
  codec::EncoderFactory make_encoder_;
  std::shared_ptr<RoomLink> link_;  // Shared with the room's other parts.
  int thread_;
  std::vector<std::unique_ptr<MixMember>> participants_;  // Owned.
  core::SpeakerSelector selector_;
  core::MixMinus mix_minus_;
  // Home: this tick's mix, also what the shards get. Shard: the last mix from the home.
  MixOutput out_;
  MixFanOut fan_out_;
  std::vector<MixRecipient*> recipients_;  // reused every tick
  std::vector<ParticipantId> previous_selection_;
  // Per tick: every member's level and SSRC (the home's own, then the shards'), the shards'
  // inputs.
  std::vector<core::SourceLevel> levels_;
  std::vector<std::uint32_t> ssrcs_;
  std::vector<ShardInput> shard_inputs_;
  ShardInput input_;                    // a shard's, published
  std::vector<ParticipantId> talking_;  // the room's members reported talking
  std::vector<ParticipantId> was_talking_;
  PromptQueue prompts_;
  core::Pcm prompt_frame_{};
  std::vector<PlaybackId> finished_prompts_;  // reused every tick
  // Owned: the room's mix, and members recorded on their own (few: a vector).
  std::unique_ptr<FrameRecorder> recording_;
  std::vector<std::pair<ParticipantId, std::unique_ptr<FrameRecorder>>> member_recordings_;
  const core::Pcm silence_{};  // a muted member's recorded frame
  std::vector<core::SourceFrame> sources_;
  TickCounters counters_;
};

}  // namespace mcu::mixer
