#include "api/failure_window.h"

namespace mcu::api {

bool FailureWindow::limited(const std::string& address, Clock::time_point now) {
  const auto it = failures_.find(address);
  if (it == failures_.end()) {
    return false;
  }
  auto& times = it->second;
  while (!times.empty() && now - times.front() > window_) {
    times.pop_front();
  }
  if (times.empty()) {
    failures_.erase(it);
    return false;
  }
  return static_cast<int>(times.size()) >= max_failures_;
}

bool FailureWindow::record(const std::string& address, Clock::time_point now) {
  const bool known = failures_.contains(address);
  if (!known && failures_.size() >= max_addresses_) {
    if (now - last_sweep_ > window_) {
      forgetOld(now);  // at most once a window: O(addresses)
    }
    // Still full of addresses failing now: the one that came first makes room (bounded memory
    // beats remembering one more guesser; each is still slowed by its own window). O(1).
    while (failures_.size() >= max_addresses_ && !order_.empty()) {
      failures_.erase(order_.front());
      order_.pop_front();
    }
  }
  if (!known) {
    order_.push_back(address);
    if (order_.size() > 2 * max_addresses_) {
      order_.clear();  // entries forgotten by limited() piled up: rebuild from what is kept
      for (const auto& [kept, times] : failures_) {
        order_.push_back(kept);
      }
    }
  }
  auto& times = failures_[address];
  times.push_back(now);
  while (static_cast<int>(times.size()) > max_failures_) {
    times.pop_front();  // only the last max_failures matter
  }
  return static_cast<int>(times.size()) == max_failures_ && now - times.front() <= window_;
}

void FailureWindow::forgetOld(Clock::time_point now) {
  last_sweep_ = now;
  for (auto it = failures_.begin(); it != failures_.end();) {
    it = now - it->second.back() > window_ ? failures_.erase(it) : std::next(it);
  }
}

}  // namespace mcu::api
