#include "mixer/codec/g711_level.h"

#include <array>

#include "mixer/codec/g711_law.h"
#include "mixer/core/level_meter.h"

namespace mcu::mixer::codec {
namespace {

constexpr std::size_t kMaxSamples = 160;  // 20 ms at 8 kHz

}  // namespace

std::optional<int> g711LevelDbov(CodecKind kind, std::span<const std::uint8_t> payload) {
  if ((kind != CodecKind::kPcmu && kind != CodecKind::kPcma) || payload.size() > kMaxSamples) {
    return std::nullopt;
  }
  std::array<std::int16_t, kMaxSamples> pcm{};
  expandG711(kind, payload, pcm);
  return core::levelDbov(std::span(pcm).first(payload.size()));
}

}  // namespace mcu::mixer::codec
