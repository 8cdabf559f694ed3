#include "mixer/codec/g711_codec.h"

#include <algorithm>

#include "mixer/codec/g711_law.h"

namespace mcu::mixer::codec {

bool G711Decoder::decode(std::span<const std::uint8_t> payload, core::Pcm& out) {
  narrow_.resize(payload.size());
  wide_.resize(payload.size() * kRateRatio);
  expandG711(kind_, payload, narrow_);
  upsampler_.process(narrow_, wide_);
  fifo_.push(wide_);
  // Room for a 120 ms packet and a frame left over, as the chains' decoders keep.
  fifo_.trim(7 * core::kFrameSamples);
  if (!fifo_.pop(out)) {
    out.fill(0);  // a packet shorter than a frame: the next one completes it
    return false;
  }
  last_ = out;
  lost_in_row_ = 0;
  return true;
}

void G711Decoder::conceal(core::Pcm& out) {
  // Part of a frame waiting (a 10 ms packet whose partner was lost) plays now, in its place,
  // and the guess fills the rest; left waiting, it played a frame late, and the stream stayed
  // 10 ms late from then on.
  core::Pcm guess;
  concealByRepeating(last_, ++lost_in_row_, guess);
  const std::size_t came = fifo_.takeUpTo(out);
  std::copy(guess.begin() + static_cast<std::ptrdiff_t>(came), guess.end(),
            out.begin() + static_cast<std::ptrdiff_t>(came));
}

bool G711Decoder::takeBuffered(core::Pcm& out) {
  if (!fifo_.pop(out)) {
    return false;
  }
  last_ = out;
  return true;
}

std::span<const std::uint8_t> G711Encoder::encode(const core::Pcm& pcm) {
  downsampler_.process(pcm, narrow_);
  compressG711(kind_, narrow_, payload_);
  return payload_;
}

}  // namespace mcu::mixer::codec
