// What joins the parts of one room that live on different media threads, so that a large room
// uses every core (issue 13): each thread with members of the room receives their packets,
// runs their jitter buffers and reads their levels, and sends them their mix; only the choice
// of speakers and the sum are made once, by the room's home thread.
//
// Per tick T, every thread first does phase 1 for all its rooms and publishes (publishInput),
// then each home gathers its shards' inputs, mixes and publishes the mix (publishMix), then
// each shard takes the mix (awaitMix) and sends. A wait only ever waits for an earlier phase,
// so no two threads can wait for each other; and every wait has a deadline, so a thread that
// is late (descheduled, busy with a burst of joins) delays or costs its members' frames by
// one tick, never stalls the room.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "mixer/core/audio_frame.h"
#include "mixer/core/mix_minus.h"
#include "mixer/core/speaker_selector.h"
#include "mixer/engine/media_types.h"

namespace mcu::mixer {

// A member's decoded frame, for when the home mixes it.
struct MemberFrame {
  ParticipantId id;
  float gain = 1.0F;
  core::Pcm pcm{};
};

// A shard's phase 1 of one tick.
struct ShardInput {
  std::int64_t tick = -1;
  // Every member's level, as the speaker choice takes them, and the SSRC it sends us (0 before
  // its first packet; for the CSRC list), in the same order.
  std::vector<core::SourceLevel> levels;
  std::vector<std::uint32_t> ssrcs;
  // Only the members that may be chosen this tick (see RoomMixer::isCandidate): a listener's
  // frame is never decoded or copied.
  std::vector<MemberFrame> frames;
};

// The home's mix of one tick, and what the shards need to decide whom to decode next tick.
struct MixOutput {
  std::int64_t tick = -1;
  core::MixResult mix;
  std::vector<ParticipantId> selected;  // this tick's speakers
  std::vector<ParticipantId> talking;   // members reported talking
  // The talkers heard in the mix: who, the SSRC they send with and their level (RFC 6465).
  std::vector<ParticipantId> contributor_ids;
  std::vector<std::uint32_t> contributor_ssrcs;
  std::vector<std::uint8_t> contributor_levels;
  // A member must be at least this loud (127 - dBov) to have a chance of being chosen next
  // tick (a free seat's floor, or the weakest speaker plus the hysteresis).
  float admission_loudness = 0.0F;
};

class RoomLink {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RoomLink(int home_thread) : home_thread_(home_thread) {}
  int homeThread() const { return home_thread_; }

  // A shard thread gets its first member (leaves with its last). It publishes from tick
  // `first_tick` on, and the home waits for it only from then.
  void join(int thread, std::int64_t first_tick);
  void leave(int thread);
  // The room has ended: no new part may join it.
  void close() { closed_ = true; }
  bool closed() const { return closed_; }

  // Shard, phase 1. `input` is taken (swapped with the previous one, for reuse).
  void publishInput(int thread, ShardInput& input);
  // Home, phase 2: every shard's input of `tick`, waiting for them until `deadline`; a shard
  // that is late gives its last input: its members' levels, and its frames if they are of the
  // tick before and were not mixed yet (else none). False if any was late.
  bool gather(std::int64_t tick, Clock::time_point deadline, std::vector<ShardInput>& out);
  // Home: the mix of the tick.
  void publishMix(const MixOutput& mix);
  // Shard, phase 3: the mix of `tick` (or a later one) into `out`, waiting until `deadline`.
  // False if none came in time.
  bool awaitMix(std::int64_t tick, Clock::time_point deadline, MixOutput& out);

 private:
  struct Slot {
    std::int64_t first_tick = 0;
    ShardInput input;
    std::int64_t mixed_tick = -1;  // the last input whose frames went into a mix
  };
  bool inputsReady(std::int64_t tick) const;

  const int home_thread_;
  std::atomic<bool> closed_{false};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int, Slot> shards_;
  MixOutput mix_;
};

}  // namespace mcu::mixer
