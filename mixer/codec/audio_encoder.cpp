#include "mixer/codec/audio_encoder.h"

#include <string>

namespace mcu::mixer::codec {
namespace {

std::string chainFor(const CodecSpec& spec) {
  const std::string convert = "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=" +
                              std::to_string(sampleRate(spec.kind)) + ",channels=";
  switch (spec.kind) {
    case CodecKind::kOpus:
      return convert + std::to_string(spec.channels) +
             " ! opusenc audio-type=voice frame-size=20 bitrate=" +
             std::to_string(spec.max_bitrate) + " complexity=" + std::to_string(spec.complexity) +
             " inband-fec=" + (spec.inband_fec ? "true" : "false") +
             " packet-loss-percentage=" + (spec.inband_fec ? "5" : "0") + " ! appsink name=sink";
    case CodecKind::kPcmu:
      return convert + "1 ! mulawenc ! appsink name=sink";
    case CodecKind::kPcma:
      return convert + "1 ! alawenc ! appsink name=sink";
    case CodecKind::kG722:
      return convert + "1 ! avenc_g722 ! appsink name=sink";
  }
  return "";
}

// Bytes per 20 ms for the sample-based codecs (64 kbit/s each), 0 for Opus (one packet/frame).
std::size_t bytesPerFrame(CodecKind kind) { return kind == CodecKind::kOpus ? 0 : 160; }

}  // namespace

ChainShape AudioEncoder::shape(const CodecSpec& spec) {
  return {.description = chainFor(spec),
          .caps = "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"};
}

AudioEncoder::AudioEncoder(GstPipelineHost& host, const CodecSpec& spec)
    : spec_(spec), chain_(host, shape(spec)) {
  if (sampleRate(spec.kind) != 48000) {
    // The resampler keeps its start-up latency's worth of samples back: fed one silent frame
    // now (its output dropped), it holds silence, and the first real frame comes out whole.
    // Otherwise the first frame is a few samples short and every payload after it waits for
    // the next frame: a frame of delay (20 ms, measured) for the life of the stream.
    const core::Pcm silence{};
    chain_.push(reinterpret_cast<const std::uint8_t*>(silence.data()),
                silence.size() * sizeof(silence[0]), core::kFrameNs, outputs_);
    outputs_.clear();
  }
}

std::span<const std::uint8_t> AudioEncoder::encode(const core::Pcm& pcm) {
  ++frames_;
  chain_.push(reinterpret_cast<const std::uint8_t*>(pcm.data()), pcm.size() * sizeof(pcm[0]),
              core::kFrameNs, outputs_);
  payload_.clear();
  const std::size_t frame_bytes = bytesPerFrame(spec_.kind);
  if (frame_bytes == 0) {
    // opusenc gives one packet per 20 ms frame; if it ever gave two, the newest one wins.
    if (!outputs_.empty()) {
      payload_.swap(outputs_.back());
    }
  } else {
    for (const auto& o : outputs_) {
      pending_.insert(pending_.end(), o.begin(), o.end());
    }
    if (pending_.size() >= frame_bytes) {
      payload_.assign(pending_.begin(),
                      pending_.begin() + static_cast<std::ptrdiff_t>(frame_bytes));
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(frame_bytes));
    }
    if (pending_.size() > 3 * frame_bytes) {
      pending_.erase(pending_.begin(), pending_.end() - static_cast<std::ptrdiff_t>(frame_bytes));
    }
  }
  outputs_.clear();
  return payload_;
}

}  // namespace mcu::mixer::codec
