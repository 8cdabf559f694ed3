// What the room's fan-out asks of an encoder: one 20 ms frame in, one payload out. The
// product's come from codec_factory.h; a test counts calls with its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "mixer/codec/codec.h"
#include "mixer/core/audio_frame.h"

namespace mcu::mixer::codec {

class FrameEncoder {
 public:
  virtual ~FrameEncoder() = default;
  // The payload for this frame (empty while a chain fills up), valid until the next call.
  virtual std::span<const std::uint8_t> encode(const core::Pcm& pcm) = 0;
};

using EncoderFactory = std::function<std::unique_ptr<FrameEncoder>(const CodecSpec& spec)>;

}  // namespace mcu::mixer::codec
