#include "mcu/conference/conference.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>

#include "mcu/common/log.h"
#include "mcu/common/secret.h"

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

RoomPolicy policyOf(const store::RoomRow& row) {
  RoomPolicy policy;
  policy.name = row.name;
  policy.locked = row.locked;
  policy.max_participants = row.max_participants;
  policy.pin = row.pin;
  policy.on_demand = row.on_demand;
  policy.codec_preference = row.codec_preference;
  policy.max_speakers = row.max_speakers;
  return policy;
}

std::string nowIso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::array<char, 8> millis{};
  std::snprintf(millis.data(), millis.size(), ".%03dZ", static_cast<int>(ms));
  return std::string(text.data(), n) + millis.data();
}

}  // namespace

Conference::Conference(mixer::MediaEngine& engine, store::ConferenceStore& store,
                       ConferenceConfig config)
    : engine_(engine), store_(store), config_(std::move(config)) {}

void Conference::setRooms(const std::vector<store::RoomRow>& rooms) {
  for (const auto& row : rooms) {
    auto& room = rooms_[row.name];
    room.policy = policyOf(row);
  }
  log::info(kComponent, "rooms_loaded").kv("rooms", static_cast<std::uint64_t>(rooms.size()));
}

JoinResult Conference::join(const JoinRequest& request) {
  JoinResult result = admitAndJoin(request);
  if (result.admission.status != 200) {
    ++ended_.refused;
  }
  return result;
}

JoinResult Conference::admitAndJoin(const JoinRequest& request) {
  JoinResult result;
  if (!validRoomName(request.room)) {
    result.admission = {404, "no such room"};
    return result;
  }
  if (participants_.size() >= static_cast<std::size_t>(config_.max_participants)) {
    result.admission = {503, "server at capacity"};
    return result;
  }
  if (overloaded_) {
    result.admission = {503, "server overloaded (CPU budget)"};
    return result;
  }
  auto it = rooms_.find(request.room);
  if (it == rooms_.end()) {
    if (!config_.on_demand_rooms) {
      result.admission = {404, "no such room"};
      return result;
    }
    Room fresh;
    fresh.policy.name = request.room;
    fresh.policy.on_demand = true;
    it = rooms_.emplace(request.room, std::move(fresh)).first;
    store_.createRoom(request.room, true);
    log::info(kComponent, "room_created").kv("room", request.room).kv("on_demand", true);
    emit("room.created", request.room, 0, "on_demand", "true");
  }
  Room& room = it->second;
  result.admission = admit(room.policy, room.participants.size(), request.pin);
  if (result.admission.status != 200) {
    return result;
  }
  if (request.dial_out) {
    result.admission.pin_by_dtmf = false;  // the server placed the call: no PIN to ask for
  }
  const mixer::RoomId media_room = ensureMediaRoom(request.room, room);
  const mixer::ParticipantId id = next_participant_++;
  const auto port = engine_.addParticipant(media_room, id, request.media);
  if (!port) {
    result.admission = {503, "no media port available"};
    return result;
  }
  room.participants.insert(id);
  Member member;
  member.room = request.room;
  member.call_id = request.call_id;
  member.from_uri = request.from_uri;
  member.display_name = request.display_name;
  member.joined_at = nowIso();
  member.media = request.media;
  if (request.dial_out) {
    member.state = "calling";
    member.direction = "out";
  }
  participants_[id] = std::move(member);
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
                     config_.node_id, request.dial_out ? "out" : "in"});
  log::info(kComponent, "participant_joined")
      .kv("room", request.room)
      .kv("call_id", request.call_id)
      .kv("participant", static_cast<std::uint64_t>(id))
      .kv("codec", mixer::codec::codecName(request.media.codec.kind));
  if (request.dial_out) {
    emit("participant.dialout", request.room, id, "state", "calling");
  } else {
    emit("participant.joined", request.room, id, "from_uri", request.from_uri);
    ++ended_.joined;
  }
  return result;
}

