#include "mixer/codec/audio_decoder.h"

#include <string>

namespace mcu::mixer::codec {
namespace {

constexpr const char* kToMix =
    " ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1"
    " ! appsink name=sink";

std::string chainFor(const CodecSpec& spec) {
  switch (spec.kind) {
    case CodecKind::kOpus:
      return std::string("opusdec plc=true use-inband-fec=") +
             (spec.inband_fec ? "true" : "false") + kToMix;
    case CodecKind::kPcmu:
      return std::string("mulawdec") + kToMix;
    case CodecKind::kPcma:
      return std::string("alawdec") + kToMix;
    case CodecKind::kG722:
      return std::string("avdec_g722") + kToMix;
  }
  return "";
}

std::string capsFor(const CodecSpec& spec) {
  switch (spec.kind) {
    case CodecKind::kOpus:
      return "audio/x-opus,channel-mapping-family=0,rate=48000,channels=" +
             std::to_string(spec.channels);
    case CodecKind::kPcmu:
      return "audio/x-mulaw,rate=8000,channels=1";
    case CodecKind::kPcma:
      return "audio/x-alaw,rate=8000,channels=1";
    case CodecKind::kG722:
      return "audio/G722,rate=16000,channels=1";
  }
  return "";
}

}  // namespace

ChainShape AudioDecoder::shape(const CodecSpec& spec) {
  return {.description = chainFor(spec), .caps = capsFor(spec)};
}

AudioDecoder::AudioDecoder(GstPipelineHost& host, const CodecSpec& spec)
    : spec_(spec), chain_(host, shape(spec)) {}

bool AudioDecoder::takeFrame(core::Pcm& out) {
  for (const auto& o : outputs_) {
    fifo_.pushBytes(o);
  }
  outputs_.clear();
  // At most three frames waiting: a chain that bursts must not add delay for good.
  // Room for Opus's longest packet (120 ms) and a frame left over; more than that is a chain
  // bursting, which must not add delay for good.
  fifo_.trim(7 * core::kFrameSamples);
  return fifo_.pop(out);
}

bool AudioDecoder::decode(std::span<const std::uint8_t> payload, core::Pcm& out) {
  // The buffer's real length keeps the resampler's timeline continuous for 30 or 60 ms packets.
  const std::int64_t duration_ts = payloadDurationTs(spec_.kind, payload);
  const std::uint64_t duration_ns =
      duration_ts > 0 ? static_cast<std::uint64_t>(duration_ts) * std::uint64_t{1'000'000'000} /
                            static_cast<std::uint64_t>(rtpClockRate(spec_.kind))
                      : core::kFrameNs;
  chain_.push(payload.data(), payload.size(), duration_ns, outputs_);
  if (!started_ && !outputs_.empty()) {
    started_ = true;
    for (const auto& o : outputs_) {
      fifo_.pushBytes(o);
    }
    outputs_.clear();
    // The resampler's start-up latency makes the first output a little short of whole frames.
    // Waiting for the rest would hold every later frame back by almost a frame (20 ms of
    // mouth-to-ear delay, measured) for the life of the call; a few silent samples in front
    // of the first frame cost nothing.
    const std::size_t short_by = fifo_.size() % core::kFrameSamples;
    if (short_by != 0) {
      fifo_.padFront(core::kFrameSamples - short_by);
    }
  }
  if (!takeFrame(out)) {
    out.fill(0);
    return false;
  }
  last_ = out;
  concealed_in_row_ = 0;
  return true;
}

bool AudioDecoder::takeBuffered(core::Pcm& out) {
  if (!fifo_.pop(out)) {
    return false;
  }
  last_ = out;
  return true;
}

void AudioDecoder::conceal(core::Pcm& out) {
  if (spec_.kind == CodecKind::kOpus) {
    chain_.push(nullptr, 0, core::kFrameNs, outputs_);  // a gap: opusdec runs its PLC
    if (takeFrame(out)) {
      return;
    }
  }
  concealByRepeating(last_, ++concealed_in_row_, out);
}

}  // namespace mcu::mixer::codec
