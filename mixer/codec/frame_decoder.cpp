#include "mixer/codec/frame_decoder.h"

#include <algorithm>

namespace mcu::mixer::codec {

void concealByRepeating(const core::Pcm& last, int lost_in_row, core::Pcm& out) {
  const int shift = std::clamp(lost_in_row, 1, 15);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::int16_t>(last[i] >> shift);
  }
}

}  // namespace mcu::mixer::codec
