#include "mcu/conference/conference.h"

#include <cmath>
#include <memory>
#include <numbers>
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

// Short tone patterns instead of recorded prompts (48 kHz mono): two high beeps ask for the
// PIN, one low tone says it was wrong.
std::shared_ptr<const std::vector<std::int16_t>> beeps(double hz, int count, int on_ms) {
  auto pcm = std::make_shared<std::vector<std::int16_t>>();
  for (int b = 0; b < count; ++b) {
    for (int i = 0; i < on_ms * 48; ++i) {
      pcm->push_back(
          static_cast<std::int16_t>(6000 * std::sin(2 * std::numbers::pi * hz * i / 48000)));
    }
    pcm->insert(pcm->end(), static_cast<std::size_t>(200 * 48), 0);
  }
  return pcm;
}

const std::shared_ptr<const std::vector<std::int16_t>>& pinPrompt() {
  static const auto prompt = beeps(1400, 2, 300);
  return prompt;
}

const std::shared_ptr<const std::vector<std::int16_t>>& pinWrong() {
  static const auto prompt = beeps(400, 1, 600);
  return prompt;
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
  participants_[id] = {request.room, request.call_id, request.media};
  if (result.admission.pin_by_dtmf) {
    // Answered but apart: neither heard nor hearing the room until the PIN is right.
    mixer::MediaEndpoint apart = request.media;
    apart.receive = false;
    engine_.updateParticipant(id, apart);
    engine_.setDeaf(id, true);
    engine_.playSamplesToParticipant(id, pinPrompt());
    pending_pins_[id] = {"", 0, std::chrono::steady_clock::now() + config_.pin_timeout};
  }
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
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  it->second.media = media;
  mixer::MediaEndpoint effective = media;
  if (pending_pins_.contains(id)) {
    effective.receive = false;
  }
  engine_.updateParticipant(id, effective);
}

void Conference::onDtmf(mixer::ParticipantId id, char digit) {
  const auto it = pending_pins_.find(id);
  if (it == pending_pins_.end()) {
    return;
  }
  if (digit == '#') {
    checkPin(id, it->second);
    return;
  }
  it->second.digits += digit;
  const auto member = participants_.find(id);
  const auto room = member == participants_.end() ? rooms_.end() : rooms_.find(member->second.room);
  if (room != rooms_.end() && room->second.policy.pin &&
      it->second.digits.size() >= room->second.policy.pin->size()) {
    checkPin(id, it->second);
  }
}

void Conference::checkPin(mixer::ParticipantId id, PendingPin& pending) {
  const Member& member = participants_.at(id);
  const auto room = rooms_.find(member.room);
  const bool right =
      room != rooms_.end() && room->second.policy.pin && pending.digits == *room->second.policy.pin;
  pending.digits.clear();
  if (right) {
    pending_pins_.erase(id);
    engine_.setDeaf(id, false);
    engine_.updateParticipant(id, member.media);
    log::info(kComponent, "pin_accepted").kv("room", member.room).kv("call_id", member.call_id);
    return;
  }
  log::info(kComponent, "pin_rejected").kv("room", member.room).kv("call_id", member.call_id);
  if (++pending.tries >= config_.pin_tries) {
    pending_pins_.erase(id);
    if (config_.end_call) {
      config_.end_call(id, "pin_failed");
    }
    return;
  }
  engine_.playSamplesToParticipant(id, pinWrong());
  engine_.playSamplesToParticipant(id, pinPrompt());
}

void Conference::expirePins(std::chrono::steady_clock::time_point now) {
  for (auto it = pending_pins_.begin(); it != pending_pins_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    const mixer::ParticipantId id = it->first;
    it = pending_pins_.erase(it);
    if (config_.end_call) {
      config_.end_call(id, "pin_timeout");
    }
  }
}

void Conference::leave(mixer::ParticipantId id, const std::string& reason) {
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  const Member member = it->second;
  participants_.erase(it);
  pending_pins_.erase(id);
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
