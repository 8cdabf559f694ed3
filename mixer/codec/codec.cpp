#include "mixer/codec/codec.h"

#include <array>

#include "mixer/core/audio_frame.h"

namespace mcu::mixer::codec {

int sampleRate(CodecKind kind) {
  switch (kind) {
    case CodecKind::kOpus:
      return 48000;
    case CodecKind::kG722:
      return 16000;
    case CodecKind::kPcmu:
    case CodecKind::kPcma:
      return 8000;
  }
  return 8000;
}

int rtpClockRate(CodecKind kind) { return kind == CodecKind::kOpus ? 48000 : 8000; }

std::string_view codecName(CodecKind kind) {
  switch (kind) {
    case CodecKind::kOpus:
      return "opus";
    case CodecKind::kG722:
      return "G722";
    case CodecKind::kPcmu:
      return "PCMU";
    case CodecKind::kPcma:
      return "PCMA";
  }
  return "?";
}

std::uint32_t rtpTimestampsPerFrame(CodecKind kind) {
  return static_cast<std::uint32_t>(rtpClockRate(kind) * core::kFrameMs / 1000);
}

std::int64_t payloadDurationTs(CodecKind kind, std::span<const std::uint8_t> payload) {
  if (payload.empty()) {
    return 0;
  }
  if (kind != CodecKind::kOpus) {
    return static_cast<std::int64_t>(payload.size());
  }
  // TOC: config (5 bits) gives the frame size, code (2 bits) the frame count.
  const int config = payload[0] >> 3;
  static constexpr std::array<int, 4> kSilk = {480, 960, 1920, 2880};  // 10-60 ms at 48 kHz
  static constexpr std::array<int, 2> kHybrid = {480, 960};
  static constexpr std::array<int, 4> kCelt = {120, 240, 480, 960};
  const auto at = [](const auto& table, int i) { return table.at(static_cast<std::size_t>(i)); };
  const int frame = config < 12   ? at(kSilk, config % 4)
                    : config < 16 ? at(kHybrid, config % 2)
                                  : at(kCelt, config % 4);
  int frames = 1;
  switch (payload[0] & 0x3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (payload.size() < 2) {
        return 0;
      }
      frames = payload[1] & 0x3f;
  }
  const std::int64_t total = static_cast<std::int64_t>(frame) * frames;
  return total <= 5760 ? total : 0;  // 120 ms is Opus's longest packet
}

std::optional<CodecKind> codecFromName(std::string_view name) {
  for (const auto kind : {CodecKind::kOpus, CodecKind::kG722, CodecKind::kPcmu, CodecKind::kPcma}) {
    if (codecName(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace mcu::mixer::codec
