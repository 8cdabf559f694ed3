// Requests per key (a source address) as a token bucket: `rate` a second, bursts up to
// `burst`, in constant memory per key and at most `max_keys` keys. Kamailio's pike does this
// in front of a proxy; we do it for the requests that make new work (INVITE, OPTIONS, REFER
// outside a dialog), so that a flood from one address is answered 503 cheaply and other
// callers, and the calls already up, are not starved (issue 11 item 7).
// Not thread-safe: the SIP control thread owns it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace mcu {

class RequestLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // rate <= 0: never limits.
  RequestLimiter(double rate, double burst, std::size_t max_keys = 65'536);

  // Spends one token of `key`; false when it has none (refuse the request).
  bool allow(const std::string& key, Clock::time_point now);
  std::size_t keys() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  void sweep(Clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace mcu
