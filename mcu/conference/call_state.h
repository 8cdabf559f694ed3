// Where a participant's call is, as REST, the events and RFC 4575 name it: one enum inside,
// its text only at those boundaries (it was a string compared in six places).
#pragma once

#include <string_view>

namespace mcu::conference {

enum class CallState {
  kConnecting,  // answered, its ACK not yet in: not counted in the room
  kCalling,     // dialled by us, no answer yet
  kRinging,     // dialled by us, 180/183 came
  kJoined,      // in the room
  kFailed,      // dialled by us and refused or lost (kept a while for REST)
};

constexpr std::string_view callStateText(CallState state) {
  switch (state) {
    case CallState::kConnecting:
      return "connecting";
    case CallState::kCalling:
      return "calling";
    case CallState::kRinging:
      return "ringing";
    case CallState::kJoined:
      return "joined";
    case CallState::kFailed:
      return "failed";
  }
  return "joined";
}

}  // namespace mcu::conference
