#include "mixer/rtp/jitter_buffer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace mcu::mixer::rtp {
namespace {

constexpr int kMissingBeforeRebuffer = 10;    // 200 ms of nothing: the talk burst ended (DTX)
constexpr int kDriftTicks = 50;               // a full second over target before dropping one
constexpr std::int64_t kJumpSeconds = 5;      // a timestamp this far off is a new stream
constexpr int kCalmFramesBeforeShrink = 500;  // 10 s without a late packet: try less delay
// After the delay grew for a late packet, the late ones of the next second re-anchor the
// playout but add nothing: they are the same disturbance (or the jitter estimate still
// converging at the start of a stream), and each adding a frame ratcheted the delay up 40-60 ms
// for ten seconds (mouth-to-ear 90-110 ms instead of 35-55 ms under 30 ms of jitter, measured).
constexpr int kFramesBetweenRaises = 50;
constexpr double kRoundingSlack = 0.05;  // of a frame: 1 ms at 20 ms

// The used slots, lowest index first.
template <typename Fn>
void forEachUsed(std::uint32_t used, Fn&& fn) {
  for (; used != 0; used &= used - 1) {
    fn(static_cast<std::size_t>(std::countr_zero(used)));
  }
}

}  // namespace

JitterBuffer::JitterBuffer(JitterBufferConfig config)
    : config_(config),
      frame_ts_(static_cast<std::int64_t>(config.clock_rate) * config.frame_ms / 1000),
      slots_(kSlots),
      payloads_(kSlots) {
  stats_.target_delay_ms = config_.min_delay_ms;
}

std::int64_t JitterBuffer::extend(std::uint32_t ts) {
  if (!last_ext_ts_) {
    return ts;
  }
  const auto last = static_cast<std::uint32_t>(*last_ext_ts_);
  const auto delta = static_cast<std::int32_t>(ts - last);  // wraps correctly
  return *last_ext_ts_ + delta;
}

std::size_t JitterBuffer::findSlot(std::int64_t ts) const {
  std::size_t found = kNone;
  forEachUsed(used_, [&](std::size_t i) {
    if (ts_[i] == ts) {
      found = i;
    }
  });
  return found;
}

std::size_t JitterBuffer::oldest() const {
  std::size_t best = kNone;
  forEachUsed(used_, [&](std::size_t i) {
    if (best == kNone || ts_[i] < ts_[best]) {
      best = i;
    }
  });
  return best;
}

void JitterBuffer::release(std::size_t i) { used_ &= ~(1U << i); }

void JitterBuffer::reset() {
  used_ = 0;
  playing_ = false;
  missing_in_row_ = 0;
  over_target_ticks_ = 0;
}

void JitterBuffer::updateJitter(std::int64_t ts, std::int64_t arrival_us) {
  if (last_transit_) {
    const double arrival_delta_ts =
        static_cast<double>(arrival_us - last_transit_->second) * config_.clock_rate / 1e6;
    const double d = std::fabs(arrival_delta_ts - static_cast<double>(ts - last_transit_->first));
    jitter_ts_ += (d - jitter_ts_) / 16.0;
  }
  last_transit_ = {ts, arrival_us};
  stats_.jitter_ms = jitter_ts_ * 1000.0 / config_.clock_rate;
  // Enough delay for twice the jitter plus one frame, rounded up to whole frames. Up to a
  // millisecond over a whole frame rounds down: the estimate of a clean path is never quite 0
  // (0.01-0.2 ms on loopback), and rounding that up held every caller a frame longer, 20 ms
  // for nothing (measured: mouth-to-ear 61 ms instead of 21 ms after one late packet).
  const double wanted = 2.0 * stats_.jitter_ms + config_.frame_ms;
  const int frames = static_cast<int>(std::ceil(wanted / config_.frame_ms - kRoundingSlack));
  // Never less than one packet: long packets (30-60 ms) must be held a packet ahead.
  const auto packet_ms = static_cast<int>(popped_duration_ * 1000 / config_.clock_rate);
  const int floor = std::min(std::max(config_.min_delay_ms, packet_ms), config_.max_delay_ms);
  stats_.target_delay_ms =
      std::clamp(frames * config_.frame_ms + late_extra_ms_, floor, config_.max_delay_ms);
}

