// The conference seen from the REST API: copies of live state, and the live controls (mute,
// kick, move, dial-out). Same actor as conference.cpp, on the control thread.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "mcu/common/json_text.h"
#include "mcu/common/log.h"
#include "mcu/conference/conference.h"

namespace mcu::conference {
namespace {

constexpr std::string_view kComponent = "conference";

// The nearest-rank quantile `q` of `values` (reordered); 0 for none.
double nearestRank(std::vector<double>& values, double q) {
  if (values.empty()) {
    return 0.0;
  }
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  const auto at = values.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(rank, 1) - 1);
  std::nth_element(values.begin(), at, values.end());
  return *at;
}

}  // namespace

void Conference::onTalking(mixer::ParticipantId id, bool talking) {
  assertOwnerThread();
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
  v.via = member.via;
  v.line = member.line;
  v.sip_status = member.sip_status;
  v.role = member.role;
  v.hand_raised = member.hand_raised;
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
    v.recovered_frames = stats->recovered;
    v.jitter_ms = stats->jitter_ms;
    v.remote_packet_loss = stats->remote_fraction_lost;
    v.remote_jitter_ms = stats->remote_jitter_ms;
    v.ssrc = stats->ssrc_in;
    v.level_dbov = stats->level_dbov;
  }
  return v;
}

std::optional<std::vector<ParticipantView>> Conference::participants(
    const std::string& room) const {
  assertOwnerThread();
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

std::optional<std::pair<RoomPolicy, std::size_t>> Conference::roomStatus(
    const std::string& name) const {
  assertOwnerThread();
  const auto it = rooms_.find(name);
  if (it == rooms_.end()) {
    return std::nullopt;
  }
  return std::pair{it->second.policy, it->second.participants.size()};
}

std::map<std::string, RoomLive> Conference::liveRooms() const {
  assertOwnerThread();
  std::map<std::string, RoomLive> live;
  for (const auto& [name, room] : rooms_) {
    if (room.participants.empty()) {
      continue;
    }
    RoomLive summary;
    summary.started_at = room.started_at;
    for (const auto id : room.participants) {
      const Member& member = participants_.at(id);
      // An answer not yet ACKed is not in the room (it may be a spoofed or vanished caller).
      summary.participants += member.state == CallState::kConnecting ? 0U : 1U;
      summary.talking += member.talking ? 1 : 0;
    }
    live[name] = summary;
  }
  return live;
}

ConferenceTotals Conference::totals() const {
  assertOwnerThread();
  ConferenceTotals t = ended_;
  t.participants = participants_.size();
  std::vector<double> jitters;
  std::vector<double> losses;
  jitters.reserve(participants_.size());
  losses.reserve(participants_.size());
  for (const auto& [name, room] : rooms_) {
    t.active_rooms += room.participants.empty() ? 0U : 1U;
  }
  for (const auto& [id, member] : participants_) {
    if (const auto s = engine_.stats(id)) {
      t.packets_in += s->packets_in;
      t.packets_out += s->packets_out;
      t.packets_lost += s->lost;
      t.frames_recovered += s->recovered;
      t.packets_dropped += s->dropped_bad + s->dropped_wrong_source;
      t.talking += s->talking ? 1U : 0U;
      const std::uint64_t frames = s->packets_in + s->lost;
      jitters.push_back(s->jitter_ms / 1000.0);
      losses.push_back(frames == 0 ? 0.0
                                   : static_cast<double>(s->lost) / static_cast<double>(frames));
    }
  }
  t.jitter_p50_s = nearestRank(jitters, 0.50);
  t.jitter_p95_s = nearestRank(jitters, 0.95);
  t.loss_p50 = nearestRank(losses, 0.50);
  t.loss_p95 = nearestRank(losses, 0.95);
  return t;
}

std::optional<ParticipantView> Conference::patchParticipant(const std::string& room,
                                                            mixer::ParticipantId id,
                                                            const ParticipantPatch& patch) {
  assertOwnerThread();
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.room != room) {
    return std::nullopt;
  }
  Member& member = it->second;
  if (patch.muted) {
    setMuted(id, member, *patch.muted);
  }
  if (patch.hand_raised) {
    setHand(id, member, *patch.hand_raised);
  }
  if (patch.role && *patch.role != member.role) {
    const bool was_moderator = member.role == ParticipantRole::kModerator;
    member.role = *patch.role;
    applyMute(id);
    if (was_moderator || member.role == ParticipantRole::kModerator) {
      moderatorsChanged(room);
    }
    emit("participant.role_changed", room, id, "role", std::string(roleText(member.role)));
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
  assertOwnerThread();
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.room != room) {
    return false;
  }
  if (config_.end_call) {
    config_.end_call(id, {LeaveCause::kKicked});
  }
  return true;
}

void Conference::rtpTimedOut(mixer::ParticipantId id) {
  assertOwnerThread();
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;  // already gone (its BYE crossed the timeout)
  }
  log::info(kComponent, "rtp_timeout")
      .kv("room", it->second.room)
      .kv("call_id", it->second.call_id);
  if (config_.end_call) {
    config_.end_call(id, {LeaveCause::kRtpTimeout});
  }
}

