#include "mixer/engine/room_link.h"

#include <utility>

namespace mcu::mixer {

void RoomLink::join(int thread, std::int64_t first_tick) {
  {
    const std::lock_guard lock(mutex_);
    shards_[thread] = Slot{.first_tick = first_tick, .input = {}};
  }
  changed_.notify_all();
}

void RoomLink::leave(int thread) {
  {
    const std::lock_guard lock(mutex_);
    shards_.erase(thread);
  }
  changed_.notify_all();
}

void RoomLink::publishInput(int thread, ShardInput& input) {
  {
    const std::lock_guard lock(mutex_);
    const auto it = shards_.find(thread);
    if (it == shards_.end()) {
      return;
    }
    std::swap(it->second.input, input);
  }
  changed_.notify_all();
}

bool RoomLink::inputsReady(std::int64_t tick) const {
  for (const auto& [thread, slot] : shards_) {
    if (slot.first_tick <= tick && slot.input.tick < tick) {
      return false;
    }
  }
  return true;
}

bool RoomLink::gather(std::int64_t tick, Clock::time_point deadline, std::vector<ShardInput>& out) {
  std::unique_lock lock(mutex_);
  const bool ready = changed_.wait_until(lock, deadline, [&] { return inputsReady(tick); });
  out.resize(shards_.size());
  std::size_t i = 0;
  for (auto& [thread, slot] : shards_) {
    ShardInput& copy = out[i++];
    copy.tick = slot.input.tick;
    copy.levels = slot.input.levels;
    copy.ssrcs = slot.input.ssrcs;
    // A shard that missed the last deadline has its frames mixed in this tick, one frame late,
    // rather than lost: under CPU starvation a shard can be late every tick by a few ms, and
    // dropping its frames made its talkers heard in under half the frames. Frames are mixed
    // once (never repeated) and at most one tick late (older audio is a jump, not speech).
    if (slot.input.tick > slot.mixed_tick && slot.input.tick >= tick - 1) {
      copy.frames = slot.input.frames;
      slot.mixed_tick = slot.input.tick;
    } else {
      copy.frames.clear();
    }
  }
  return ready;
}

void RoomLink::publishMix(const MixOutput& mix) {
  {
    const std::lock_guard lock(mutex_);
    mix_ = mix;
  }
  changed_.notify_all();
}

bool RoomLink::awaitMix(std::int64_t tick, Clock::time_point deadline, MixOutput& out) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_until(lock, deadline, [&] { return mix_.tick >= tick; })) {
    return false;
  }
  out = mix_;
  return true;
}

}  // namespace mcu::mixer
