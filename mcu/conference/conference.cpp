#include "mcu/conference/conference.h"

#include <sstream>

#include "mcu/common/log.h"

namespace mcu::conference {
namespace {

constexpr std::string_view kComponent = "conference";

std::string statsJson(const std::optional<mixer::ParticipantStats>& s) {
  if (!s) {
    return "{}";
  }
  std::ostringstream j;
  j << "{\"packets_in\":" << s->packets_in << ",\"packets_out\":" << s->packets_out
    << ",\"bytes_in\":" << s->bytes_in << ",\"bytes_out\":" << s->bytes_out
    << ",\"lost\":" << s->lost << ",\"late\":" << s->late << ",\"jitter_ms\":" << s->jitter_ms
    << ",\"remote_fraction_lost\":" << s->remote_fraction_lost
    << ",\"remote_jitter_ms\":" << s->remote_jitter_ms << "}";
  return j.str();
}

}  // namespace

Conference::Conference(mixer::MediaEngine& engine, store::ConferenceStore& store,
                       ConferenceConfig config)
    : engine_(engine), store_(store), config_(std::move(config)) {}

void Conference::setRooms(const std::vector<store::RoomRow>& rooms) {
  for (const auto& row : rooms) {
    auto& room = rooms_[row.name];
    room.policy = {row.name, row.locked, row.max_participants, row.pin, row.on_demand};
  }
  log::info(kComponent, "rooms_loaded").kv("rooms", static_cast<std::uint64_t>(rooms.size()));
}

JoinResult Conference::join(const JoinRequest& request) {
  JoinResult result;
  if (!validRoomName(request.room)) {
    result.admission = {404, "no such room"};
    return result;
  }
  if (participants_.size() >= static_cast<std::size_t>(config_.max_participants)) {
    result.admission = {503, "server at capacity"};
    return result;
  }
  auto it = rooms_.find(request.room);
  if (it == rooms_.end()) {
    if (!config_.on_demand_rooms) {
      result.admission = {404, "no such room"};
      return result;
    }
    it = rooms_.emplace(request.room, Room{RoomPolicy{request.room, false, {}, {}, true}, {}, {}})
             .first;
    store_.createRoom(request.room, true);
    log::info(kComponent, "room_created").kv("room", request.room).kv("on_demand", true);
  }
  Room& room = it->second;
  result.admission = admit(room.policy, room.participants.size(), request.pin);
  if (result.admission.status != 200) {
    return result;
  }
  if (!room.media_room) {
    room.media_room = next_room_++;
    mixer::RoomMediaConfig media;
    media.rtp_timeout_ms = config_.rtp_timeout_ms;
    engine_.createRoom(*room.media_room, media);
  }
  const mixer::ParticipantId id = next_participant_++;
  const auto port = engine_.addParticipant(*room.media_room, id, request.media);
  if (!port) {
    result.admission = {503, "no media port available"};
    return result;
  }
  room.participants.insert(id);
  participants_[id] = {request.room, request.call_id};
  result.participant = id;
  result.local_port = *port;
  store_.callJoined({request.room, request.call_id, request.from_uri, request.display_name,
                     std::string(mixer::codec::codecName(request.media.codec.kind)),
                     request.media.remote.host + ":" + std::to_string(request.media.remote.port),
                     config_.node_id});
  log::info(kComponent, "participant_joined")
      .kv("room", request.room)
      .kv("call_id", request.call_id)
      .kv("participant", static_cast<std::uint64_t>(id))
      .kv("codec", mixer::codec::codecName(request.media.codec.kind));
  return result;
}

void Conference::update(mixer::ParticipantId id, const mixer::MediaEndpoint& media) {
  if (participants_.contains(id)) {
    engine_.updateParticipant(id, media);
  }
}

void Conference::leave(mixer::ParticipantId id, const std::string& reason) {
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  const Member member = it->second;
  participants_.erase(it);
  const auto stats = engine_.stats(id);
  engine_.removeParticipant(id);
  store_.callLeft(member.call_id, reason, statsJson(stats));
  auto room = rooms_.find(member.room);
  if (room != rooms_.end()) {
    room->second.participants.erase(id);
    if (room->second.participants.empty() && room->second.media_room) {
      engine_.destroyRoom(*room->second.media_room);
      room->second.media_room.reset();
    }
  }
  log::info(kComponent, "participant_left")
      .kv("room", member.room)
      .kv("call_id", member.call_id)
      .kv("participant", static_cast<std::uint64_t>(id))
      .kv("reason", reason);
}

}  // namespace mcu::conference
