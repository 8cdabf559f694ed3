// Recording a room over REST (issue 15 item 4): the conference says which room, checks it has
// calls and is not already recorded, tells the room, and keeps who was present; the engine's
// writer thread does the file, and its end closes the row.
#include <algorithm>

#include "mcu/common/json_text.h"
#include "mcu/common/log.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/tone_prompts.h"

namespace mcu::conference {
namespace {

constexpr std::string_view kComponent = "conference";

const TonePcm& recordingTones() {
  static const TonePcm pcm = toneRun({1400, 1400, 1400});
  return pcm;
}

}  // namespace

RecordingOutcome Conference::startRecording(const std::string& name,
                                            std::optional<mixer::ParticipantId> of, std::int64_t id,
                                            const std::string& path,
                                            mixer::RecordingFormat format) {
  assertOwnerThread();
  const auto it = rooms_.find(name);
  if (it == rooms_.end() || it->second.deleted) {
    return {RecordingOutcome::Kind::kNoRoom, ""};
  }
  Room& room = it->second;
  if (!room.media_room) {
    return {of ? RecordingOutcome::Kind::kNoParticipant : RecordingOutcome::Kind::kRoomIdle, ""};
  }
  const auto member = of ? participants_.find(*of) : participants_.end();
  if (of && (member == participants_.end() || member->second.room != name)) {
    return {RecordingOutcome::Kind::kNoParticipant, ""};
  }
  const bool busy = of ? std::any_of(recordings_.begin(), recordings_.end(),
                                     [&](const auto& r) { return r.second.member == *of; })
                       : room.recording.has_value();
  if (busy) {
    return {RecordingOutcome::Kind::kBusy, ""};
  }
  auto key = of ? engine_.startParticipantRecording(*of, path, format)
                : engine_.startRecording(*room.media_room, path, format);
  if (!key) {
    return {of ? RecordingOutcome::Kind::kNoParticipant : RecordingOutcome::Kind::kFailed,
            key.error()};
  }
  ActiveRecording& active = recordings_[*key];
  active.id = id;
  active.room = name;
  if (of) {
    active.member = *of;
    active.participants.push_back(member->second.from_uri);
  } else {
    room.recording = *key;
    for (const auto pid : room.participants) {
      const auto present = participants_.find(pid);
      if (present != participants_.end() && heard(pid, present->second)) {
        active.participants.push_back(present->second.from_uri);
      }
    }
  }
  if (config_.announce_recording) {
    const auto prompt = meetingPrompt(SpokenPrompt::kRecordingStarted, recordingTones());
    if (of) {
      engine_.playToParticipant(*of, prompt, mixer::PlaybackId::kNone);
    } else {
      engine_.playToRoom(*room.media_room, prompt, mixer::PlaybackId::kNone);
    }
  }
  log::info(kComponent, "recording_started")
      .kv("room", name)
      .kv("recording", id)
      .kv("participant", static_cast<std::uint64_t>(of ? of->value() : 0U));
  emitRecording("recording.started", active, "");
  return {RecordingOutcome::Kind::kStarted, ""};
}

bool Conference::stopRecording(const std::string& name, std::int64_t id) {
  assertOwnerThread();
  const auto active = std::find_if(recordings_.begin(), recordings_.end(), [&](const auto& r) {
    return r.second.id == id && r.second.room == name;
  });
  if (active == recordings_.end()) {
    return false;
  }
  if (active->second.member.valid()) {
    engine_.stopParticipantRecording(active->second.member);
    return true;
  }
  const auto room = rooms_.find(name);
  if (room == rooms_.end() || !room->second.media_room) {
    return false;
  }
  engine_.stopRecording(*room->second.media_room);
  return true;
}

void Conference::emitRecording(const std::string& type, const ActiveRecording& recording,
                               const std::string& reason) const {
  if (!config_.on_event) {
    return;
  }
  nlohmann::json payload{{"room", recording.room}, {"recording", recording.id}};
  if (recording.member.valid()) {
    payload["participant"] = recording.member.value();
  }
  if (!reason.empty()) {
    payload["reason"] = reason;
  }
  config_.on_event(type, recording.room, jsonText(payload));
}

// Someone heard in a recorded room joins the room recording's list (a participant's own
// recording lists that participant alone).
void Conference::notePresent(const Member& member) {
  const auto room = rooms_.find(member.room);
  if (room == rooms_.end() || !room->second.recording) {
    return;
  }
  auto& present = recordings_[*room->second.recording].participants;
  if (std::find(present.begin(), present.end(), member.from_uri) == present.end()) {
    present.push_back(member.from_uri);
  }
}

void Conference::recordingEnded(mixer::RecordingKey key, const mixer::RecordingEnd& end) {
  assertOwnerThread();
  const auto it = recordings_.find(key);
  if (it == recordings_.end()) {
    return;
  }
  const ActiveRecording active = it->second;
  recordings_.erase(it);
  if (const auto room = rooms_.find(active.room);
      room != rooms_.end() && room->second.recording == key) {
    room->second.recording.reset();
  }
  store_.recordingEnded(active.id, end.reason, end.duration_ms,
                        static_cast<std::int64_t>(end.bytes),
                        jsonText(nlohmann::json(active.participants)));
  log::info(kComponent, "recording_stopped")
      .kv("room", active.room)
      .kv("recording", active.id)
      .kv("reason", end.reason)
      .kv("duration_ms", end.duration_ms);
  emitRecording("recording.stopped", active, end.reason);
}

}  // namespace mcu::conference
