#include "mcu/conference/conference.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>

#include "mcu/common/host_port.h"
#include "mcu/common/iso_time.h"
#include "mcu/common/json_text.h"
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
    << ",\"lost\":" << s->lost << ",\"recovered\":" << s->recovered << ",\"late\":" << s->late
    << ",\"jitter_ms\":" << s->jitter_ms << ",\"remote_fraction_lost\":" << s->remote_fraction_lost
    << ",\"remote_jitter_ms\":" << s->remote_jitter_ms
    << ",\"dropped_wrong_source\":" << s->dropped_wrong_source
    << ",\"srtp_auth_failed\":" << s->srtp_auth_failed << "}";
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

std::string nowIso() { return isoUtcMillis(std::chrono::system_clock::now()); }

}  // namespace

Conference::Conference(mixer::MediaEngine& engine, store::ConferenceStore& store,
                       ConferenceConfig config, const Clock& clock)
    : engine_(engine),
      clock_(clock),
      store_(store),
      config_(std::move(config)),
      room_creations_(std::max(1, config_.on_demand_per_minute), std::chrono::minutes(1)) {
  if (config_.spoken_prompts) {  // raised to 48 kHz now, not on a caller's admission
    for (const SpokenPrompt prompt : kSpokenPrompts) {
      static_cast<void>(spokenPrompt(prompt));
    }
  }
}

