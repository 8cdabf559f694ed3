// A room's admission rules, as stored in PostgreSQL (rooms table), and the decision they give
// for one joining caller. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcu/store/conference_store.h"

namespace mcu::conference {

// The policy is the room's row as stored; the PIN as stored too (see mcu/common/secret.h).
using RoomPolicy = store::RoomRow;

struct Admission {
  int status = 200;          // SIP status: 200, 403, 404, 486, 503
  std::string reason;        // for the reason phrase and the Warning text
  bool pin_by_dtmf = false;  // answered, but held apart until the PIN is keyed in
  bool moderator = false;    // it gave the moderator PIN
};

// The room names a Request-URI user part may carry: letters, digits, . _ - (1-64).
bool validRoomName(std::string_view name);

Admission admit(const RoomPolicy& room, std::size_t current_participants,
                const std::optional<std::string>& offered_pin);

}  // namespace mcu::conference