void Conference::update(mixer::ParticipantId id, const mixer::MediaEndpoint& media) {
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  const bool was_held = !it->second.media.send;
  it->second.media = media;
  if (was_held != !media.send) {
    emit(media.send ? "participant.resumed" : "participant.held", it->second.room, id);
  }
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
      it->second.digits.size() >= secret::pinLength(*room->second.policy.pin)) {
    checkPin(id, it->second);
  }
}

void Conference::checkPin(mixer::ParticipantId id, PendingPin& pending) {
  const Member& member = participants_.at(id);
  const auto room = rooms_.find(member.room);
  const bool right = room != rooms_.end() && room->second.policy.pin &&
                     secret::pinMatches(*room->second.policy.pin, pending.digits);
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
  if (member.state == "failed") {
    failed_dial_outs_.push_back(view(id, member));
    if (failed_dial_outs_.size() > 100) {
      failed_dial_outs_.pop_front();
    }
  }
  participants_.erase(it);
  pending_pins_.erase(id);
  const auto stats = engine_.stats(id);
  if (stats) {
    ended_.packets_in += stats->packets_in;
    ended_.packets_out += stats->packets_out;
    ended_.packets_lost += stats->lost;
    ended_.packets_dropped += stats->dropped_bad + stats->dropped_wrong_source;
  }
  // The record gets the statistics as of the moment it left, not the last publication.
  store::ConferenceStore* store = &store_;
  engine_.removeParticipantWithStats(
      id, [store, call_id = member.call_id, reason](const mixer::ParticipantStats& final_stats) {
        store->callLeft(call_id, reason, statsJson(final_stats));
      });
  log::info(kComponent, "participant_left")
      .kv("room", member.room)
      .kv("call_id", member.call_id)
      .kv("participant", static_cast<std::uint64_t>(id))
      .kv("reason", reason);
  emit("participant.left", member.room, id, "reason", reason);
  leaveRoomMedia(member.room, id);
}

}  // namespace mcu::conference

namespace mcu::conference {

void Conference::emit(const std::string& type, const std::string& room, mixer::ParticipantId id,
                      const std::string& extra_key, const std::string& extra_value) const {
  if (!config_.on_event) {
    return;
  }
  nlohmann::json payload{{"room", room}};
  if (id != 0) {
    payload["participant"] = static_cast<std::uint64_t>(id);
  }
  if (!extra_key.empty()) {
    payload[extra_key] = extra_value;
  }
  config_.on_event(type, room, payload.dump());
}

std::vector<std::string> Conference::codecPreference(const std::string& room) const {
  const auto it = rooms_.find(room);
  return it == rooms_.end() ? std::vector<std::string>{} : it->second.policy.codec_preference;
}

void Conference::onTalking(mixer::ParticipantId id, bool talking) {
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.talking == talking) {
    return;
  }
  it->second.talking = talking;
  emit(talking ? "participant.talking" : "participant.stopped_talking", it->second.room, id);
}

ParticipantView Conference::view(mixer::ParticipantId id, const Member& member) const {
  ParticipantView v;
  v.id = id;
  v.room = member.room;
  v.call_id = member.call_id;
  v.from_uri = member.from_uri;
  v.display_name = member.display_name;
  v.codec = std::string(mixer::codec::codecName(member.media.codec.kind));
  v.joined_at = member.joined_at;
  v.state = member.state;
  v.direction = member.direction;
  v.sip_status = member.sip_status;
  v.muted = member.muted;
  v.deaf = member.deaf;
  v.input_gain = member.input_gain;
  v.output_gain = member.output_gain;
  v.talking = member.talking;
  v.on_hold = !member.media.send;
  v.awaiting_pin = pending_pins_.contains(id);
  if (const auto stats = engine_.stats(id)) {
    const double expected = static_cast<double>(stats->packets_in + stats->lost);
    v.packet_loss = expected > 0 ? static_cast<double>(stats->lost) / expected : 0.0;
    v.jitter_ms = stats->jitter_ms;
    v.remote_packet_loss = stats->remote_fraction_lost;
    v.remote_jitter_ms = stats->remote_jitter_ms;
  }
  return v;
}

