// What a participant's audio is encoded with, as the SDP negotiated it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mcu::mixer::codec {

enum class CodecKind : std::uint8_t { kOpus, kPcmu, kPcma, kG722 };

struct CodecSpec {
  CodecKind kind = CodecKind::kOpus;
  std::uint8_t payload_type = 111;
  int channels = 1;         // Opus: 2 when the far end asked for stereo
  bool inband_fec = true;   // Opus useinbandfec
  int max_bitrate = 32000;  // Opus maxaveragebitrate, bit/s
  int complexity = 10;      // Opus encoder complexity 0-10

  bool operator==(const CodecSpec&) const = default;
};

// The codec's own sample rate (G.722 samples at 16 kHz) ...
int sampleRate(CodecKind kind);
// ... and its RTP clock rate (G.722's is 8000 for historical reasons, RFC 3551 §4.5.2).
int rtpClockRate(CodecKind kind);
// One mixer frame (core::kFrameMs) in RTP timestamp units: what each packet we send advances.
std::uint32_t rtpTimestampsPerFrame(CodecKind kind);
std::string_view codecName(CodecKind kind);
// How long one RTP payload plays, in RTP timestamp units (G.711 and G.722: one unit per byte;
// Opus: from its TOC byte, RFC 6716 §3.1); 0 if it cannot be told. Phones send 20 ms mostly,
// but 30, 40 and 60 ms packets are legal and common enough.
std::int64_t payloadDurationTs(CodecKind kind, std::span<const std::uint8_t> payload);
// The kind named by codecName(), if any.
std::optional<CodecKind> codecFromName(std::string_view name);

}  // namespace mcu::mixer::codec