JoinResult Conference::join(const JoinRequest& request) {
  assertOwnerThread();
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
  // Every live call keeps room in the write queue for its end (call left, its events, the
  // room's end): a call answered must always get its row and its end.
  if (!store_.hasRoomFor((participants_.size() + 1) * kWritesReservedPerCall)) {
    result.admission = {503, "call records cannot be written fast enough"};
    log::warn(kComponent, "admission_db_backlog");
    return result;
  }
  auto it = rooms_.find(request.room);
  if (it == rooms_.end()) {
    if (!config_.on_demand_rooms) {
      result.admission = {404, "no such room"};
      return result;
    }
    if (!request.dial_out && config_.on_demand_per_minute > 0 &&
        !room_creations_.tryRecord(request.source, clock_.now())) {
      result.admission = {403, "too many new rooms from this address; dial an existing room"};
      log::warn(kComponent, "room_creation_capped").kv("source", request.source);
      return result;
    }
    Room fresh;
    fresh.policy.name = request.room;
    fresh.policy.on_demand = true;
    it = rooms_.emplace(request.room, std::move(fresh)).first;
    store_.createRoom(request.room, true);
    log::info(kComponent, "room_created").kv("room", request.room).kv("on_demand", true);
    emit("room.created", request.room, mixer::ParticipantId{}, "on_demand", "true");
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
  const mixer::ParticipantId id = nextParticipantId();
  // A caller still to key in its PIN is apart from its first packet: neither heard nor
  // hearing the room (set in the same engine task that makes it, not one after).
  const bool apart = result.admission.pin_by_dtmf;
  mixer::MediaEndpoint first = request.media;
  first.receive = !apart && first.receive;
  const auto port = engine_.addParticipant(media_room, id, first, apart);
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
  member.role =
      result.admission.moderator ? ParticipantRole::kModerator : ParticipantRole::kParticipant;
  member.muted = room.policy.mute_on_entry && member.role == ParticipantRole::kParticipant;
  if (request.dial_out) {
    member.state = CallState::kCalling;
    member.direction = "out";
    member.via = request.via;
  } else if (request.awaiting_ack) {
    member.state = CallState::kConnecting;
  }
  member.line = request.line;
  if (request.line > 0) {
    member.via = "line";
  }
  participants_[id] = std::move(member);
  applyMute(id);
  if (apart) {
    // Answered but apart until the PIN is right.
    engine_.playToParticipant(id, meetingPrompt(SpokenPrompt::kEnterPin, pinPrompt()),
                              mixer::PlaybackId::kNone);
    pending_pins_[id] = {"", 0, clock_.now() + config_.pin_timeout};
  }
  result.participant = id;
  result.local_port = *port;
  store_.callJoined({request.room, request.call_id, request.from_uri, request.display_name,
                     codecText(request.media), remoteText(request.media), config_.node_id,
                     request.dial_out ? "out" : "in",
                     request.dial_out ? request.via : (request.line > 0 ? "line" : "dial-in"),
                     request.line});
  log::info(kComponent, "participant_joined")
      .kv("room", request.room)
      .kv("call_id", request.call_id)
      .kv("participant", std::uint64_t{id.value()})
      .kv("codec", mixer::codec::codecName(request.media.codec.kind));
  if (request.dial_out) {
    emit("participant.dialout", request.room, id, "state", "calling");
  } else {
    emit("participant.joined", request.room, id, "from_uri", request.from_uri);
    ++ended_.joined;
    if (!apart) {
      announce(request.room, true);
      admitted(id);
    }
  }
  return result;
}

std::string Conference::codecText(const mixer::MediaEndpoint& media) {
  return std::string(mixer::codec::codecName(media.codec.kind));
}

std::string Conference::remoteText(const mixer::MediaEndpoint& media) {
  return HostPort{media.remote.host, media.remote.port}.toString();
}

void Conference::confirmed(mixer::ParticipantId id) {
  assertOwnerThread();
  const auto it = participants_.find(id);
  if (it != participants_.end() && it->second.state == CallState::kConnecting) {
    it->second.state = CallState::kJoined;
  }
}

void Conference::update(mixer::ParticipantId id, const mixer::MediaEndpoint& media) {
  assertOwnerThread();
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  const bool was_held = !it->second.media.send;
  // The record keeps the codec and address the call used last: an offerless INVITE's codec
  // is only known from the answer in its ACK, and a re-INVITE may change either.
  if (it->second.media.codec.kind != media.codec.kind || it->second.media.remote != media.remote) {
    store_.callAnswered(it->second.call_id, codecText(media), remoteText(media), it->second.line);
  }
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
  assertOwnerThread();
  const auto it = pending_pins_.find(id);
  if (it == pending_pins_.end()) {
    menuKey(id, digit);
    return;
  }
  if (digit == '#') {
    checkPin(id, it->second);
    return;
  }
  it->second.digits += digit;
  const auto member = participants_.find(id);
  const auto room = member == participants_.end() ? rooms_.end() : rooms_.find(member->second.room);
  if (room == rooms_.end()) {
    return;
  }
  // Checked as soon as the digits are as long as either PIN; wrong only past the longer one.
  const auto& policy = room->second.policy;
  const std::size_t length = it->second.digits.size();
  const std::size_t pin_length = policy.pin ? secret::pinLength(*policy.pin) : 0;
  const std::size_t moderator_length =
      policy.moderator_pin ? secret::pinLength(*policy.moderator_pin) : 0;
  const bool matches_one =
      (length == pin_length && secret::pinMatches(*policy.pin, it->second.digits)) ||
      (length == moderator_length && secret::pinMatches(*policy.moderator_pin, it->second.digits));
  if (matches_one || length >= std::max(pin_length, moderator_length)) {
    checkPin(id, it->second);
  }
}

void Conference::checkPin(mixer::ParticipantId id, PendingPin& pending) {
  Member& member = participants_.at(id);
  const auto room = rooms_.find(member.room);
  const auto matches = [&](const std::optional<std::string>& stored) {
    return stored && secret::pinMatches(*stored, pending.digits);
  };
  const bool moderator = room != rooms_.end() && matches(room->second.policy.moderator_pin);
  const bool right = moderator || (room != rooms_.end() && matches(room->second.policy.pin));
  pending.digits.clear();
  if (right) {
    pending_pins_.erase(id);
    if (moderator) {
      member.role = ParticipantRole::kModerator;
      member.muted = false;  // mute_on_entry is for participants
    }
    engine_.setDeaf(id, member.deaf);
    engine_.updateParticipant(id, member.media);
    log::info(kComponent, "pin_accepted")
        .kv("room", member.room)
        .kv("call_id", member.call_id)
        .kv("role", roleText(member.role));
    announce(member.room, true);
    admitted(id);
    return;
  }
  log::info(kComponent, "pin_rejected").kv("room", member.room).kv("call_id", member.call_id);
  if (++pending.tries >= config_.pin_tries) {
    pending_pins_.erase(id);
    if (config_.end_call) {
      config_.end_call(id, {LeaveCause::kPinFailed});
    }
    return;
  }
  engine_.playToParticipant(id, meetingPrompt(SpokenPrompt::kWrongPin, pinWrong()),
                            mixer::PlaybackId::kNone);
  engine_.playToParticipant(id, meetingPrompt(SpokenPrompt::kEnterPin, pinPrompt()),
                            mixer::PlaybackId::kNone);
}

void Conference::expirePins() {
  assertOwnerThread();
  const auto now = clock_.now();
  for (auto it = pending_pins_.begin(); it != pending_pins_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    const mixer::ParticipantId id = it->first;
    it = pending_pins_.erase(it);
    if (config_.end_call) {
      config_.end_call(id, {LeaveCause::kPinTimeout});
    }
  }
}

bool Conference::heard(mixer::ParticipantId id, const Member& member) const {
  return (member.state == CallState::kJoined || member.state == CallState::kConnecting) &&
         !pending_pins_.contains(id);
}

void Conference::leave(mixer::ParticipantId id, LeaveReason reason) {
  assertOwnerThread();
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  const Member member = it->second;
  if (member.state == CallState::kFailed) {
    failed_dial_outs_.push_back(view(id, member));
    if (failed_dial_outs_.size() > 100) {
      failed_dial_outs_.pop_front();
    }
  }
  // Heard in the room until now: in its call (not still ringing or failed) and past its PIN.
  const bool was_heard = heard(id, member);
  participants_.erase(it);
  pending_pins_.erase(id);
  const auto stats = engine_.stats(id);
  if (stats) {
    ended_.packets_in += stats->packets_in;
    ended_.packets_out += stats->packets_out;
    ended_.packets_lost += stats->lost;
    ended_.frames_recovered += stats->recovered;
    ended_.packets_dropped += stats->dropped_bad + stats->dropped_wrong_source;
  }
  // The record gets the statistics as of the moment it left, not the last publication.
  store::ConferenceStore* store = &store_;
  const std::string reason_text = leaveReasonText(reason);
  engine_.removeParticipantWithStats(id, [store, call_id = member.call_id, line = member.line,
                                          reason_text](const mixer::ParticipantStats& final_stats) {
    store->callLeft(call_id, reason_text, statsJson(final_stats), line);
  });
  log::info(kComponent, "participant_left")
      .kv("room", member.room)
      .kv("call_id", member.call_id)
      .kv("participant", std::uint64_t{id.value()})
      .kv("reason", reason_text);
  emit("participant.left", member.room, id, "reason", reason_text);
  dropPlaybacks(member.room, id, "participant_left");
  leaveRoomMedia(member.room, id);
  if (was_heard) {
    announce(member.room, false);  // nothing when it was the last: the room's media is gone
  }
  if (member.role == ParticipantRole::kModerator) {
    moderatorsChanged(member.room);
  }
  updateMusic(member.room);  // the one left is alone now
}

void Conference::emit(const std::string& type, const std::string& room, mixer::ParticipantId id,
                      const std::string& extra_key, const std::string& extra_value) const {
  if (watcher_) {
    watcher_(type, room, id);
  }
  if (!config_.on_event) {
    return;
  }
  nlohmann::json payload{{"room", room}};
  if (id.valid()) {
    payload["participant"] = std::uint64_t{id.value()};
    if (const auto it = participants_.find(id); it != participants_.end()) {
      payload["via"] = it->second.via;
      if (it->second.line > 0) {  // a further caller of a trunk's dialog: which one
        payload["call_id"] = it->second.call_id;
        payload["line"] = it->second.line;
      }
    }
  }
  if (!extra_key.empty()) {
    payload[extra_key] = extra_value;
  }
  config_.on_event(type, room, jsonText(payload));
}

void Conference::roomChanged(const store::RoomRow& row, mixer::MediaEngine::Samples music) {
  auto& room = rooms_[row.name];
  room.policy = row;
  room.music = ownMusic(row, std::move(music));
  room.deleted = false;
  // The meeting options apply to the calls already in: who is mixed, whether it ends.
  for (const auto id : room.participants) {
    applyMute(id);
  }
  if (!row.end_with_last_moderator) {
    room.end_at.reset();
  }
  updateMusic(row.name);
}

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
    emit("room.started", name, mixer::ParticipantId{});
  }
  return *room.media_room;
}

