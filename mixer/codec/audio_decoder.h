// One participant's decoder: payloads in its codec, 20 ms frames of 48 kHz mono out, through a
// GStreamer chain (decoder ! audioconvert ! audioresample ! appsink) driven from the media
// thread. A missing frame is concealed: Opus by its own PLC (with in-band FEC when the next
// packet carries it), G.711 and G.722 by repeating the last frame, fading.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "mixer/codec/codec.h"
#include "mixer/codec/frame_decoder.h"
#include "mixer/codec/gst_push_chain.h"
#include "mixer/codec/sample_fifo.h"
#include "mixer/core/audio_frame.h"

namespace mcu::mixer::codec {

class AudioDecoder final : public FrameDecoder {
 public:
  AudioDecoder(GstPipelineHost& host, const CodecSpec& spec);
  // The chain a decoder of `spec` runs in (ChainStock builds them ahead).
  static ChainShape shape(const CodecSpec& spec);
  bool ok() const { return chain_.ok(); }
  const CodecSpec& spec() const { return spec_; }

  // Decodes one payload into `out`; false if nothing could be produced.
  bool decode(std::span<const std::uint8_t> payload, core::Pcm& out) override;
  // Produces a concealment frame for a lost packet.
  void conceal(core::Pcm& out) override;
  // A packet longer than a frame leaves whole frames behind: they play on the next ticks.
  bool hasBufferedFrame() const override { return fifo_.size() >= core::kFrameSamples; }
  bool takeBuffered(core::Pcm& out) override;

 private:
  bool takeFrame(core::Pcm& out);

  CodecSpec spec_;
  GstPushChain chain_;
  SampleFifo fifo_;
  bool started_ = false;  // the first output came (and was made whole frames)
  core::Pcm last_{};
  int concealed_in_row_ = 0;
  std::vector<std::vector<std::uint8_t>> outputs_;
};

}  // namespace mcu::mixer::codec
