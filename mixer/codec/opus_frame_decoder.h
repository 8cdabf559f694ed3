// One participant's Opus decoder on libopus's single-stream API, called from the media thread.
//
// Why not GStreamer's opusdec (AudioDecoder still can): it decodes through libopus's
// multistream API, and every multistream call sizes its decoder states again, which in
// Debian's libopus 1.3.1 (built with custom modes) runs two `cpuid` instructions per frame;
// in a VM each one traps to the hypervisor. That was 70 % of an Opus frame's decode
// (86 us through the chain, codec_chain_bench) and 5.8 % of the whole server's CPU at 1,000
// callers (mixer/README). The chain's per-buffer overhead comes on top (STACK.md: 85 us
// against 35 us for a bare decode).
//
// Loss: libopus's own PLC; and in-band FEC when the packet after the lost one is already in
// the jitter buffer (concealBefore), as WebRTC's NetEq does. opusdec got FEC by holding every
// packet back one frame, 20 ms of mouth-to-ear delay on every Opus call.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "mixer/codec/codec.h"
#include "mixer/codec/frame_decoder.h"
#include "mixer/codec/sample_fifo.h"
#include "mixer/core/audio_frame.h"

// libopus's own type name, declared here so that only .cpp files include <opus.h>.
// NOLINTNEXTLINE(modernize-use-using)
typedef struct OpusDecoder OpusDecoder;

namespace mcu::mixer::codec {

class OpusFrameDecoder final : public FrameDecoder {
 public:
  explicit OpusFrameDecoder(const CodecSpec& spec);
  OpusFrameDecoder(const OpusFrameDecoder&) = delete;
  OpusFrameDecoder& operator=(const OpusFrameDecoder&) = delete;
  ~OpusFrameDecoder() override;

  bool ok() const { return decoder_ != nullptr; }
  // Any packet length libopus takes (2.5-120 ms): what passes a frame waits in the FIFO.
  bool decode(std::span<const std::uint8_t> payload, core::Pcm& out) override;
  // libopus's PLC.
  void conceal(core::Pcm& out) override;
  // The lost frame rebuilt from the in-band FEC `next` carries (when the far end asked for
  // useinbandfec), and true; libopus's PLC, and false, when `next` has none.
  bool concealBefore(std::span<const std::uint8_t> next, core::Pcm& out) override;
  bool hasBufferedFrame() const override { return fifo_.size() >= core::kFrameSamples; }
  bool takeBuffered(core::Pcm& out) override;

 private:
  // Opus's longest packet: 120 ms at 48 kHz.
  static constexpr std::size_t kMaxSamples = 5760;
  bool fromFifo(core::Pcm& out);

  OpusDecoder* decoder_ = nullptr;
  bool inband_fec_;
  SampleFifo fifo_;
  std::array<std::int16_t, kMaxSamples> scratch_{};
};

}  // namespace mcu::mixer::codec
