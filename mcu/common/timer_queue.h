// The timers of one loop (Loop::runAfter/runEvery), kept by due time. Not thread-safe: each
// loop touches its queue on its own thread only, and asks its waiting primitive (su_timer,
// a condition variable) to wake it at nextDue().
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>

#include "mcu/common/loop.h"

namespace mcu {

class TimerQueue {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `period` zero: runs once at `due`; otherwise at `due` and every period after it.
  void add(Loop::TimerId id, TimePoint due, std::chrono::milliseconds period,
           std::function<void()> task);
  void cancel(Loop::TimerId id);
  std::optional<TimePoint> nextDue() const;
  // Runs each timer due at `now` once, in due order. A task may add or cancel timers (itself
  // too); one added now for now runs in the next call, so a zero period cannot spin here.
  void runDue(TimePoint now);
  std::size_t size() const { return by_id_.size(); }

 private:
  struct Timer {
    std::chrono::milliseconds period;
    std::function<void()> task;
  };
  std::multimap<TimePoint, Loop::TimerId> by_due_;
  std::unordered_map<Loop::TimerId,
                     std::pair<std::multimap<TimePoint, Loop::TimerId>::iterator, Timer>>
      by_id_;
};

}  // namespace mcu