std::optional<std::vector<ParticipantView>> Conference::participants(
    const std::string& room) const {
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) {
    return std::nullopt;
  }
  std::vector<ParticipantView> views;
  for (const auto id : it->second.participants) {
    views.push_back(view(id, participants_.at(id)));
  }
  return views;
}

std::map<std::string, RoomLive> Conference::liveRooms() const {
  std::map<std::string, RoomLive> live;
  for (const auto& [name, room] : rooms_) {
    if (room.participants.empty()) {
      continue;
    }
    RoomLive summary;
    summary.participants = room.participants.size();
    summary.started_at = room.started_at;
    for (const auto id : room.participants) {
      summary.talking += participants_.at(id).talking ? 1 : 0;
    }
    live[name] = summary;
  }
  return live;
}

ConferenceTotals Conference::totals() const {
  ConferenceTotals t = ended_;
  t.participants = participants_.size();
  for (const auto& [name, room] : rooms_) {
    t.active_rooms += room.participants.empty() ? 0 : 1;
  }
  for (const auto& [id, member] : participants_) {
    if (const auto s = engine_.stats(id)) {
      t.packets_in += s->packets_in;
      t.packets_out += s->packets_out;
      t.packets_lost += s->lost;
      t.packets_dropped += s->dropped_bad + s->dropped_wrong_source;
    }
  }
  return t;
}

std::optional<ParticipantView> Conference::patchParticipant(const std::string& room,
                                                            mixer::ParticipantId id,
                                                            const ParticipantPatch& patch) {
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.room != room) {
    return std::nullopt;
  }
  Member& member = it->second;
  if (patch.muted && *patch.muted != member.muted) {
    member.muted = *patch.muted;
    engine_.setMute(id, member.muted);
    emit(member.muted ? "participant.muted" : "participant.unmuted", room, id);
  }
  if (patch.deaf && *patch.deaf != member.deaf) {
    member.deaf = *patch.deaf;
    // While the PIN is asked for, the caller stays deaf to the room whatever was asked.
    if (!pending_pins_.contains(id)) {
      engine_.setDeaf(id, member.deaf);
    }
    emit(member.deaf ? "participant.deafened" : "participant.undeafened", room, id);
  }
  if (patch.input_gain || patch.output_gain) {
    member.input_gain = patch.input_gain.value_or(member.input_gain);
    member.output_gain = patch.output_gain.value_or(member.output_gain);
    engine_.setGains(id, member.input_gain, member.output_gain);
  }
  return view(id, member);
}

bool Conference::kick(const std::string& room, mixer::ParticipantId id) {
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.room != room) {
    return false;
  }
  if (config_.end_call) {
    config_.end_call(id, "kicked");
  }
  return true;
}

void Conference::roomChanged(const store::RoomRow& row) {
  auto& room = rooms_[row.name];
  room.policy = policyOf(row);
  room.deleted = false;
}

std::size_t Conference::roomDeleted(const std::string& name) {
  const auto it = rooms_.find(name);
  if (it == rooms_.end()) {
    return 0;
  }
  // Locked at once, so nobody joins while the BYEs go out; forgotten when the last one leaves.
  it->second.policy.locked = true;
  it->second.deleted = true;
  const std::set<mixer::ParticipantId> live = it->second.participants;
  for (const auto id : live) {
    if (config_.end_call) {
      config_.end_call(id, "room_deleted");
    }
  }
  if (live.empty()) {
    rooms_.erase(it);
  }
  return live.size();
}

}  // namespace mcu::conference

