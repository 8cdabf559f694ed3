#include "mcu/common/timed_loop.h"

#include <utility>

namespace mcu {

Loop::TimerId TimedLoop::runAfter(std::chrono::milliseconds delay, std::function<void()> task) {
  return schedule(delay, std::chrono::milliseconds::zero(), std::move(task));
}

Loop::TimerId TimedLoop::runEvery(std::chrono::milliseconds period, std::function<void()> task) {
  return schedule(period, period, std::move(task));
}

Loop::TimerId TimedLoop::schedule(std::chrono::milliseconds delay, std::chrono::milliseconds period,
                                  std::function<void()> task) {
  const TimerId id = next_id_++;
  const auto due = std::chrono::steady_clock::now() + delay;
  onLoopThread([this, id, due, period, task = std::move(task)]() mutable {
    timers_.add(id, due, period, std::move(task));
    timersChanged();
  });
  return id;
}

void TimedLoop::cancel(TimerId id) {
  onLoopThread([this, id] {
    timers_.cancel(id);
    timersChanged();
  });
}

void TimedLoop::runDueTimers(std::chrono::steady_clock::time_point now) {
  timers_.runDue(now);
  timersChanged();
}

std::optional<std::chrono::steady_clock::time_point> TimedLoop::nextTimerDue() const {
  return timers_.nextDue();
}

}  // namespace mcu
