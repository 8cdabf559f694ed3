// A thread that owns some state and runs tasks posted to it. post() and the timer calls are
// the only calls other threads may make; everything else on a loop-owned object runs on the
// loop's own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

namespace mcu {

class Loop {
 public:
  // 0 is never a timer.
  using TimerId = std::uint64_t;

  virtual ~Loop() = default;
  virtual void post(std::function<void()> task) = 0;
  virtual bool isInLoopThread() const = 0;

  // Timers run on the loop's thread, like posted tasks. runEvery's period is measured from
  // each run's due time, and a loop that fell behind runs a late timer once, not once per
  // period missed (housekeeping, not a metronome). cancel() of a timer that already ran (or
  // of 0) does nothing; after cancel() returns on the loop's thread the timer never runs.
  virtual TimerId runAfter(std::chrono::milliseconds delay, std::function<void()> task) = 0;
  virtual TimerId runEvery(std::chrono::milliseconds period, std::function<void()> task) = 0;
  virtual void cancel(TimerId id) = 0;

 protected:
  // Runs `task` now when called on the loop's thread, else posts it there.
  void onLoopThread(std::function<void()> task) {
    if (isInLoopThread()) {
      task();
    } else {
      post(std::move(task));
    }
  }
};

}  // namespace mcu
