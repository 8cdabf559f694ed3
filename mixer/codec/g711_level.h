// The level of a G.711 payload read straight from its bytes (ITU-T G.711 expansion by table),
// without a decoder chain. G.711 phones send no RFC 6464 level, and most participants are not
// mixed in a given tick: only their level is needed, and this is a lookup per byte where a
// GStreamer decode and resample to 48 kHz costs a hundred times more.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "mixer/codec/codec.h"

namespace mcu::mixer::codec {

// -dBov of the payload as core::levelDbov() measures PCM; nothing for other codecs or for
// payloads longer than 20 ms at 8 kHz.
std::optional<int> g711LevelDbov(CodecKind kind, std::span<const std::uint8_t> payload);

}  // namespace mcu::mixer::codec
