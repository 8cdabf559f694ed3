// A participant's id: a strong type, so that nothing wider or unrelated (a REST path's 64-bit
// number, an SSRC, a port, a room id) turns into one without being checked. Issue 14 found
// PATCH /v1/rooms/r/participants/4294967297 acting on participant 1: the API parsed 64 bits and
// the conference silently kept the low 32. Pure, header only.
#pragma once

#include <charconv>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace mcu::mixer::core {

class ParticipantId {
 public:
  constexpr ParticipantId() = default;  // 0: no participant
  constexpr explicit ParticipantId(std::uint32_t value) : value_(value) {}

  // Decimal digits naming an id in 1..2^32-1; anything else (sign, spaces, 0, too wide) is
  // not a participant id.
  static std::optional<ParticipantId> fromText(std::string_view text) {
    std::uint32_t value = 0;
    const char* const end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || stop != end || value == 0) {
      return std::nullopt;
    }
    return ParticipantId(value);
  }

  constexpr std::uint32_t value() const { return value_; }
  constexpr bool valid() const { return value_ != 0; }
  std::string text() const { return std::to_string(value_); }

  friend constexpr auto operator<=>(ParticipantId, ParticipantId) = default;
  friend std::ostream& operator<<(std::ostream& out, ParticipantId id) { return out << id.value_; }

 private:
  std::uint32_t value_ = 0;
};

// 7_pid: a literal id (tests, fixed sources). consteval, so a literal past 32 bits does not
// compile instead of wrapping.
namespace literals {
consteval ParticipantId operator""_pid(unsigned long long value) {
  if (value > 0xFFFFFFFFULL) {
    throw "participant ids have 32 bits";  // not a constant expression: a compile error
  }
  return ParticipantId(static_cast<std::uint32_t>(value));
}
}  // namespace literals

}  // namespace mcu::mixer::core

namespace mcu::mixer {
using ParticipantId = core::ParticipantId;  // the name the engine and mcu/ use
}  // namespace mcu::mixer

template <>
struct std::hash<mcu::mixer::core::ParticipantId> {
  std::size_t operator()(mcu::mixer::core::ParticipantId id) const noexcept {
    return std::hash<std::uint32_t>{}(id.value());
  }
};
