// Music while a caller is alone or a room waits for its moderator (issue 15 item 2), as
// FreeSWITCH's conference (moh-sound) and Asterisk ConfBridge (music_on_hold_when_empty) play
// it. It is the room's, not each caller's: whenever it plays, everyone in the room is meant to
// hear it (the one caller, or everyone waiting), so it is mixed once for the room and costs no
// encode per caller - a waiting room of hundreds costs what a room of one does.
#include <algorithm>

#include "mcu/common/log.h"
#include "mcu/conference/conference.h"

namespace mcu::conference {
namespace {

constexpr std::string_view kComponent = "conference";

}  // namespace

std::optional<mixer::MediaEngine::Samples> Conference::ownMusic(
    const RoomPolicy& policy, mixer::MediaEngine::Samples decoded) {
  if (!policy.music) {
    return std::nullopt;
  }
  if (policy.music->empty()) {
    return mixer::MediaEngine::Samples{};
  }
  if (!decoded) {
    log::warn(kComponent, "room_music_missing")
        .kv("room", policy.name)
        .kv("file", *policy.music)
        .kv("playing", "the server's music");
    return std::nullopt;
  }
  return decoded;
}

void Conference::setDefaultMusic(mixer::MediaEngine::Samples music) {
  assertOwnerThread();
  default_music_ = std::move(music);
}

void Conference::setRooms(const std::vector<store::RoomRow>& rooms,
                          const std::map<std::string, mixer::MediaEngine::Samples>& music) {
  assertOwnerThread();
  for (const auto& row : rooms) {
    auto& room = rooms_[row.name];
    room.policy = row;
    const auto file = row.music ? music.find(*row.music) : music.end();
    room.music = ownMusic(row, file == music.end() ? nullptr : file->second);
  }
  log::info(kComponent, "rooms_loaded").kv("rooms", static_cast<std::uint64_t>(rooms.size()));
}

void Conference::updateMusic(const std::string& name, std::chrono::milliseconds delay) {
  const auto it = rooms_.find(name);
  if (it == rooms_.end()) {
    return;
  }
  Room& room = it->second;
  if (!room.media_room) {
    room.playing_music = nullptr;  // gone with the room's media
    return;
  }
  const auto& music = room.music ? *room.music : default_music_;
  mixer::MediaEngine::Samples wanted;
  if (music) {
    const auto heard_count = std::count_if(
        room.participants.begin(), room.participants.end(), [this](mixer::ParticipantId id) {
          const auto member = participants_.find(id);
          return member != participants_.end() && heard(id, member->second);
        });
    const bool waiting = room.policy.wait_for_moderator && !room.moderator_in;
    if (heard_count == 1 || (waiting && heard_count > 0)) {
      wanted = music;
    }
  }
  if (wanted == room.playing_music) {
    return;
  }
  room.playing_music = wanted;
  engine_.setRoomMusic(*room.media_room, wanted, wanted ? delay : std::chrono::milliseconds(0));
  log::debug(kComponent, wanted ? "room_music_started" : "room_music_stopped").kv("room", name);
}

}  // namespace mcu::conference
