// The media engine as mcu/ sees it: rooms and participants by id, configured from any thread,
// never blocking on media. Commands are posted to the media thread that owns the room; the
// local RTP port is allocated at once so an SDP answer can be written without waiting.
// Events come back through MediaEvents, on a media thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcu/common/result.h"
#include "mixer/engine/media_types.h"

namespace mcu::mixer {

struct EngineStats {
  std::uint64_t ticks = 0;
  std::uint64_t late_ticks = 0;
  double max_tick_ms = 0.0;
  TickHistogram tick_ms{};  // per bucket of kTickBucketsMs, not cumulative
  double tick_ms_sum = 0.0;
  std::uint64_t receives_ahead = 0;  // reads of what arrived, just before a tick (batched I/O)
  std::uint64_t received_ahead = 0;  // the datagrams they read
  double receive_ahead_ms_sum = 0.0;
  double max_receive_ahead_ms = 0.0;
  std::uint64_t shared_encodes = 0;
  std::uint64_t personal_encodes = 0;
  int batched_threads = 0;               // media threads whose packets go through io_uring
  int realtime_threads = 0;              // media threads under SCHED_FIFO
  std::uint64_t realtime_drops = 0;      // ... that gave it up, overloaded (realtime_guard.h)
  std::uint64_t io_syscalls = 0;         // their io_uring_enter calls
  std::uint64_t io_unbatched_sends = 0;  // packets that found no free send slot
  std::uint64_t io_send_failed = 0;
  std::uint64_t late_parts = 0;              // ticks a spread room's part waited past its deadline
  std::uint64_t shard_parts = 0;             // parts of rooms on a thread other than their home
  std::uint64_t chains_built_ahead = 0;      // codec chains built between ticks
  std::uint64_t chains_built_on_demand = 0;  // ... and when needed (mostly on a tick)
};

class MediaEngine {
 public:
  virtual ~MediaEngine() = default;

  virtual bool createRoom(RoomId room, const RoomMediaConfig& config) = 0;
  virtual void destroyRoom(RoomId room) = 0;
  virtual void setMaxSpeakers(RoomId room, std::size_t k) = 0;
  // The local RTP port, or nullopt (unknown room, duplicate id, or no free port). `deaf`: it
  // hears nothing of the room from its first packet on (a caller still to key in its PIN); a
  // later setDeaf() could come a tick after its first packets on a busy media thread.
  virtual std::optional<std::uint16_t> addParticipant(RoomId room, ParticipantId id,
                                                      const MediaEndpoint& endpoint, bool deaf) = 0;
  virtual void updateParticipant(ParticipantId id, const MediaEndpoint& endpoint) = 0;
  virtual void removeParticipant(ParticipantId id) = 0;
  // The same, handing over its statistics as of the moment it left (for the call record);
  // `done` runs on the media thread and must return at once.
  virtual void removeParticipantWithStats(ParticipantId id,
                                          std::function<void(const ParticipantStats&)> done) = 0;
  // Moves a live participant to another room, keeping its RTP port (no new SDP needed) and its
  // mute, deaf and gains. False for an unknown participant or room.
  virtual bool moveParticipant(ParticipantId id, RoomId to) = 0;
  virtual void setMute(ParticipantId id, bool muted) = 0;
  virtual void setDeaf(ParticipantId id, bool deaf) = 0;
  virtual void setGains(ParticipantId id, float input, float output) = 0;
  // Prompts: 48 kHz mono samples decoded elsewhere (a file is never read on a media thread),
  // played into the room (everyone hears it beside the speakers) or to one participant (mixed
  // into what it hears), after the prompts already waiting there. With an id (not kNone) the
  // prompt can be stopped and onPlaybackFinished says when it was heard to its end. False: no
  // such room or participant.
  using Samples = std::shared_ptr<const std::vector<std::int16_t>>;
  virtual bool playToRoom(RoomId room, Samples pcm, PlaybackId playback) = 0;
  virtual bool playToParticipant(ParticipantId id, Samples pcm, PlaybackId playback) = 0;
  // Stops a prompt, playing or waiting; nothing if it already ended.
  virtual void stopRoomPlayback(RoomId room, PlaybackId playback) = 0;
  virtual void stopParticipantPlayback(ParticipantId id, PlaybackId playback) = 0;
  // Music the room hears, looped, whenever no room prompt plays, from `delay` on (null pcm:
  // none). Mixed once for the room: a waiting room of hundreds costs no encode per caller.
  virtual bool setRoomMusic(RoomId room, Samples pcm, std::chrono::milliseconds delay) = 0;
  // Records the room's mix (what a listener hears) to an Ogg/Opus or WAV file, written by the
  // engine's one writer thread (recording_writer.h), never by a media thread. The file is made
  // here (a bad path is an error now). It ends when stopped, when the room ends, or by itself
  // (the disk's floor, a refused write): MediaEvents::onRecordingEnded says which and when.
  virtual Result<RecordingKey> startRecording(RoomId room, const std::string& path,
                                              RecordingFormat format = RecordingFormat::kOgg) = 0;
  virtual void stopRecording(RoomId room) = 0;
  // The same for one participant's own voice (what the server receives from it, silence while
  // it is muted), on its media thread. It also ends when the participant leaves its room
  // (reason participant_left).
  virtual Result<RecordingKey> startParticipantRecording(
      ParticipantId id, const std::string& path,
      RecordingFormat format = RecordingFormat::kOgg) = 0;
  virtual void stopParticipantRecording(ParticipantId id) = 0;
  // At shutdown: ends every recording (reason "shutdown") and waits until their files are
  // finalised and onRecordingEnded told, at most `timeout`. True if all were.
  virtual bool finishRecordings(std::chrono::milliseconds timeout) = 0;
  // RFC 4733 digits to a participant ('0'-'9', '*', '#', 'A'-'D'), when it negotiated them.
  virtual void sendDtmf(ParticipantId id, char digit) = 0;
  // As of the last publication by the media thread (at most 200 ms old).
  virtual std::optional<ParticipantStats> stats(ParticipantId id) const = 0;
  virtual EngineStats engineStats() const = 0;
  // Waits (at most `timeout`) until every media thread has run what was posted before this
  // call, e.g. the hand-over of final statistics at shutdown. True if all did.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
};

std::unique_ptr<MediaEngine> createMediaEngine(const EngineConfig& config, MediaEvents* events);

}  // namespace mcu::mixer
