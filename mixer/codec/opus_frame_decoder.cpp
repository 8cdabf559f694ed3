#include "mixer/codec/opus_frame_decoder.h"

#include <opus.h>

#include "mcu/common/log.h"

namespace mcu::mixer::codec {
namespace {

constexpr int kFrame = static_cast<int>(core::kFrameSamples);

}  // namespace

OpusFrameDecoder::OpusFrameDecoder(const CodecSpec& spec) : inband_fec_(spec.inband_fec) {
  int error = OPUS_OK;
  // Mono at the mix rate whatever the far end sends: libopus downmixes a stereo stream itself.
  decoder_ = opus_decoder_create(core::kMixRate, 1, &error);
  if (error != OPUS_OK) {
    log::error("media", "opus_decoder_create_failed").kv("error", opus_strerror(error));
    decoder_ = nullptr;
  }
}

OpusFrameDecoder::~OpusFrameDecoder() { opus_decoder_destroy(decoder_); }

bool OpusFrameDecoder::decode(std::span<const std::uint8_t> payload, core::Pcm& out) {
  if (decoder_ == nullptr || payload.empty()) {
    out.fill(0);
    return false;
  }
  const auto size = static_cast<opus_int32>(payload.size());
  if (fifo_.size() == 0 &&
      opus_packet_get_nb_samples(payload.data(), size, core::kMixRate) == kFrame) {
    // The common case, one packet per frame: straight into the mix's frame.
    if (opus_decode(decoder_, payload.data(), size, out.data(), kFrame, 0) == kFrame) {
      return true;
    }
    out.fill(0);
    return false;  // a packet libopus refuses (corrupt): the next one plays
  }
  const int n = opus_decode(decoder_, payload.data(), size, scratch_.data(),
                            static_cast<int>(scratch_.size()), 0);
  if (n > 0) {
    fifo_.push(std::span<const std::int16_t>(scratch_.data(), static_cast<std::size_t>(n)));
    // Room for a 120 ms packet and a frame left over, as the other decoders keep.
    fifo_.trim(7 * core::kFrameSamples);
  }
  return fromFifo(out);
}

bool OpusFrameDecoder::fromFifo(core::Pcm& out) {
  if (!fifo_.pop(out)) {
    out.fill(0);  // a packet shorter than a frame: the next one completes it
    return false;
  }
  return true;
}

void OpusFrameDecoder::conceal(core::Pcm& out) {
  if (decoder_ == nullptr || opus_decode(decoder_, nullptr, 0, out.data(), kFrame, 0) != kFrame) {
    out.fill(0);
  }
}

void OpusFrameDecoder::concealBefore(std::span<const std::uint8_t> next, core::Pcm& out) {
  if (!inband_fec_ || next.empty() || decoder_ == nullptr) {
    conceal(out);
    return;
  }
  // With decode_fec set, libopus decodes the frame before `next` from its LBRR data; the
  // frame size asked for is the lost frame's.
  if (opus_decode(decoder_, next.data(), static_cast<opus_int32>(next.size()), out.data(), kFrame,
                  1) == kFrame) {
    return;
  }
  conceal(out);
}

bool OpusFrameDecoder::takeBuffered(core::Pcm& out) { return fromFifo(out); }

}  // namespace mcu::mixer::codec
