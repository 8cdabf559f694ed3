// The keypad menu (issue 15 item 5): RFC 4733 events and SIP INFO dtmf-relay both arrive here
// as digits. Outside the PIN prompt, * or # starts a key and the digit after it ends it; each
// action is confirmed by a short tone to the caller alone (higher: on or up, lower: off or
// down), so a caller without a screen knows it worked.
#include <algorithm>

#include "mcu/common/log.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/tone_prompts.h"

namespace mcu::conference {
namespace {

constexpr std::string_view kComponent = "conference";
// One keypad step of gain: four steps double or halve it, within the REST API's 0..4.
constexpr float kGainStep = 1.189F;  // 2^(1/4)
constexpr float kMinGain = 0.25F;
constexpr float kMaxGain = 4.0F;

const TonePcm& yesTone() {
  static const TonePcm pcm = toneRun({1000});
  return pcm;
}

const TonePcm& noTone() {
  static const TonePcm pcm = toneRun({500});
  return pcm;
}

// *0: one rising run for each action the caller has (a spoken help needs the prompt set of
// issue 15 item 2; until then the caller at least hears that the menu is there).
const TonePcm& helpTones() {
  static const TonePcm pcm = toneRun({700, 900, 1100, 700, 900, 1100});
  return pcm;
}

// *2 without the voice: one low tone for each ten (at most nine), then a high one for each
// unit, 150 ms apart so that they can be counted by ear.
TonePcm countTones(std::size_t n) {
  constexpr std::size_t kGap = std::size_t{48} * 130;  // beyond toneRun's own 20 ms
  std::vector<double> run(std::min<std::size_t>(n / 10, 9), 600.0);
  run.insert(run.end(), n % 10, 1200.0);
  if (run.empty()) {
    run.push_back(400.0);  // nobody: one lower tone
  }
  auto pcm = std::make_shared<std::vector<std::int16_t>>();
  for (const double hz : run) {
    const TonePcm tone = toneRun({hz});  // held: a reference into the temporary would dangle
    pcm->insert(pcm->end(), tone->begin(), tone->end());
    pcm->insert(pcm->end(), kGap, 0);
  }
  return pcm;
}

float stepped(float gain, bool up) {
  return std::clamp(up ? gain * kGainStep : gain / kGainStep, kMinGain, kMaxGain);
}

}  // namespace

void Conference::menuKey(mixer::ParticipantId id, char digit) {
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return;
  }
  Member& member = it->second;
  if (digit == '*' || digit == '#') {
    member.menu_keys.assign(1, digit);
    return;
  }
  if (member.menu_keys.empty()) {
    return;  // a digit without * or # before it is not for the menu
  }
  member.menu_keys += digit;
  const std::string keys = std::exchange(member.menu_keys, {});
  const auto room = rooms_.find(member.room);
  if (room == rooms_.end()) {
    return;
  }
  const auto action = menuActionFor(room->second.policy.dtmf_menu, keys);
  if (!action) {
    return;
  }
  if (moderatorOnly(*action) && member.role != ParticipantRole::kModerator) {
    engine_.playToParticipant(id, noTone(), mixer::PlaybackId::kNone);
    return;
  }
  log::info(kComponent, "menu_key")
      .kv("room", member.room)
      .kv("call_id", member.call_id)
      .kv("action", menuActionText(*action));
  runMenu(id, *action);
}

void Conference::setMuted(mixer::ParticipantId id, Member& member, bool muted) {
  if (member.muted == muted) {
    return;
  }
  member.muted = muted;
  applyMute(id);  // a listener or a caller waiting for a moderator stays unmixed
  emit(muted ? "participant.muted" : "participant.unmuted", member.room, id);
}

void Conference::setHand(mixer::ParticipantId id, Member& member, bool raised) {
  if (member.hand_raised == raised) {
    return;
  }
  member.hand_raised = raised;
  emit(raised ? "participant.hand_raised" : "participant.hand_lowered", member.room, id);
}

void Conference::runMenu(mixer::ParticipantId id, MenuAction action) {
  Member& member = participants_.at(id);
  bool yes = true;
  switch (action) {
    case MenuAction::kMute:
      setMuted(id, member, !member.muted);
      yes = !member.muted;
      break;
    case MenuAction::kListenDown:
    case MenuAction::kListenUp:
    case MenuAction::kTalkDown:
    case MenuAction::kTalkUp: {
      yes = action == MenuAction::kListenUp || action == MenuAction::kTalkUp;
      const bool listen = action == MenuAction::kListenDown || action == MenuAction::kListenUp;
      float& gain = listen ? member.output_gain : member.input_gain;
      gain = stepped(gain, yes);
      engine_.setGains(id, member.input_gain, member.output_gain);
      break;
    }
    case MenuAction::kHand:
      setHand(id, member, !member.hand_raised);
      yes = member.hand_raised;
      break;
    case MenuAction::kHelp:
      engine_.playToParticipant(id, meetingPrompt(SpokenPrompt::kMenuHelp, helpTones()),
                                mixer::PlaybackId::kNone);
      return;
    case MenuAction::kCount: {
      // Who is in: in a call and past the PIN, the caller too (FreeSWITCH and ConfBridge
      // count the members).
      const auto& in = rooms_.at(member.room).participants;
      const auto count = static_cast<std::size_t>(std::count_if(
          in.begin(), in.end(),
          [this](mixer::ParticipantId other) { return heard(other, participants_.at(other)); }));
      engine_.playToParticipant(id, config_.spoken_prompts ? spokenCount(count) : countTones(count),
                                mixer::PlaybackId::kNone);
      return;
    }
    case MenuAction::kLock: {
      Room& room = rooms_.at(member.room);
      room.policy.locked = !room.policy.locked;
      yes = room.policy.locked;
      store_.setRoomLocked(member.room, yes);
      emit("room.updated", member.room, mixer::ParticipantId{}, "locked", yes ? "true" : "false");
      break;
    }
    case MenuAction::kMuteOthers:
      for (const auto other : rooms_.at(member.room).participants) {
        auto& them = participants_.at(other);
        if (other != id && them.role != ParticipantRole::kModerator) {
          setMuted(other, them, true);
        }
      }
      break;
  }
  engine_.playToParticipant(id, yes ? yesTone() : noTone(), mixer::PlaybackId::kNone);
}

}  // namespace mcu::conference
