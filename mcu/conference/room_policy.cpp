#include "mcu/conference/room_policy.h"

#include <algorithm>

#include "mcu/common/secret.h"

namespace mcu::conference {

bool validRoomName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  const auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  return std::all_of(name.begin(), name.end(), ok) && name.front() != '.' && name.front() != '-';
}

Admission admit(const RoomPolicy& room, std::size_t current_participants,
                const std::optional<std::string>& offered_pin) {
  // A moderator may enter a locked room (to open it), never a full one.
  const bool moderator =
      room.moderator_pin && offered_pin && secret::pinMatches(*room.moderator_pin, *offered_pin);
  if (room.locked && !moderator) {
    return {403, "room is locked"};
  }
  if (room.max_participants &&
      current_participants >= static_cast<std::size_t>(*room.max_participants)) {
    return {486, "room is full"};
  }
  if (moderator) {
    return {200, "OK", false, true};
  }
  if ((room.pin || room.moderator_pin) && offered_pin &&
      !(room.pin && secret::pinMatches(*room.pin, *offered_pin))) {
    return {403, "wrong PIN"};
  }
  if (room.pin && !offered_pin) {
    return {200, "OK", true};
  }
  return {200, "OK"};
}

}  // namespace mcu::conference
