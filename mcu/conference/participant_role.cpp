#include "mcu/conference/participant_role.h"

namespace mcu::conference {

std::string_view roleText(ParticipantRole role) {
  switch (role) {
    case ParticipantRole::kModerator:
      return "moderator";
    case ParticipantRole::kListener:
      return "listener";
    case ParticipantRole::kParticipant:
      break;
  }
  return "participant";
}

std::optional<ParticipantRole> roleFromText(std::string_view text) {
  for (const auto role :
       {ParticipantRole::kParticipant, ParticipantRole::kModerator, ParticipantRole::kListener}) {
    if (roleText(role) == text) {
      return role;
    }
  }
  return std::nullopt;
}

}  // namespace mcu::conference
