#include "mixer/codec/codec_factory.h"

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/g711_codec.h"
#include "mixer/codec/opus_frame_decoder.h"
#include "mixer/codec/opus_frame_encoder.h"

namespace mcu::mixer::codec {

bool runsInChain(CodecKind kind) { return kind == CodecKind::kG722; }

std::unique_ptr<FrameDecoder> makeDecoder(GstPipelineHost& host, const CodecSpec& spec) {
  if (spec.kind == CodecKind::kOpus) {
    return std::make_unique<OpusFrameDecoder>(spec);
  }
  if (!runsInChain(spec.kind)) {
    return std::make_unique<G711Decoder>(spec.kind);
  }
  return std::make_unique<AudioDecoder>(host, spec);
}

std::unique_ptr<FrameEncoder> makeEncoder(GstPipelineHost& host, const CodecSpec& spec) {
  if (spec.kind == CodecKind::kOpus) {
    return std::make_unique<OpusFrameEncoder>(spec);
  }
  if (!runsInChain(spec.kind)) {
    return std::make_unique<G711Encoder>(spec.kind);
  }
  return std::make_unique<AudioEncoder>(host, spec);
}

}  // namespace mcu::mixer::codec
