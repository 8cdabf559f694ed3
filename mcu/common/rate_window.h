// Events per key (a client address) over a sliding window, bounded in memory: at most
// `max_events` times per key and `max_keys` keys. Failed API authentications use it (a scan
// from 50,000 addresses added 29.6 MB for good before), and so do rooms created by INVITE per
// source. Not thread-safe: its owner locks it or keeps it on one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace mcu {

class RateWindow {
 public:
  using Clock = std::chrono::steady_clock;
  RateWindow(int max_events, std::chrono::seconds window, std::size_t max_keys = 10'000)
      : max_events_(max_events), window_(window), max_keys_(max_keys) {}

  // True when `address` has had max_events within the window.
  bool limited(const std::string& address, Clock::time_point now);
  // Counts an event; true when this one put the address at the limit (worth a log line).
  bool record(const std::string& address, Clock::time_point now);
  // Counts an event unless the address is at its limit already; false then.
  bool tryRecord(const std::string& address, Clock::time_point now) {
    if (limited(address, now)) {
      return false;
    }
    record(address, now);
    return true;
  }
  std::size_t addresses() const { return events_.size(); }

 private:
  void forgetOld(Clock::time_point now);

  int max_events_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> events_;
  std::deque<std::string> order_;  // addresses in the order they were first seen
  Clock::time_point last_sweep_{};
};

}  // namespace mcu