namespace mcu::conference {

mixer::RoomId Conference::ensureMediaRoom(const std::string& name, Room& room) {
  if (!room.media_room) {
    room.media_room = next_room_++;
    mixer::RoomMediaConfig media;
    media.rtp_timeout_ms = config_.rtp_timeout_ms;
    if (room.policy.max_speakers) {
      media.max_speakers = static_cast<std::size_t>(*room.policy.max_speakers);
    }
    engine_.createRoom(*room.media_room, media);
    room.started_at = nowIso();
    emit("room.started", name, 0);
  }
  return *room.media_room;
}

// The participant is out of `name`: the last one out ends the room's media (and a room
// deleted over REST is forgotten then).
void Conference::leaveRoomMedia(const std::string& name, mixer::ParticipantId id) {
  const auto room = rooms_.find(name);
  if (room == rooms_.end()) {
    return;
  }
  room->second.participants.erase(id);
  if (!room->second.participants.empty()) {
    return;
  }
  if (room->second.media_room) {
    engine_.destroyRoom(*room->second.media_room);
    room->second.media_room.reset();
    room->second.started_at.clear();
  }
  emit("room.ended", name, 0);
  if (room->second.deleted) {
    rooms_.erase(room);
  }
}

MoveOutcome Conference::move(const std::string& room, mixer::ParticipantId id,
                             const std::string& to) {
  MoveOutcome outcome;
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.room != room) {
    return outcome;
  }
  if (to == room) {
    outcome.kind = MoveOutcome::Kind::kMoved;
    outcome.participant = view(id, it->second);
    return outcome;
  }
  auto target = rooms_.find(to);
  if (target == rooms_.end() || target->second.deleted) {
    outcome.kind = MoveOutcome::Kind::kNoRoom;
    return outcome;
  }
  const Admission admission =
      admit(target->second.policy, target->second.participants.size(), std::nullopt);
  if (admission.status != 200) {
    outcome.kind = MoveOutcome::Kind::kRefused;
    outcome.reason = admission.reason;
    return outcome;
  }
  const mixer::RoomId media_room = ensureMediaRoom(to, target->second);
  if (!engine_.moveParticipant(id, media_room)) {
    outcome.kind = MoveOutcome::Kind::kNoRoom;
    return outcome;
  }
  Member& member = it->second;
  // An admin's move lets a caller in without the PIN it was asked for.
  if (pending_pins_.erase(id) > 0) {
    engine_.setDeaf(id, member.deaf);
    engine_.updateParticipant(id, member.media);
  }
  target->second.participants.insert(id);
  member.room = to;
  leaveRoomMedia(room, id);
  store_.callMoved(member.call_id, to);
  emit("participant.moved", to, id, "from", room);
  log::info(kComponent, "participant_moved")
      .kv("from", room)
      .kv("room", to)
      .kv("call_id", member.call_id);
  outcome.kind = MoveOutcome::Kind::kMoved;
  outcome.participant = view(id, member);
  return outcome;
}

}  // namespace mcu::conference

namespace mcu::conference {

DialOutResult Conference::dialOut(const std::string& room, const std::string& uri) {
  const auto it = rooms_.find(room);
  if (it == rooms_.end() || it->second.deleted) {
    return {404, "no room named '" + room + "'", std::nullopt};
  }
  if (!dial_out_) {
    return {503, "this server does not place calls", std::nullopt};
  }
  return dial_out_(room, uri);
}

void Conference::dialProgress(mixer::ParticipantId id, const std::string& state, int sip_status) {
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.state == state) {
    return;
  }
  Member& member = it->second;
  member.state = state;
  member.sip_status = sip_status;
  if (config_.on_event) {
    nlohmann::json payload{{"room", member.room},
                           {"participant", static_cast<std::uint64_t>(id)},
                           {"state", state},
                           {"sip_status", sip_status},
                           {"uri", member.from_uri}};
    config_.on_event("participant.dialout", member.room, payload.dump());
  }
  if (state == "joined") {
    ++ended_.joined;
    store_.callAnswered(member.call_id,
                        std::string(mixer::codec::codecName(member.media.codec.kind)),
                        member.media.remote.host + ":" + std::to_string(member.media.remote.port));
    emit("participant.joined", member.room, id, "from_uri", member.from_uri);
  }
}

std::optional<ParticipantView> Conference::participant(const std::string& room,
                                                       mixer::ParticipantId id) const {
  const auto it = participants_.find(id);
  if (it != participants_.end()) {
    return it->second.room == room ? std::optional(view(id, it->second)) : std::nullopt;
  }
  for (const auto& failed : failed_dial_outs_) {
    if (failed.id == id && failed.room == room) {
      return failed;
    }
  }
  return std::nullopt;
}

}  // namespace mcu::conference
