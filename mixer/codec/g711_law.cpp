#include "mixer/codec/g711_law.h"

#include <algorithm>
#include <array>
#include <bit>
#include <vector>

namespace mcu::mixer::codec {
namespace {

template <std::int16_t (*Expand)(std::uint8_t)>
const std::array<std::int16_t, 256>& expansionTable() {
  static const auto table = [] {
    std::array<std::int16_t, 256> t{};
    for (std::size_t i = 0; i < t.size(); ++i) {
      t[i] = Expand(static_cast<std::uint8_t>(i));
    }
    return t;
  }();
  return table;
}

// Every 16-bit sample's code: 64 KiB a law, built once, so a frame is 160 lookups.
template <std::uint8_t (*Compress)(std::int16_t)>
const std::vector<std::uint8_t>& compressionTable() {
  static const auto table = [] {
    std::vector<std::uint8_t> t(65536);
    for (int s = -32768; s <= 32767; ++s) {
      t[static_cast<std::uint16_t>(s)] = Compress(static_cast<std::int16_t>(s));
    }
    return t;
  }();
  return table;
}

}  // namespace

// μ-law: the code is sent inverted; 3 exponent bits, 4 mantissa bits, bias 0x84.
std::int16_t ulawToLinear(std::uint8_t code) {
  const unsigned u = ~code & 0xFFU;
  const unsigned exponent = (u >> 4U) & 0x07U;
  const unsigned mantissa = u & 0x0FU;
  const int magnitude = static_cast<int>(((mantissa << 3U) + 0x84U) << exponent) - 0x84;
  return static_cast<std::int16_t>((u & 0x80U) != 0 ? -magnitude : magnitude);
}

// A-law: even bits inverted (0x55); a set sign bit is a positive sample.
std::int16_t alawToLinear(std::uint8_t code) {
  const unsigned a = code ^ 0x55U;
  const unsigned exponent = (a >> 4U) & 0x07U;
  const unsigned mantissa = a & 0x0FU;
  const int magnitude = exponent == 0
                            ? static_cast<int>((mantissa << 4U) + 8U)
                            : static_cast<int>(((mantissa << 4U) + 0x108U) << (exponent - 1U));
  return static_cast<std::int16_t>((a & 0x80U) != 0 ? magnitude : -magnitude);
}

std::uint8_t linearToUlaw(std::int16_t sample) {
  constexpr unsigned kBias = 0x84;
  constexpr unsigned kClip = 32635;  // so that the biased magnitude stays below 0x8000
  const unsigned sign = sample < 0 ? 0x80U : 0U;
  const unsigned magnitude =
      std::min(static_cast<unsigned>(sample < 0 ? -static_cast<int>(sample) : sample), kClip) +
      kBias;
  // The biased magnitude's top bit is bit 7 + exponent.
  const auto exponent = static_cast<unsigned>(std::bit_width(magnitude)) - 8U;
  const unsigned mantissa = (magnitude >> (exponent + 3U)) & 0x0FU;
  return static_cast<std::uint8_t>(~(sign | (exponent << 4U) | mantissa) & 0xFFU);
}

std::uint8_t linearToAlaw(std::int16_t sample) {
  // 13-bit magnitude; a negative sample is one step nearer zero (-1 is the code of 0's sign).
  const unsigned sign = sample >= 0 ? 0x80U : 0U;
  const auto magnitude =
      static_cast<unsigned>(sample >= 0 ? sample : -static_cast<int>(sample) - 1) >> 3U;
  unsigned exponent = 0;
  unsigned mantissa = magnitude >> 1U;
  if (magnitude >= 32) {
    exponent = static_cast<unsigned>(std::bit_width(magnitude)) - 5U;
    mantissa = (magnitude >> exponent) & 0x0FU;
  }
  return static_cast<std::uint8_t>((sign | (exponent << 4U) | mantissa) ^ 0x55U);
}

void expandG711(CodecKind kind, std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  const auto& table =
      kind == CodecKind::kPcmu ? expansionTable<ulawToLinear>() : expansionTable<alawToLinear>();
  std::transform(in.begin(), in.end(), out.begin(), [&](std::uint8_t c) { return table[c]; });
}

void compressG711(CodecKind kind, std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  const auto& table = kind == CodecKind::kPcmu ? compressionTable<linearToUlaw>()
                                               : compressionTable<linearToAlaw>();
  std::transform(in.begin(), in.end(), out.begin(),
                 [&](std::int16_t s) { return table[static_cast<std::uint16_t>(s)]; });
}

void warmG711Tables() {
  expansionTable<ulawToLinear>();
  expansionTable<alawToLinear>();
  compressionTable<linearToUlaw>();
  compressionTable<linearToAlaw>();
}

}  // namespace mcu::mixer::codec