PushResult JitterBuffer::push(const RtpPacketView& packet, std::int64_t arrival_us,
                              std::int64_t duration_ts) {
  const std::int64_t ts = extend(packet.header.timestamp);
  const std::int64_t reference = playing_ ? next_ts_ : (last_ext_ts_ ? *last_ext_ts_ : ts);
  if (std::llabs(ts - reference) > kJumpSeconds * config_.clock_rate) {
    // Dropped and counted; several in a row mean the sender restarted its stream.
    ++stats_.jumps;
    if (++jumps_in_row_ < 3) {
      return PushResult::kJump;
    }
    reset();
    last_ext_ts_.reset();
    last_transit_.reset();
    jumps_in_row_ = 0;
    return push(packet, arrival_us);
  }
  jumps_in_row_ = 0;
  if (playing_ && ts < next_ts_) {
    ++stats_.late;
    calm_frames_ = 0;
    // A packet that missed its turn says the delay is too short for this path, whatever the
    // jitter estimate says: packets that arrive right at our tick's edge measure almost no
    // jitter and yet half of them would miss it, for ever. Wait one frame more, starting at
    // this packet (one concealed frame now instead of a lost packet every few ticks).
    if (stats_.target_delay_ms + config_.frame_ms > config_.max_delay_ms) {
      return PushResult::kLate;
    }
    if (frames_since_raise_ >= kFramesBetweenRaises) {
      late_extra_ms_ += config_.frame_ms;  // in the target from updateJitter() below
      frames_since_raise_ = 0;
    }
    // Played at the next tick, one frame after its turn: that is the frame more. Anchoring
    // afresh instead made it wait the whole new target after its arrival, and a packet that
    // missed its tick by 0.1 ms (a sender's clock drifting across our tick's edge) waited
    // 40-60 ms from then on.
    next_ts_ = ts;
    missing_in_row_ = 0;
    ++stats_.resyncs;
  }
  if (findSlot(ts) != kNone) {
    ++stats_.duplicates;
    return PushResult::kDuplicate;
  }
  std::size_t i = 0;
  if (used_ == ~0U) {  // full: the oldest goes, it would have been too late anyway
    i = oldest();
    ++stats_.late;
    if (ts < ts_[i]) {
      return PushResult::kLate;  // the oldest is this one
    }
    release(i);
  } else {
    i = static_cast<std::size_t>(std::countr_one(used_));
  }
  used_ |= 1U << i;
  ts_[i] = ts;
  Slot& slot = slots_[i];
  slot.arrival_us = arrival_us;
  slot.header = packet.header;
  slot.duration_ts = duration_ts;
  auto& bytes = payloads_[i];
  slot.size = std::min(packet.payload.size(), bytes.size());
  std::memcpy(bytes.data(), packet.payload.data(), slot.size);
  ++stats_.accepted;
  if (!last_ext_ts_ || ts > *last_ext_ts_) {
    last_ext_ts_ = ts;
  }
  updateJitter(ts, arrival_us);
  return PushResult::kAccepted;
}

