// What a caller is in its meeting: a moderator (entered the moderator PIN, or promoted over
// REST) starts a room that waits for one and keeps a room that ends with the last one; a
// listener hears the room and is never mixed.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mcu::conference {

enum class ParticipantRole : std::uint8_t { kParticipant, kModerator, kListener };

std::string_view roleText(ParticipantRole role);
std::optional<ParticipantRole> roleFromText(std::string_view text);

}  // namespace mcu::conference
