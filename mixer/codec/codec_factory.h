// Which decoder and encoder a codec configuration gets:
// - Opus: libopus's single-stream API, called directly (opus_frame_decoder.h says why);
// - G.722: GStreamer chains from the media thread's pool (avdec_g722, avenc_g722);
// - G.711: a table and a fixed 1:6 filter (g711_codec.h), since a chain's element pushes cost
//   several times the codec itself, and a contact centre's rooms of two or three G.711
//   callers decode and encode every one of them every tick.
#pragma once

#include <memory>

#include "mixer/codec/codec.h"
#include "mixer/codec/frame_decoder.h"
#include "mixer/codec/frame_encoder.h"

namespace mcu::mixer::codec {

class GstPipelineHost;

std::unique_ptr<FrameDecoder> makeDecoder(GstPipelineHost& host, const CodecSpec& spec);
std::unique_ptr<FrameEncoder> makeEncoder(GstPipelineHost& host, const CodecSpec& spec);
// True if `kind` runs in GStreamer chains (the shapes ChainStock builds ahead).
bool runsInChain(CodecKind kind);

}  // namespace mcu::mixer::codec
