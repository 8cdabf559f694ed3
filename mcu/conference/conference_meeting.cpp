// Meeting controls (issue 15): moderators, a room that waits for one, a room that ends with the
// last one, listeners. The engine mutes whoever must not be mixed; the member keeps what was
// asked for it (its `muted`), so an admin's unmute of a waiting caller takes effect when the
// meeting starts, not before.
#include <algorithm>

#include "mcu/common/log.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/tone_prompts.h"
#include "mixer/core/audio_frame.h"

namespace mcu::conference {
namespace {

constexpr std::string_view kComponent = "conference";
// The closing prompt is heard to its end before the calls end, however short the grace: its
// length and this much more (at least 2 s for the tones).
constexpr auto kAfterEndPrompt = std::chrono::milliseconds(500);
constexpr auto kMinimumEndDelay = std::chrono::seconds(2);
// Music begins this long after the prompt a caller hears on its own (not over it).
constexpr auto kMusicAfterPrompt = std::chrono::milliseconds(300);

std::chrono::milliseconds lengthOf(const TonePcm& prompt) {
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(prompt->size() / (mixer::core::kMixRate / 1000)));
}

}  // namespace

bool Conference::hasModerator(const Room& room) const {
  return std::any_of(room.participants.begin(), room.participants.end(), [this](auto id) {
    const auto it = participants_.find(id);
    return it != participants_.end() && it->second.role == ParticipantRole::kModerator &&
           heard(id, it->second);
  });
}

bool Conference::silenced(const Member& member) const {
  if (member.muted || member.role == ParticipantRole::kListener) {
    return true;
  }
  const auto room = rooms_.find(member.room);
  return room != rooms_.end() && room->second.policy.wait_for_moderator &&
         member.role != ParticipantRole::kModerator && !room->second.moderator_in;
}

void Conference::applyMute(mixer::ParticipantId id) {
  const auto it = participants_.find(id);
  if (it != participants_.end()) {
    engine_.setMute(id, silenced(it->second));
  }
}

void Conference::admitted(mixer::ParticipantId id) {
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  applyMute(id);
  notePresent(it->second);
  if (it->second.role == ParticipantRole::kModerator) {
    moderatorsChanged(it->second.room);
  } else if (const auto room = rooms_.find(it->second.room);
             room != rooms_.end() && room->second.policy.wait_for_moderator &&
             !room->second.moderator_in) {
    const TonePcm& waiting = meetingPrompt(SpokenPrompt::kWaitForModerator, waitingTones());
    engine_.playToParticipant(id, waiting, mixer::PlaybackId::kNone);
    updateMusic(it->second.room, lengthOf(waiting) + kMusicAfterPrompt);
    return;
  }
  // As FreeSWITCH's conference does: a caller alone in the room is told so (the voice only:
  // there is no tone for it), then hears the music if there is any.
  if (config_.spoken_prompts && alone(id, it->second)) {
    const TonePcm& only = spokenPrompt(SpokenPrompt::kOnlyParticipant);
    engine_.playToParticipant(id, only, mixer::PlaybackId::kNone);
    updateMusic(it->second.room, lengthOf(only) + kMusicAfterPrompt);
    return;
  }
  updateMusic(it->second.room);
}

const TonePcm& Conference::meetingPrompt(SpokenPrompt spoken, const TonePcm& tones) const {
  return config_.spoken_prompts ? spokenPrompt(spoken) : tones;
}

bool Conference::alone(mixer::ParticipantId id, const Member& member) const {
  const auto room = rooms_.find(member.room);
  if (room == rooms_.end()) {
    return true;
  }
  return std::none_of(room->second.participants.begin(), room->second.participants.end(),
                      [&](mixer::ParticipantId other) {
                        const auto it = participants_.find(other);
                        return other != id && it != participants_.end() && heard(other, it->second);
                      });
}

void Conference::moderatorsChanged(const std::string& name) {
  const auto it = rooms_.find(name);
  if (it == rooms_.end()) {
    return;
  }
  Room& room = it->second;
  const bool now_in = hasModerator(room);
  const bool was_in = room.moderator_in;
  room.moderator_in = now_in;
  room.had_moderator = room.had_moderator || now_in;
  if (now_in != was_in && room.policy.wait_for_moderator) {
    // Everyone's mixing follows: the meeting starts, or waits again for a moderator.
    for (const auto id : room.participants) {
      applyMute(id);
    }
    if (room.media_room) {
      engine_.playToRoom(*room.media_room,
                         now_in ? meetingPrompt(SpokenPrompt::kMeetingStarted, meetingStartTones())
                                : meetingPrompt(SpokenPrompt::kWaitForModerator, waitingTones()),
                         mixer::PlaybackId::kNone);
    }
    emit(now_in ? "room.meeting_started" : "room.waiting_for_moderator", name,
         mixer::ParticipantId{});
    updateMusic(name);  // after the room's prompt: room prompts go before its music
  }
  if (!room.policy.end_with_last_moderator) {
    room.end_at.reset();
    return;
  }
  if (now_in) {
    if (room.end_at) {
      log::info(kComponent, "room_end_cancelled").kv("room", name);
    }
    room.end_at.reset();
  } else if (room.had_moderator && !room.end_at && !room.participants.empty()) {
    const TonePcm& closing = meetingPrompt(SpokenPrompt::kMeetingEnding, meetingEndTones());
    const auto closing_length = lengthOf(closing) + kAfterEndPrompt;
    room.end_at = clock_.now() + std::max<std::chrono::steady_clock::duration>(
                                     {std::chrono::seconds(room.policy.end_grace_s),
                                      kMinimumEndDelay, closing_length});
    if (room.media_room) {
      engine_.playToRoom(*room.media_room, closing, mixer::PlaybackId::kNone);
    }
    log::info(kComponent, "room_ending")
        .kv("room", name)
        .kv("grace_s", std::int64_t{room.policy.end_grace_s});
  }
}

void Conference::endRoomsLeftByModerators() {
  assertOwnerThread();
  const auto now = clock_.now();
  for (auto& [name, room] : rooms_) {
    if (!room.end_at || now < *room.end_at) {
      continue;
    }
    room.end_at.reset();
    room.had_moderator = false;  // a new meeting may start here
    const std::vector<mixer::ParticipantId> ending(room.participants.begin(),
                                                   room.participants.end());
    log::info(kComponent, "room_ended_by_moderator")
        .kv("room", name)
        .kv("calls", static_cast<std::uint64_t>(ending.size()));
    for (const auto id : ending) {
      if (config_.end_call) {
        config_.end_call(id, {LeaveCause::kModeratorLeft});
      }
    }
  }
}

}  // namespace mcu::conference
