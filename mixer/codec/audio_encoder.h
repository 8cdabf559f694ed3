// Encodes 20 ms frames of 48 kHz mono into one codec configuration, through a GStreamer chain
// (audioconvert ! audioresample ! encoder ! appsink) driven from the media thread. One encoder
// serves every listener that shares its configuration; each talker has its own.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mixer/codec/codec.h"
#include "mixer/codec/frame_encoder.h"
#include "mixer/codec/gst_push_chain.h"
#include "mixer/core/audio_frame.h"

namespace mcu::mixer::codec {

class AudioEncoder final : public FrameEncoder {
 public:
  AudioEncoder(GstPipelineHost& host, const CodecSpec& spec);
  // The chain an encoder of `spec` runs in (ChainStock builds them ahead).
  static ChainShape shape(const CodecSpec& spec);
  bool ok() const { return chain_.ok(); }
  const CodecSpec& spec() const { return spec_; }

  // Encodes one frame; the payload for this tick (empty while the chain fills up) stays valid
  // until the next call.
  std::span<const std::uint8_t> encode(const core::Pcm& pcm) override;
  std::uint64_t framesEncoded() const { return frames_; }

 private:
  CodecSpec spec_;
  GstPushChain chain_;
  std::vector<std::vector<std::uint8_t>> outputs_;
  std::vector<std::uint8_t> pending_;  // sample codecs: bytes not yet sent
  std::vector<std::uint8_t> payload_;
  std::uint64_t frames_ = 0;
};

}  // namespace mcu::mixer::codec
