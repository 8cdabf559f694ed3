// One member of a room as the tick's fan-out sees it: what it should hear and how its packet
// goes out. ParticipantStream is the product's (sockets, RTP, its own encoder); a test's
// recipients record what they were sent.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mixer/codec/codec.h"
#include "mixer/core/audio_frame.h"
#include "mixer/engine/media_types.h"

namespace mcu::mixer {

class MixRecipient {
 public:
  virtual ~MixRecipient() = default;
  virtual ParticipantId id() const = 0;
  // False: nothing to send this tick (held, or it never sent us a packet yet).
  virtual bool wantsAudio() const = 0;
  virtual void skipSend() = 0;
  // True when this tick's packet was an RFC 4733 event instead of audio.
  virtual bool sendDtmfPacket() = 0;
  virtual bool deaf() const = 0;
  virtual float outputGain() const = 0;
  virtual const codec::CodecSpec& codecSpec() const = 0;
  // A prompt of its own is mixed into what it hears (a personal encode then). A prompt with an
  // id that ends in this frame adds its id to `finished`.
  virtual bool hasPrompt() const = 0;
  virtual bool mixPrompt(core::Pcm& pcm, std::vector<PlaybackId>& finished) = 0;
  // Its own encoder, for what only it hears (a talker's mix-minus, a prompt).
  virtual std::span<const std::uint8_t> encodePersonal(const core::Pcm& pcm) = 0;
  // `contributors`/`levels`: the SSRCs heard in it and their RFC 6465 levels.
  virtual void sendPayload(std::span<const std::uint8_t> payload,
                           std::span<const std::uint32_t> contributors,
                           std::span<const std::uint8_t> levels) = 0;
};

}  // namespace mcu::mixer
