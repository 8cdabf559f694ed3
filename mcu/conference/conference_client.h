// The conference as other threads (the REST API) reach it: each call posts a task to the
// control loop and waits for its result, at most a timeout, so an HTTP thread never touches
// conference state and a stuck control loop gives a 503 rather than a hung request.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mcu/common/loop.h"
#include "mcu/conference/conference.h"

namespace mcu::conference {

class ConferenceClient {
 public:
  ConferenceClient(Loop& loop, Conference& conference,
                   std::chrono::milliseconds timeout = std::chrono::seconds(2))
      : loop_(loop), conference_(conference), timeout_(timeout) {}

  // The outer optional is empty when the control loop did not answer in time.
  std::optional<std::optional<std::vector<ParticipantView>>> participants(const std::string& room);
  std::optional<std::map<std::string, RoomLive>> liveRooms();
  std::optional<ConferenceTotals> totals();
  std::optional<std::optional<ParticipantView>> patchParticipant(const std::string& room,
                                                                 mixer::ParticipantId id,
                                                                 const ParticipantPatch& patch);
  std::optional<bool> kick(const std::string& room, mixer::ParticipantId id);
  std::optional<DialOutResult> dialOut(const std::string& room, const std::string& uri);
  std::optional<std::optional<ParticipantView>> participant(const std::string& room,
                                                            mixer::ParticipantId id);
  std::optional<MoveOutcome> move(const std::string& room, mixer::ParticipantId id,
                                  const std::string& to);
  std::optional<PlaybackOutcome> play(const std::string& room,
                                      std::optional<mixer::ParticipantId> to,
                                      const std::string& file, const Prompt& prompt);
  std::optional<bool> stopPlayback(const std::string& room, std::uint64_t id);
  std::optional<RecordingOutcome> startRecording(const std::string& room,
                                                 std::optional<mixer::ParticipantId> of,
                                                 std::int64_t id, const std::string& path,
                                                 mixer::RecordingFormat format);
  std::optional<bool> stopRecording(const std::string& room, std::int64_t id);
  // Fire and forget: the control loop applies them in order.
  // `music`: the file the room's policy names, decoded by the caller (see Conference).
  void roomChanged(const store::RoomRow& row, mixer::MediaEngine::Samples music = nullptr);
  void roomDeleted(const std::string& name);

 private:
  template <typename T>
  std::optional<T> ask(std::function<T(Conference&)> fn);

  Loop& loop_;
  Conference& conference_;
  std::chrono::milliseconds timeout_;
};

}  // namespace mcu::conference
