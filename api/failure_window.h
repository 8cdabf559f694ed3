// Failed authentications per client address over a sliding window, bounded in memory: at most
// `max_failures` times per address and `max_addresses` addresses (a scan from 50,000
// addresses added 29.6 MB for good before). Not thread-safe: the Authenticator locks it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace mcu::api {

class FailureWindow {
 public:
  using Clock = std::chrono::steady_clock;
  FailureWindow(int max_failures, std::chrono::seconds window, std::size_t max_addresses = 10'000)
      : max_failures_(max_failures), window_(window), max_addresses_(max_addresses) {}

  // True when `address` has had max_failures within the window (it is to get 429).
  bool limited(const std::string& address, Clock::time_point now);
  // Counts a failure; true when this one put the address over the limit (worth a log line).
  bool record(const std::string& address, Clock::time_point now);
  std::size_t addresses() const { return failures_.size(); }

 private:
  void forgetOld(Clock::time_point now);

  int max_failures_;
  std::chrono::seconds window_;
  std::size_t max_addresses_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
  std::deque<std::string> order_;  // addresses in the order they were first seen
  Clock::time_point last_sweep_{};
};

}  // namespace mcu::api
