#include "mixer/codec/g711_level.h"

#include <array>

#include "mixer/core/level_meter.h"

namespace mcu::mixer::codec {
namespace {

constexpr std::size_t kMaxSamples = 160;  // 20 ms at 8 kHz

template <std::int16_t (*Expand)(std::uint8_t)>
std::array<std::int16_t, 256> tableOf() {
  std::array<std::int16_t, 256> t{};
  for (std::size_t i = 0; i < t.size(); ++i) {
    t[i] = Expand(static_cast<std::uint8_t>(i));
  }
  return t;
}

}  // namespace

// G.711 μ-law: the code is sent inverted; 3 exponent bits, 4 mantissa bits, bias 0x84.
std::int16_t ulawToLinear(std::uint8_t code) {
  const unsigned u = ~code & 0xFFU;
  const unsigned exponent = (u >> 4U) & 0x07U;
  const unsigned mantissa = u & 0x0FU;
  const int magnitude = static_cast<int>(((mantissa << 3U) + 0x84U) << exponent) - 0x84;
  return static_cast<std::int16_t>((u & 0x80U) != 0 ? -magnitude : magnitude);
}

// G.711 A-law: even bits inverted (0x55); a set sign bit is a positive sample.
std::int16_t alawToLinear(std::uint8_t code) {
  const unsigned a = code ^ 0x55U;
  const unsigned exponent = (a >> 4U) & 0x07U;
  const unsigned mantissa = a & 0x0FU;
  const int magnitude = exponent == 0
                            ? static_cast<int>((mantissa << 4U) + 8U)
                            : static_cast<int>(((mantissa << 4U) + 0x108U) << (exponent - 1U));
  return static_cast<std::int16_t>((a & 0x80U) != 0 ? magnitude : -magnitude);
}

std::optional<int> g711LevelDbov(CodecKind kind, std::span<const std::uint8_t> payload) {
  if ((kind != CodecKind::kPcmu && kind != CodecKind::kPcma) || payload.size() > kMaxSamples) {
    return std::nullopt;
  }
  static const auto ulaw = tableOf<ulawToLinear>();
  static const auto alaw = tableOf<alawToLinear>();
  const auto& table = kind == CodecKind::kPcmu ? ulaw : alaw;
  std::array<std::int16_t, kMaxSamples> pcm{};
  for (std::size_t i = 0; i < payload.size(); ++i) {
    pcm[i] = table[payload[i]];
  }
  return core::levelDbov(std::span(pcm).first(payload.size()));
}

}  // namespace mcu::mixer::codec
