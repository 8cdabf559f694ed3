#include "mcu/common/rate_window.h"

namespace mcu {

bool RateWindow::limited(const std::string& address, Clock::time_point now) {
  const auto it = events_.find(address);
  if (it == events_.end()) {
    return false;
  }
  auto& times = it->second;
  while (!times.empty() && now - times.front() > window_) {
    times.pop_front();
  }
  if (times.empty()) {
    events_.erase(it);
    return false;
  }
  return static_cast<int>(times.size()) >= max_events_;
}

bool RateWindow::record(const std::string& address, Clock::time_point now) {
  const bool known = events_.contains(address);
  if (!known && events_.size() >= max_keys_) {
    if (now - last_sweep_ > window_) {
      forgetOld(now);  // at most once a window: O(addresses)
    }
    // Still full of addresses failing now: the one that came first makes room (bounded memory
    // beats remembering one more guesser; each is still slowed by its own window). O(1).
    while (events_.size() >= max_keys_ && !order_.empty()) {
      events_.erase(order_.front());
      order_.pop_front();
    }
  }
  if (!known) {
    order_.push_back(address);
    if (order_.size() > 2 * max_keys_) {
      order_.clear();  // entries forgotten by limited() piled up: rebuild from what is kept
      for (const auto& [kept, times] : events_) {
        order_.push_back(kept);
      }
    }
  }
  auto& times = events_[address];
  times.push_back(now);
  while (static_cast<int>(times.size()) > max_events_) {
    times.pop_front();  // only the last max_events matter
  }
  return static_cast<int>(times.size()) == max_events_ && now - times.front() <= window_;
}

void RateWindow::forgetOld(Clock::time_point now) {
  last_sweep_ = now;
  for (auto it = events_.begin(); it != events_.end();) {
    it = now - it->second.back() > window_ ? events_.erase(it) : std::next(it);
  }
}

}  // namespace mcu
