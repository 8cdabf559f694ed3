// What a participant's stream asks of a decoder: payloads in, 20 ms frames of 48 kHz mono
// out, and a frame for a packet that never came. Opus is libopus called directly
// (OpusFrameDecoder); G.722 a GStreamer chain (AudioDecoder); G.711 a table and a fixed 1:6
// filter (G711Decoder); codec_factory.h picks.
#pragma once

#include <cstdint>
#include <span>

#include "mixer/codec/codec.h"
#include "mixer/core/audio_frame.h"

namespace mcu::mixer::codec {

class FrameDecoder {
 public:
  virtual ~FrameDecoder() = default;
  // Decodes one payload into `out`; false (and silence) if nothing could be produced yet.
  virtual bool decode(std::span<const std::uint8_t> payload, core::Pcm& out) = 0;
  // A frame for a lost packet.
  virtual void conceal(core::Pcm& out) = 0;
  // A frame for a lost packet when `next`, the packet after it, is already here: Opus rebuilds
  // the lost frame from the in-band FEC that `next` carries. The others conceal as above.
  // True when the frame was rebuilt from `next`, false when it was concealed (guessed).
  virtual bool concealBefore(std::span<const std::uint8_t> /*next*/, core::Pcm& out) {
    conceal(out);
    return false;
  }
  // A packet longer than a frame leaves whole frames behind: they play on the next ticks.
  virtual bool hasBufferedFrame() const = 0;
  virtual bool takeBuffered(core::Pcm& out) = 0;
};

// Concealment by repetition: the last frame again, halved for each frame lost in a row, so a
// short loss is bridged and a long one fades out.
void concealByRepeating(const core::Pcm& last, int lost_in_row, core::Pcm& out);

}  // namespace mcu::mixer::codec
