// Encodes 20 ms frames of 48 kHz mono into Opus with libopus's single-stream API, called
// from the media thread. Why not GStreamer's opusenc: opus_frame_decoder.h (the same
// per-frame `cpuid` of the multistream API, and a chain's per-buffer overhead). One encoder
// serves every listener that shares its configuration; each talker has its own.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "mixer/codec/codec.h"
#include "mixer/codec/frame_encoder.h"
#include "mixer/core/audio_frame.h"

// libopus's own type name, declared here so that only .cpp files include <opus.h>.
// NOLINTNEXTLINE(modernize-use-using)
typedef struct OpusEncoder OpusEncoder;

namespace mcu::mixer::codec {

class OpusFrameEncoder final : public FrameEncoder {
 public:
  // The settings opusenc was given before (audio-type=voice, the spec's bitrate, complexity
  // and FEC, 5 % expected loss with FEC), and opusenc's own defaults: constrained VBR,
  // full band, no DTX.
  explicit OpusFrameEncoder(const CodecSpec& spec);
  OpusFrameEncoder(const OpusFrameEncoder&) = delete;
  OpusFrameEncoder& operator=(const OpusFrameEncoder&) = delete;
  ~OpusFrameEncoder() override;

  bool ok() const { return encoder_ != nullptr; }
  // One packet per frame, valid until the next call; empty if libopus failed.
  std::span<const std::uint8_t> encode(const core::Pcm& pcm) override;

 private:
  // RFC 6716 §3.2.1: a 20 ms frame's packet is at most 1,275 bytes (plus the TOC byte).
  static constexpr std::size_t kMaxPacket = 1276;

  OpusEncoder* encoder_ = nullptr;
  int channels_;
  std::array<std::int16_t, 2 * core::kFrameSamples> stereo_{};  // the frame on both channels
  std::array<std::uint8_t, kMaxPacket> packet_{};
};

}  // namespace mcu::mixer::codec
