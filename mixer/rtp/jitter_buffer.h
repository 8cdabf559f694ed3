// Per-participant jitter buffer: holds received packets in timestamp order and hands out one
// 20 ms frame per tick, or says the frame is missing (so the decoder conceals it).
// Adaptive: the playout delay follows the measured interarrival jitter (RFC 3550 §6.4.1)
// between configured bounds, and grows by a frame when a packet misses its turn (shrinking
// again after calm seconds); a buffer that stays fuller than needed drops a frame, so clock
// drift between sender and our tick never grows into delay. Pure: time is an argument.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mixer/rtp/jitter_buffer_config.h"
#include "mixer/rtp/rtp_packet.h"

namespace mcu::mixer::rtp {

enum class PushResult { kAccepted, kDuplicate, kLate, kJump };

struct JitterStats {
  std::uint64_t accepted = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t late = 0;
  std::uint64_t jumps = 0;
  std::uint64_t concealed = 0;  // ticks with no frame while playing
  std::uint64_t dropped_for_drift = 0;
  std::uint64_t resyncs = 0;          // late packets that made the delay one frame longer
  std::uint64_t dropped_backlog = 0;  // held past the maximum delay after a stall
  double jitter_ms = 0.0;
  int target_delay_ms = 0;
  double last_wait_ms = 0.0;  // how long the last frame played out waited in the buffer
};

struct Frame {
  RtpHeader header;
  std::span<const std::uint8_t> payload;  // valid until the next push/pop
  std::int64_t duration_ts = 0;           // as push() was told
};

class JitterBuffer {
 public:
  explicit JitterBuffer(JitterBufferConfig config = {});

  // `duration_ts`: how long the payload plays (RTP units, 0: not known), handed back with its
  // frame, and where the next one is due when it is played (setPoppedDuration). The caller reads it
  // from the payload as the packet arrives: by the tick that plays it, the payload of each of a
  // thousand callers is out of cache, and reading one byte of it then (an Opus TOC) cost 3 % of the
  // server at 1,000 callers (perf, from outside).
  PushResult push(const RtpPacketView& packet, std::int64_t arrival_us,
                  std::int64_t duration_ts = 0);
  // One tick: the frame to play, or nullopt (missing: conceal; or nothing started yet).
  // A packet is played when its timestamp falls within the frame due now, so senders whose
  // packets are not 20 ms long (30, 60 ms) keep their place.
  std::optional<Frame> pop(std::int64_t now_us);
  // After pop() gave a packet shorter than a frame (push() or setPoppedDuration() said so):
  // the packet that continues it, if it is here, taken as part of the same tick's frame (10 ms
  // packets: two make a frame). No tick's bookkeeping (drift, delay) runs for it.
  std::optional<Frame> popContinuation();
  // After pop() said this tick's frame is missing: the packet that plays next, if it is here
  // already (Opus rebuilds the lost frame from the in-band FEC it carries). It stays held.
  std::optional<Frame> peekNext() const;
  // The packet pop() gave plays this long (RTP units), not one frame: the next is due after it.
  // Applied by pop() itself when push() was told the duration; for callers that were not.
  void setPoppedDuration(std::int64_t duration_ts);
  bool playing() const { return playing_; }
  const JitterStats& stats() const { return stats_; }
  std::size_t depth() const { return static_cast<std::size_t>(std::popcount(used_)); }
  // Brings what push() looks at first into cache (see PacketIo::Prefetch). slots_.data() is
  // a load of this object's vector, not only a prefetch; leaving the slots out measured worse
  // (server 0.259 against 0.244 ms per participant-second, mean of 10 alternating runs).
  void prefetch() const {
    __builtin_prefetch(&used_);
    __builtin_prefetch(slots_.data());
  }

 private:
  static constexpr std::size_t kSlots = 32;  // 640 ms of 20 ms frames: past max delay
  // What only the chosen slot needs; which slots are used, and their timestamps, are kept
  // apart below.
  struct Slot {
    std::int64_t arrival_us = 0;
    RtpHeader header;
    std::size_t size = 0;  // of its payload, in payloads_ at the same index
    std::int64_t duration_ts = 0;
  };
  static constexpr std::size_t kNone = kSlots;
  static_assert(kSlots == 32, "used_ has a bit per slot");
  std::int64_t extend(std::uint32_t ts);
  std::size_t findSlot(std::int64_t ts) const;
  std::size_t oldest() const;
  void release(std::size_t i);
  Frame take(std::size_t i);  // the packet in slot i, played now
  Frame frameAt(std::size_t i) const;
  std::size_t nextSlot() const;  // the slot of the packet due next, if held (kNone if not)
  void dropBacklog();
  void updateJitter(std::int64_t ts, std::int64_t arrival_us);
  void reset();

  JitterBufferConfig config_;
  std::int64_t frame_ts_;
  // Every push and pop looks for slots by timestamp. With the used flags and timestamps inside
  // the slots, each look walked 32 slots of 128 bytes (a RTP header with room for 15 CSRCs),
  // and push alone was 9 % of a media thread at 1,000 callers (perf, from outside): 500
  // buffers a tick, each 4 kB, do not stay in cache. A bit per used slot and the timestamps
  // side by side make a look touch one cache line, and only the slots that hold a packet
  // (usually one or two).
  std::uint32_t used_ = 0;
  std::array<std::int64_t, kSlots> ts_{};
  // Apart from the slots: with the payloads inline each scan walked 32 x 1.6 kB (measured:
  // push and pop were 9 % of a server's CPU at 1,000 callers).
  std::vector<Slot> slots_;
  std::vector<std::array<std::uint8_t, kMaxRtpPacket>> payloads_;
  bool playing_ = false;
  std::int64_t next_ts_ = 0;
  std::int64_t popped_ts_ = 0;
  std::int64_t popped_duration_ = 0;  // of the last packet played (0: not told)
  std::optional<std::int64_t> last_ext_ts_;
  std::optional<std::pair<std::int64_t, std::int64_t>> last_transit_;  // ts, arrival
  double jitter_ts_ = 0.0;
  int missing_in_row_ = 0;
  int jumps_in_row_ = 0;
  int over_target_ticks_ = 0;
  int late_extra_ms_ = 0;  // delay added because packets came late, shrunk when calm
  int calm_frames_ = 0;
  int frames_since_raise_ = 1 << 20;  // frames played since late_extra_ms_ last grew
  JitterStats stats_;
};

}  // namespace mcu::mixer::rtp
