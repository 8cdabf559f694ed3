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

RecordingOutcome Conference::startRecording(const std::string& name, std::int64_t id,
                                            const std::string& path,
                                            mixer::RecordingFormat format) {
  assertOwnerThread();
  const auto it = rooms_.find(name);
  if (it == rooms_.end() || it->second.deleted) {
    return {RecordingOutcome::Kind::kNoRoom, ""};
  }
  Room& room = it->second;
  if (!room.media_room) {
    return {RecordingOutcome::Kind::kRoomIdle, ""};
  }
  if (room.recording) {
    return {RecordingOutcome::Kind::kBusy, ""};
  }
  auto key = engine_.startRecording(*room.media_room, path, format);
  if (!key) {
    return {RecordingOutcome::Kind::kFailed, key.error()};
  }
  room.recording = *key;
  ActiveRecording& active = recordings_[*key];
  active.id = id;
  active.room = name;
  for (const auto pid : room.participants) {
    const auto member = participants_.find(pid);
    if (member != participants_.end() && heard(pid, member->second)) {
      active.participants.push_back(member->second.from_uri);
    }
  }
  if (config_.announce_recording) {
    engine_.playToRoom(*room.media_room,
                       meetingPrompt(SpokenPrompt::kRecordingStarted, recordingTones()),
                       mixer::PlaybackId::kNone);
  }
  log::info(kComponent, "recording_started").kv("room", name).kv("recording", id);
  emitRecording("recording.started", name, id, "");
  return {RecordingOutcome::Kind::kStarted, ""};
}

bool Conference::stopRecording(const std::string& name, std::int64_t id) {
  assertOwnerThread();
  const auto it = rooms_.find(name);
  if (it == rooms_.end() || !it->second.recording || !it->second.media_room) {
    return false;
  }
  const auto active = recordings_.find(*it->second.recording);
  if (active == recordings_.end() || active->second.id != id) {
    return false;
  }
  engine_.stopRecording(*it->second.media_room);
  return true;
}

void Conference::emitRecording(const std::string& type, const std::string& room, std::int64_t id,
                               const std::string& reason) const {
  if (!config_.on_event) {
    return;
  }
  nlohmann::json payload{{"room", room}, {"recording", id}};
  if (!reason.empty()) {
    payload["reason"] = reason;
  }
  config_.on_event(type, room, jsonText(payload));
}

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
  emitRecording("recording.stopped", active.room, active.id, end.reason);
}

}  // namespace mcu::conference
