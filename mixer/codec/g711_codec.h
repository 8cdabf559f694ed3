// G.711 (PCMU, PCMA) for the engine without a GStreamer chain: the law by table (g711_law.h)
// and 8 <-> 48 kHz by a polyphase filter (rate_6x.h). Why: codec_factory.h.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "mixer/codec/codec.h"
#include "mixer/codec/frame_decoder.h"
#include "mixer/codec/frame_encoder.h"
#include "mixer/codec/rate_6x.h"
#include "mixer/codec/sample_fifo.h"

namespace mcu::mixer::codec {

class G711Decoder final : public FrameDecoder {
 public:
  explicit G711Decoder(CodecKind kind) : kind_(kind) {}
  // Any length (30 and 60 ms packets are common): what passes a frame waits in the FIFO.
  bool decode(std::span<const std::uint8_t> payload, core::Pcm& out) override;
  void conceal(core::Pcm& out) override;
  bool hasBufferedFrame() const override { return fifo_.size() >= core::kFrameSamples; }
  bool takeBuffered(core::Pcm& out) override;

 private:
  CodecKind kind_;
  Upsampler6x upsampler_;
  SampleFifo fifo_;
  std::vector<std::int16_t> narrow_;  // the payload at 8 kHz
  std::vector<std::int16_t> wide_;    // ... and at 48 kHz
  core::Pcm last_{};
  int lost_in_row_ = 0;
};

class G711Encoder final : public FrameEncoder {
 public:
  explicit G711Encoder(CodecKind kind) : kind_(kind) {}
  std::span<const std::uint8_t> encode(const core::Pcm& pcm) override;

 private:
  static constexpr std::size_t kNarrowSamples = core::kFrameSamples / kRateRatio;
  CodecKind kind_;
  Downsampler6x downsampler_;
  std::array<std::int16_t, kNarrowSamples> narrow_{};
  std::array<std::uint8_t, kNarrowSamples> payload_{};
};

}  // namespace mcu::mixer::codec
