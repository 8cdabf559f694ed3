#include "mcu/conference/conference_client.h"

#include <future>
#include <memory>

namespace mcu::conference {

template <typename T>
std::optional<T> ConferenceClient::ask(std::function<T(Conference&)> fn) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  Conference* conference = &conference_;
  loop_.post([promise, conference, fn = std::move(fn)] { promise->set_value(fn(*conference)); });
  if (future.wait_for(timeout_) != std::future_status::ready) {
    return std::nullopt;
  }
  return future.get();
}

std::optional<std::optional<std::vector<ParticipantView>>> ConferenceClient::participants(
    const std::string& room) {
  return ask<std::optional<std::vector<ParticipantView>>>(
      [room](Conference& c) { return c.participants(room); });
}

std::optional<std::map<std::string, RoomLive>> ConferenceClient::liveRooms() {
  return ask<std::map<std::string, RoomLive>>([](Conference& c) { return c.liveRooms(); });
}

std::optional<ConferenceTotals> ConferenceClient::totals() {
  return ask<ConferenceTotals>([](Conference& c) { return c.totals(); });
}

std::optional<std::optional<ParticipantView>> ConferenceClient::patchParticipant(
    const std::string& room, mixer::ParticipantId id, const ParticipantPatch& patch) {
  return ask<std::optional<ParticipantView>>(
      [room, id, patch](Conference& c) { return c.patchParticipant(room, id, patch); });
}

std::optional<bool> ConferenceClient::kick(const std::string& room, mixer::ParticipantId id) {
  return ask<bool>([room, id](Conference& c) { return c.kick(room, id); });
}

std::optional<MoveOutcome> ConferenceClient::move(const std::string& room, mixer::ParticipantId id,
                                                  const std::string& to) {
  return ask<MoveOutcome>([room, id, to](Conference& c) { return c.move(room, id, to); });
}

std::optional<DialOutResult> ConferenceClient::dialOut(const std::string& room,
                                                       const std::string& uri) {
  return ask<DialOutResult>([room, uri](Conference& c) { return c.dialOut(room, uri); });
}

std::optional<std::optional<ParticipantView>> ConferenceClient::participant(
    const std::string& room, mixer::ParticipantId id) {
  return ask<std::optional<ParticipantView>>(
      [room, id](Conference& c) { return c.participant(room, id); });
}

std::optional<PlaybackOutcome> ConferenceClient::play(const std::string& room,
                                                      std::optional<mixer::ParticipantId> to,
                                                      const std::string& file,
                                                      const Prompt& prompt) {
  return ask<PlaybackOutcome>(
      [room, to, file, prompt](Conference& c) { return c.play(room, to, file, prompt); });
}

std::optional<bool> ConferenceClient::stopPlayback(const std::string& room, std::uint64_t id) {
  return ask<bool>([room, id](Conference& c) { return c.stopPlayback(room, id); });
}

std::optional<RecordingOutcome> ConferenceClient::startRecording(
    const std::string& room, std::optional<mixer::ParticipantId> of, std::int64_t id,
    const std::string& path, mixer::RecordingFormat format) {
  return ask<RecordingOutcome>([room, of, id, path, format](Conference& c) {
    return c.startRecording(room, of, id, path, format);
  });
}

std::optional<bool> ConferenceClient::stopRecording(const std::string& room, std::int64_t id) {
  return ask<bool>([room, id](Conference& c) { return c.stopRecording(room, id); });
}

void ConferenceClient::roomChanged(const store::RoomRow& row, mixer::MediaEngine::Samples music) {
  Conference* conference = &conference_;
  loop_.post([conference, row, music = std::move(music)] { conference->roomChanged(row, music); });
}

void ConferenceClient::roomDeleted(const std::string& name) {
  Conference* conference = &conference_;
  loop_.post([conference, name] { conference->roomDeleted(name); });
}

}  // namespace mcu::conference
