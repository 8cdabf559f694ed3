// The timers of a loop that runs its own thread: runAfter/runEvery/cancel from any thread, kept
// in a TimerQueue that only the loop's thread touches. The control loop (an su_timer), the main
// loop (a condition variable) and the media threads (their 20 ms tick) differ only in what
// wakes them for the next due timer: timersChanged() tells them when that may have moved, and
// they call runDueTimers() when they wake.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>

#include "mcu/common/loop.h"
#include "mcu/common/timer_queue.h"

namespace mcu {

class TimedLoop : public Loop {
 public:
  TimerId runAfter(std::chrono::milliseconds delay, std::function<void()> task) final;
  TimerId runEvery(std::chrono::milliseconds period, std::function<void()> task) final;
  void cancel(TimerId id) final;

 protected:
  // Loop thread only.
  void runDueTimers(std::chrono::steady_clock::time_point now);
  std::optional<std::chrono::steady_clock::time_point> nextTimerDue() const;
  // Loop thread, after a timer was added, cancelled or run: the next due time may have moved.
  virtual void timersChanged() {}

 private:
  TimerId schedule(std::chrono::milliseconds delay, std::chrono::milliseconds period,
                   std::function<void()> task);

  std::atomic<TimerId> next_id_{1};
  TimerQueue timers_;  // loop thread only
};

}  // namespace mcu