// Ids count up from 1 and wrap after 2^32 - 2 joins: 0 is "no participant" and the highest id is
// the engine's room-prompt source, so both are skipped, and so is an id still in use.
mixer::ParticipantId Conference::nextParticipantId() {
  for (;;) {
    const mixer::ParticipantId id(next_participant_++);
    if (id.valid() && id.value() != std::numeric_limits<std::uint32_t>::max() &&
        !participants_.contains(id) && !pending_pins_.contains(id)) {
      return id;
    }
  }
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
  // Empty: the next caller starts a new meeting.
  room->second.moderator_in = room->second.had_moderator = false;
  room->second.end_at.reset();
  if (room->second.media_room) {
    dropPlaybacks(name, std::nullopt, "room_ended");
    engine_.destroyRoom(*room->second.media_room);
    room->second.media_room.reset();
    room->second.playing_music = nullptr;
    room->second.started_at.clear();
  }
  emit("room.ended", name, mixer::ParticipantId{});
  if (room->second.policy.on_demand && !room->second.deleted) {
    // Made by an INVITE, left by its last caller: it goes (the next INVITE makes it again).
    emit("room.deleted", name, mixer::ParticipantId{}, "reason",
         "on_demand_idle");  // queued first: it finds the row
    store_.endOnDemandRoom(name);
    log::info(kComponent, "room_removed").kv("room", name).kv("reason", "on_demand_idle");
    rooms_.erase(room);
    return;
  }
  if (room->second.deleted) {
    rooms_.erase(room);
  }
}

}  // namespace mcu::conference
