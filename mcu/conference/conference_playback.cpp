// Prompts played over REST (POST .../playback): the conference keeps which are playing, so a
// DELETE can stop one and every one ends with exactly one playback.finished event, whether it
// was heard to its end, stopped, or could no longer be heard (its participant left or moved,
// its room's last call ended).
#include <nlohmann/json.hpp>

#include "mcu/common/iso_time.h"
#include "mcu/common/json_text.h"
#include "mcu/common/log.h"
#include "mcu/conference/conference.h"

namespace mcu::conference {
namespace {

constexpr const char* kComponent = "conference";

// The data of playback.started and playback.finished.
nlohmann::json playbackJson(const PlaybackView& p) {
  nlohmann::json j{
      {"room", p.room}, {"playback", p.id}, {"file", p.file}, {"duration_ms", p.duration_ms}};
  if (p.participant) {
    j["participant"] = std::uint64_t{p.participant->value()};
  }
  return j;
}

}  // namespace

PlaybackOutcome Conference::play(const std::string& room, std::optional<mixer::ParticipantId> to,
                                 const std::string& file, const Prompt& prompt) {
  assertOwnerThread();
  PlaybackOutcome outcome;
  const auto it = rooms_.find(room);
  if (it == rooms_.end() || it->second.deleted) {
    return outcome;
  }
  if (to) {
    const auto member = participants_.find(*to);
    if (member == participants_.end() || member->second.room != room) {
      outcome.kind = PlaybackOutcome::Kind::kNoParticipant;
      return outcome;
    }
  } else if (!it->second.media_room) {
    outcome.kind = PlaybackOutcome::Kind::kRoomIdle;
    return outcome;
  }
  const std::uint64_t id = next_playback_++;
  const mixer::PlaybackId engine_id{id};
  const bool queued = to ? engine_.playToParticipant(*to, prompt.pcm, engine_id)
                         : engine_.playToRoom(*it->second.media_room, prompt.pcm, engine_id);
  if (!queued) {  // its media is gone already (a call ending): as if it had left
    outcome.kind = to ? PlaybackOutcome::Kind::kNoParticipant : PlaybackOutcome::Kind::kRoomIdle;
    return outcome;
  }
  PlaybackView view{.id = id,
                    .room = room,
                    .participant = to,
                    .file = file,
                    .duration_ms = prompt.duration_ms,
                    .started_at = isoUtcMillis(std::chrono::system_clock::now())};
  playbacks_[id] = view;
  log::info(kComponent, "playback_started")
      .kv("room", room)
      .kv("playback", id)
      .kv("file", file)
      .kv("participant", to ? std::uint64_t{to->value()} : std::uint64_t{0});
  if (config_.on_event) {
    config_.on_event("playback.started", room, jsonText(playbackJson(view)));
  }
  outcome.kind = PlaybackOutcome::Kind::kStarted;
  outcome.playback = std::move(view);
  return outcome;
}

bool Conference::stopPlayback(const std::string& room, std::uint64_t id) {
  assertOwnerThread();
  const auto it = playbacks_.find(id);
  if (it == playbacks_.end() || it->second.room != room) {
    return false;
  }
  const mixer::PlaybackId engine_id{id};
  if (it->second.participant) {
    engine_.stopParticipantPlayback(*it->second.participant, engine_id);
  } else if (const auto r = rooms_.find(room); r != rooms_.end() && r->second.media_room) {
    engine_.stopRoomPlayback(*r->second.media_room, engine_id);
  }
  endPlayback(id, "stopped");
  return true;
}

void Conference::playbackFinished(mixer::PlaybackId id) {
  assertOwnerThread();
  // A playback stopped while its last frame was on its way here has ended already.
  if (playbacks_.contains(static_cast<std::uint64_t>(id))) {
    endPlayback(static_cast<std::uint64_t>(id), "played");
  }
}

void Conference::dropPlaybacks(const std::string& room, std::optional<mixer::ParticipantId> of,
                               const std::string& reason) {
  if (playbacks_.empty()) {
    return;  // every leave comes by here; playbacks are rare
  }
  std::vector<std::uint64_t> ended;
  for (const auto& [id, p] : playbacks_) {
    const bool theirs = !of || (p.participant && p.participant->value() == of->value());
    if (p.room == room && theirs) {
      ended.push_back(id);
    }
  }
  for (const std::uint64_t id : ended) {
    endPlayback(id, reason);
  }
}

void Conference::endPlayback(std::uint64_t id, const std::string& reason) {
  const auto it = playbacks_.find(id);
  if (it == playbacks_.end()) {
    return;
  }
  const PlaybackView view = it->second;
  playbacks_.erase(it);
  log::info(kComponent, "playback_finished")
      .kv("room", view.room)
      .kv("playback", id)
      .kv("reason", reason);
  if (config_.on_event) {
    auto payload = playbackJson(view);
    payload["reason"] = reason;
    config_.on_event("playback.finished", view.room, jsonText(payload));
  }
}

}  // namespace mcu::conference
