// Copies of live conference state, made on the control thread and handed to other threads
// (the REST API): no one outside the control thread ever reads the conference's own maps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "mcu/conference/call_state.h"
#include "mcu/conference/participant_role.h"
#include "mixer/core/participant_id.h"

namespace mcu::conference {

struct ParticipantView {
  mixer::ParticipantId id;
  std::string room;
  std::string call_id;
  std::string from_uri;
  std::string display_name;
  std::string codec;
  std::string joined_at;  // RFC 3339 UTC
  CallState state = CallState::kJoined;
  std::string direction = "in";
  std::string via = "dial-in";  // dial-in, dial-out, refer, replaces, line
  int line = 0;                 // its m= line in a dialog that carries several callers
  int sip_status = 0;           // dialled: the last final or provisional status (0: none)
  ParticipantRole role = ParticipantRole::kParticipant;
  bool hand_raised = false;
  bool muted = false;
  bool deaf = false;
  float input_gain = 1.0F;
  float output_gain = 1.0F;
  bool talking = false;
  bool on_hold = false;
  bool awaiting_pin = false;
  double packet_loss = 0.0;  // fraction of its packets we did not receive in time
  // Of the frames lost or late, those rebuilt from the packet after them (Opus in-band FEC)
  // rather than guessed by concealment: how much of packet_loss the room did not hear.
  std::uint64_t recovered_frames = 0;
  double jitter_ms = 0.0;           // interarrival jitter of what it sends us
  double remote_packet_loss = 0.0;  // what it reports about our stream (RTCP)
  double remote_jitter_ms = 0.0;
  // Its audio level now in -dBov (0 loudest, 127 silence), as RFC 6464 counts it.
  int level_dbov = 127;
  // The SSRC it sends, which the mixes list in CSRC when it talks (RFC 4575 <src-id>); 0 until
  // its first packet.
  std::uint32_t ssrc = 0;
};

struct RoomLive {
  std::size_t participants = 0;
  std::size_t talking = 0;
  std::string started_at;  // when its first current participant joined
};

// Totals for /metrics: calls since start, and media counters of live and ended calls.
struct ConferenceTotals {
  std::uint64_t joined = 0;
  std::uint64_t refused = 0;
  std::size_t participants = 0;
  std::size_t talking = 0;
  // The line quality of the live participants now, median and 95th percentile (nearest rank):
  // the interarrival jitter of what they send, and the share of their frames lost or late.
  // Quantiles over the callers, not a series per caller (thousands of them).
  double jitter_p50_s = 0.0;
  double jitter_p95_s = 0.0;
  double loss_p50 = 0.0;
  double loss_p95 = 0.0;
  std::size_t active_rooms = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t packets_lost = 0;
  std::uint64_t frames_recovered = 0;  // of those lost, rebuilt from the next packet's FEC
  std::uint64_t packets_dropped = 0;   // garbage, or from the wrong source
};

// How a move of a live participant to another room went.
struct MoveOutcome {
  enum class Kind { kMoved, kNoParticipant, kNoRoom, kRefused } kind = Kind::kNoParticipant;
  std::string reason;                          // for kRefused: "room is locked", "room is full"
  std::optional<ParticipantView> participant;  // for kMoved: as it is now
};

// A prompt played over REST to a room or to one of its participants, until it ends.
struct PlaybackView {
  std::uint64_t id = 0;
  std::string room;
  std::optional<mixer::ParticipantId> participant;  // none: the whole room hears it
  std::string file;
  std::int64_t duration_ms = 0;
  std::string started_at;
};

// How a request to play went.
struct PlaybackOutcome {
  enum class Kind { kStarted, kNoRoom, kNoParticipant, kRoomIdle } kind = Kind::kNoRoom;
  std::optional<PlaybackView> playback;  // for kStarted
};

// How a request to record a room (or one of its participants) went.
struct RecordingOutcome {
  enum class Kind {
    kStarted,
    kNoRoom,
    kNoParticipant,
    kRoomIdle,
    kBusy,
    kFailed
  } kind = Kind::kNoRoom;
  std::string error;  // kFailed: the engine's words
};

// How a dial-out request went: its participant, or why not (an HTTP-ish status and text).
struct DialOutResult {
  int status = 202;  // 202 dialling; 403, 404, 486 (room full), 503
  std::string reason;
  std::optional<ParticipantView> participant;
};

// A REST change to one participant: only the fields that are set change.
struct ParticipantPatch {
  std::optional<bool> muted;
  std::optional<bool> deaf;
  std::optional<float> input_gain;
  std::optional<float> output_gain;
  std::optional<ParticipantRole> role;
  std::optional<bool> hand_raised;
};

}  // namespace mcu::conference
