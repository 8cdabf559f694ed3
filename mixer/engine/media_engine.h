// The media engine as mcu/ sees it: rooms and participants by id, configured from any thread,
// never blocking on media. Commands are posted to the media thread that owns the room; the
// local RTP port is allocated at once so an SDP answer can be written without waiting.
// Events come back through MediaEvents, on a media thread.
#pragma once

#include <memory>
#include <optional>

#include "mixer/engine/media_types.h"

namespace mcu::mixer {

struct EngineStats {
  std::uint64_t ticks = 0;
  std::uint64_t late_ticks = 0;
  double max_tick_ms = 0.0;
  std::uint64_t shared_encodes = 0;
  std::uint64_t personal_encodes = 0;
};

class MediaEngine {
 public:
  virtual ~MediaEngine() = default;

  virtual bool createRoom(RoomId room, const RoomMediaConfig& config) = 0;
  virtual void destroyRoom(RoomId room) = 0;
  virtual void setMaxSpeakers(RoomId room, std::size_t k) = 0;
  // The local RTP port, or nullopt (unknown room, duplicate id, or no free port).
  virtual std::optional<std::uint16_t> addParticipant(RoomId room, ParticipantId id,
                                                      const MediaEndpoint& endpoint) = 0;
  virtual void updateParticipant(ParticipantId id, const MediaEndpoint& endpoint) = 0;
  virtual void removeParticipant(ParticipantId id) = 0;
  virtual void setMute(ParticipantId id, bool muted) = 0;
  virtual void setDeaf(ParticipantId id, bool deaf) = 0;
  virtual void setGains(ParticipantId id, float input, float output) = 0;
  // As of the last publication by the media thread (at most 200 ms old).
  virtual std::optional<ParticipantStats> stats(ParticipantId id) const = 0;
  virtual EngineStats engineStats() const = 0;
};

std::unique_ptr<MediaEngine> createMediaEngine(const EngineConfig& config, MediaEvents* events);

}  // namespace mcu::mixer