std::optional<Frame> JitterBuffer::pop(std::int64_t now_us) {
  if (!playing_) {
    const std::size_t first = oldest();
    if (first == kNone ||
        now_us - slots_[first].arrival_us <
            static_cast<std::int64_t>(stats_.target_delay_ms - config_.frame_ms) * 1000) {
      return std::nullopt;
    }
    playing_ = true;
    next_ts_ = ts_[first];
    missing_in_row_ = 0;
  }
  dropBacklog();
  // Keep the delay near the target: if the buffer has held more than needed for a whole
  // second (the sender's clock runs faster than ours), skip one frame. A frame that waited w
  // finds 1 + w / frame packets here, and anchoring keeps w under the target; so more than
  // the target's frames at every tick of a second is a frame too many. (Allowing one more
  // let a fast sender's stream sit a frame deeper for ever: 41 ms instead of 21 on loopback.)
  const auto target_frames = static_cast<std::size_t>(stats_.target_delay_ms / config_.frame_ms);
  over_target_ticks_ = depth() > target_frames ? over_target_ticks_ + 1 : 0;
  if (over_target_ticks_ >= kDriftTicks) {
    over_target_ticks_ = 0;
    if (const std::size_t skip = findSlot(next_ts_); skip != kNone) {
      release(skip);
    }
    next_ts_ += frame_ts_;
    ++stats_.dropped_for_drift;
  }
  // Packets that can no longer play (their time has passed) are let go; of the rest, the
  // oldest within this frame plays.
  std::size_t chosen = kNone;
  forEachUsed(used_, [&](std::size_t i) {
    if (ts_[i] < next_ts_) {
      release(i);
      ++stats_.late;
    } else if (ts_[i] < next_ts_ + frame_ts_ && (chosen == kNone || ts_[i] < ts_[chosen])) {
      chosen = i;
    }
  });
  if (chosen != kNone) {
    next_ts_ = ts_[chosen] + frame_ts_;
  } else if (used_ != 0 || popped_duration_ <= frame_ts_) {
    next_ts_ += frame_ts_;
  }
  // else: a sender of long packets whose next one is a little late. Waiting a frame for it
  // (concealing meanwhile) costs 20 ms of delay; skipping ahead would throw the whole packet
  // away when it arrives.
  if (chosen == kNone) {
    ++stats_.concealed;
    if (++missing_in_row_ >= kMissingBeforeRebuffer && used_ == 0) {
      playing_ = false;  // silence or DTX: start again with the next talk burst
      stats_.concealed -= static_cast<std::uint64_t>(missing_in_row_);
    }
    return std::nullopt;
  }
  missing_in_row_ = 0;
  frames_since_raise_ = std::min(frames_since_raise_ + 1, kFramesBetweenRaises);
  if (late_extra_ms_ > 0 && ++calm_frames_ >= kCalmFramesBeforeShrink) {
    calm_frames_ = 0;  // the drift check then lets the buffer drain to the smaller target
    late_extra_ms_ -= config_.frame_ms;
  }
  stats_.last_wait_ms = static_cast<double>(now_us - slots_[chosen].arrival_us) / 1000.0;
  return take(chosen);
}

Frame JitterBuffer::take(std::size_t i) {
  popped_ts_ = ts_[i];
  release(i);
  setPoppedDuration(slots_[i].duration_ts);  // a duration push() was told: the next is due after it
  return frameAt(i);
}

Frame JitterBuffer::frameAt(std::size_t i) const {
  const Slot& slot = slots_[i];
  return Frame{slot.header, std::span<const std::uint8_t>(payloads_[i].data(), slot.size),
               slot.duration_ts};
}

std::size_t JitterBuffer::nextSlot() const { return playing_ ? findSlot(next_ts_) : kNone; }

std::optional<Frame> JitterBuffer::popContinuation() {
  const std::size_t next = nextSlot();
  if (next == kNone) {
    return std::nullopt;
  }
  next_ts_ = ts_[next] + frame_ts_;
  return take(next);
}

std::optional<Frame> JitterBuffer::peekNext() const {
  const std::size_t next = nextSlot();
  if (next == kNone) {
    return std::nullopt;
  }
  return frameAt(next);
}

// After a stall (ours, or a burst from the network) the buffer can hold more than the most
// delay we allow: play on from the newest target's worth, not from a backlog the listener
// would hear late until the drift check had drained it a frame a second.
void JitterBuffer::dropBacklog() {
  const std::int64_t max_ts =
      static_cast<std::int64_t>(config_.max_delay_ms) * config_.clock_rate / 1000;
  // The newest packet held is the newest accepted (last_ext_ts_): nothing plays ahead of it.
  if (used_ == 0 || !last_ext_ts_ || *last_ext_ts_ - next_ts_ <= max_ts) {
    return;
  }
  const std::int64_t keep_ts =
      static_cast<std::int64_t>(stats_.target_delay_ms) * config_.clock_rate / 1000;
  forEachUsed(used_, [&](std::size_t i) {
    if (*last_ext_ts_ - ts_[i] >= keep_ts) {
      release(i);
      ++stats_.dropped_backlog;
    }
  });
  if (const std::size_t first = oldest(); first != kNone) {
    next_ts_ = ts_[first];
  }
}

void JitterBuffer::setPoppedDuration(std::int64_t duration_ts) {
  if (playing_ && duration_ts > 0) {
    next_ts_ = popped_ts_ + duration_ts;
    popped_duration_ = duration_ts;
  }
}

}  // namespace mcu::mixer::rtp
