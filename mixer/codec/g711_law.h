// ITU-T G.711 μ-law and A-law: 16-bit linear PCM to and from one byte per sample. Tables, so
// that the engine's G.711 callers need no GStreamer chain (g711_codec.h).
#pragma once

#include <cstdint>
#include <span>

#include "mixer/codec/codec.h"

namespace mcu::mixer::codec {

// Expansion of one code.
std::int16_t ulawToLinear(std::uint8_t code);
std::int16_t alawToLinear(std::uint8_t code);
// Compression of one sample to the code whose expansion is nearest below it in magnitude
// (G.711's segment and step), as every G.711 encoder does.
std::uint8_t linearToUlaw(std::int16_t sample);
std::uint8_t linearToAlaw(std::int16_t sample);

// The same over a payload, by table; `kind` is kPcmu or kPcma, and out.size() == in.size().
void expandG711(CodecKind kind, std::span<const std::uint8_t> in, std::span<std::int16_t> out);
void compressG711(CodecKind kind, std::span<const std::int16_t> in, std::span<std::uint8_t> out);
// Builds the tables now (about 0.3 ms, once per process) rather than on the first G.711
// caller's tick: a media thread calls it before its first tick.
void warmG711Tables();

}  // namespace mcu::mixer::codec
