#include "mcu/common/timer_queue.h"

#include <vector>

namespace mcu {

void TimerQueue::add(Loop::TimerId id, TimePoint due, std::chrono::milliseconds period,
                     std::function<void()> task) {
  cancel(id);
  const auto at = by_due_.emplace(due, id);
  by_id_.emplace(id, std::make_pair(at, Timer{period, std::move(task)}));
}

void TimerQueue::cancel(Loop::TimerId id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return;
  }
  by_due_.erase(it->second.first);
  by_id_.erase(it);
}

std::optional<TimerQueue::TimePoint> TimerQueue::nextDue() const {
  if (by_due_.empty()) {
    return std::nullopt;
  }
  return by_due_.begin()->first;
}

void TimerQueue::runDue(TimePoint now) {
  // Taken out first: what the tasks add (even for `now`) waits for the next round.
  std::vector<std::pair<TimePoint, Loop::TimerId>> due;
  for (auto it = by_due_.begin(); it != by_due_.end() && it->first <= now; ++it) {
    due.emplace_back(it->first, it->second);
  }
  for (const auto& [when, id] : due) {
    const auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second.first->first != when) {
      continue;  // cancelled or re-added by an earlier task of this round
    }
    by_due_.erase(it->second.first);
    if (it->second.second.period.count() <= 0) {
      auto task = std::move(it->second.second.task);
      by_id_.erase(it);
      task();
      continue;
    }
    // Periodic: the next due time is a whole number of periods on, past `now` (a loop that
    // fell behind runs it once, not once per missed period).
    const auto period = it->second.second.period;
    auto next = when + period;
    if (next <= now) {
      next += ((now - next) / period + 1) * period;
    }
    it->second.first = by_due_.emplace(next, id);
    auto task = it->second.second.task;  // a copy: the task may cancel itself
    task();
  }
}

}  // namespace mcu
