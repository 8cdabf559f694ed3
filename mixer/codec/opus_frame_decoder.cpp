#include "mixer/codec/opus_frame_decoder.h"

#include <opus.h>

#include <algorithm>
#include <array>

#include "mcu/common/log.h"

namespace mcu::mixer::codec {
namespace {

constexpr int kFrame = static_cast<int>(core::kFrameSamples);

// Whether `packet` carries in-band FEC (LBRR data, RFC 6716 §4.2.4) for the frame before it.
// libopus 1.3 cannot say (opus_packet_has_lbrr came in 1.5): given a packet without any, a
// decode with decode_fec runs the PLC and reports success all the same. The flags are the
// first symbols of the first frame's SILK layer, each coded with probability 1/2, so they are
// its first byte's top bits: per channel (mid, then side for stereo) one voice-activity flag
// per 20 ms SILK frame, then the LBRR flag.
bool carriesFec(std::span<const std::uint8_t> packet) {
  if (packet.empty()) {
    return false;
  }
  const unsigned config = packet[0] >> 3U;
  if (config >= 16) {
    return false;  // CELT only: no SILK layer, no FEC
  }
  // SILK-only configurations take 10, 20, 40 and 60 ms in turn, hybrid ones 10 and 20 ms.
  constexpr std::array<unsigned, 4> kSilkMs{10, 20, 40, 60};
  const unsigned frame_ms = config < 12 ? kSilkMs[config % 4] : 10 * (1 + config % 2);
  const unsigned silk_frames = std::max(1U, frame_ms / 20);
  std::array<const unsigned char*, 48> frames{};
  std::array<opus_int16, 48> sizes{};
  if (opus_packet_parse(packet.data(), static_cast<opus_int32>(packet.size()), nullptr,
                        frames.data(), sizes.data(), nullptr) <= 0 ||
      sizes[0] == 0) {
    return false;
  }
  const unsigned first = frames[0][0];
  const bool mid = ((first >> (7 - silk_frames)) & 1U) != 0;
  const bool stereo = (packet[0] & 0x04U) != 0;
  const bool side = stereo && ((first >> (6 - 2 * silk_frames)) & 1U) != 0;
  return mid || side;
}

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
  if (decoder_ != nullptr && fifo_.size() > 0) {
    // Part of a frame waits (a 10 ms packet whose partner was lost): the PLC guesses only the
    // rest, so the part plays now, in its place, not a frame late after a whole guess. What
    // waits is whole packets, so the rest is a multiple of 2.5 ms, as the PLC needs.
    const int rest = kFrame - static_cast<int>(fifo_.size());
    if (rest > 0 && opus_decode(decoder_, nullptr, 0, scratch_.data(), rest, 0) == rest) {
      fifo_.push(std::span<const std::int16_t>(scratch_.data(), static_cast<std::size_t>(rest)));
    }
    if (fromFifo(out)) {
      return;
    }
  }
  if (decoder_ == nullptr || opus_decode(decoder_, nullptr, 0, out.data(), kFrame, 0) != kFrame) {
    out.fill(0);
  }
}

bool OpusFrameDecoder::concealBefore(std::span<const std::uint8_t> next, core::Pcm& out) {
  // With part of a frame waiting, the FEC (the whole packet before `next`) would not fit.
  if (!inband_fec_ || decoder_ == nullptr || fifo_.size() > 0 || !carriesFec(next)) {
    conceal(out);
    return false;
  }
  // With decode_fec set, libopus decodes the frame before `next` from its LBRR data; the
  // frame size asked for is the lost frame's.
  if (opus_decode(decoder_, next.data(), static_cast<opus_int32>(next.size()), out.data(), kFrame,
                  1) == kFrame) {
    return true;
  }
  conceal(out);
  return false;
}

bool OpusFrameDecoder::takeBuffered(core::Pcm& out) { return fromFifo(out); }

}  // namespace mcu::mixer::codec
