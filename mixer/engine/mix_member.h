// One member of a room as the room's tick sees it (room_mixer.h). Phase 1 pulls its frame and
// level, phase 2 may take its audio into the mix, phase 3 (MixRecipient) sends it what it
// hears. WebRTC's AudioMixer::Source is the model: the tick runs the same with members of a
// test's own (no sockets, no GStreamer) as with the product's ParticipantStream.
#pragma once

#include <cstdint>

#include "mixer/core/audio_frame.h"
#include "mixer/engine/mix_recipient.h"

namespace mcu::mixer {

class MixMember : public MixRecipient {
 public:
  // Phase 1: this tick's frame from its jitter buffer (decoded only if its level needs the
  // audio), and whatever else is due at `now_us` (an RTCP report).
  virtual void pullFrame(std::int64_t now_us) = 0;
  // Its frame's level, -dBov (127: silence).
  virtual int level() const = 0;
  // May be chosen as a speaker: receiving, not muted, its stream playing.
  virtual bool mayBeMixed() const = 0;
  // The SSRC it sends us (0 before its first packet): what a mix names it by.
  virtual std::uint32_t remoteSsrc() const = 0;
  // True once when no packet came for `timeout_ms`.
  virtual bool checkTimeout(std::int64_t now_us, int timeout_ms) = 0;

  // Phase 2, when it is chosen (or fades out): its 48 kHz frame, decoded or concealed now.
  virtual const core::Pcm& pcm() = 0;
  virtual float inputGain() const = 0;
  // What the room decided this tick, for its statistics and its personal encoder.
  virtual void setSelected(bool selected) = 0;
  virtual void setTalking(bool talking) = 0;
};

}  // namespace mcu::mixer
