#include "mixer/codec/codec.h"

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

std::optional<CodecKind> codecFromName(std::string_view name) {
  for (const auto kind : {CodecKind::kOpus, CodecKind::kG722, CodecKind::kPcmu, CodecKind::kPcma}) {
    if (codecName(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace mcu::mixer::codec