std::size_t Conference::roomDeleted(const std::string& name) {
  assertOwnerThread();
  const auto it = rooms_.find(name);
  if (it == rooms_.end()) {
    return 0;
  }
  // Locked at once, so nobody joins while the BYEs go out; forgotten when the last one leaves.
  it->second.policy.locked = true;
  it->second.deleted = true;
  if (watcher_) {
    watcher_("room.deleted", name,
             mixer::ParticipantId{});  // its subscriptions end now, before its calls do
  }
  const std::set<mixer::ParticipantId> live = it->second.participants;
  for (const auto id : live) {
    if (config_.end_call) {
      config_.end_call(id, {LeaveCause::kRoomDeleted});
    }
  }
  if (live.empty()) {
    rooms_.erase(it);
  }
  return live.size();
}

MoveOutcome Conference::move(const std::string& room, mixer::ParticipantId id,
                             const std::string& to) {
  assertOwnerThread();
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
  dropPlaybacks(room, id, "participant_moved");  // its prompts stay behind with its old stream
  member.room = to;
  leaveRoomMedia(room, id);
  applyMute(id);  // the new room's waiting rule applies
  if (member.role == ParticipantRole::kModerator) {
    moderatorsChanged(room);
    moderatorsChanged(to);
  }
  updateMusic(room);
  updateMusic(to);
  store_.callMoved(member.call_id, to, member.line);
  emit("participant.moved", to, id, "from", room);
  log::info(kComponent, "participant_moved")
      .kv("from", room)
      .kv("room", to)
      .kv("call_id", member.call_id);
  outcome.kind = MoveOutcome::Kind::kMoved;
  outcome.participant = view(id, member);
  return outcome;
}

DialOutResult Conference::dialOut(const std::string& room, const std::string& uri,
                                  const std::string& headers, const std::string& via) {
  assertOwnerThread();
  const auto it = rooms_.find(room);
  if (it == rooms_.end() || it->second.deleted) {
    return {404, "no room named '" + room + "'", std::nullopt};
  }
  if (dialer_ == nullptr) {
    return {503, "this server does not place calls", std::nullopt};
  }
  if (const auto refused = dialer_->refusal()) {
    return {refused->status, refused->reason, std::nullopt};
  }
  JoinRequest request;
  request.room = room;
  request.call_id = dialer_->newCallId();
  request.from_uri = uri;
  // Nothing to send to or hear before the answer says where and how (update() then).
  request.media.receive = request.media.send = false;
  request.dial_out = true;
  request.via = via;
  const auto joined = join(request);
  if (joined.admission.status != 200) {
    return {joined.admission.status, joined.admission.reason, std::nullopt};
  }
  dialer_->place({.participant = joined.participant,
                  .room = room,
                  .uri = uri,
                  .call_id = request.call_id,
                  .local_port = joined.local_port,
                  .headers = headers});
  return {202, "calling", participant(room, joined.participant)};
}

void Conference::noteVia(mixer::ParticipantId id, const std::string& via) {
  assertOwnerThread();
  if (const auto it = participants_.find(id); it != participants_.end()) {
    it->second.via = via;
    store_.callVia(it->second.call_id, via, it->second.line);
  }
}

void Conference::dialProgress(mixer::ParticipantId id, CallState state, int sip_status) {
  assertOwnerThread();
  const auto it = participants_.find(id);
  if (it == participants_.end() || it->second.state == state) {
    return;
  }
  Member& member = it->second;
  member.state = state;
  member.sip_status = sip_status;
  if (config_.on_event) {
    nlohmann::json payload{{"room", member.room},
                           {"participant", std::uint64_t{id.value()}},
                           {"state", std::string(callStateText(state))},
                           {"sip_status", sip_status},
                           {"uri", member.from_uri},
                           {"via", member.via}};
    config_.on_event("participant.dialout", member.room, jsonText(payload));
  }
  if (watcher_) {
    watcher_("participant.dialout", member.room, id);
  }
  if (state == CallState::kJoined) {
    ++ended_.joined;
    store_.callAnswered(member.call_id, codecText(member.media), remoteText(member.media),
                        member.line);
    emit("participant.joined", member.room, id, "from_uri", member.from_uri);
    announce(member.room, true);
    admitted(id);
  }
}

std::optional<ParticipantView> Conference::participant(const std::string& room,
                                                       mixer::ParticipantId id) const {
  assertOwnerThread();
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

std::vector<std::string> Conference::codecPreference(const std::string& room) const {
  assertOwnerThread();
  const auto it = rooms_.find(room);
  return it == rooms_.end() ? std::vector<std::string>{} : it->second.policy.codec_preference;
}

std::optional<std::string> Conference::srtpPolicy(const std::string& room) const {
  assertOwnerThread();
  const auto it = rooms_.find(room);
  return it == rooms_.end() ? std::nullopt : it->second.policy.srtp;
}

}  // namespace mcu::conference
