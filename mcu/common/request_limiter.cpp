#include "mcu/common/request_limiter.h"

#include <algorithm>

namespace mcu {

RequestLimiter::RequestLimiter(double rate, double burst, std::size_t max_keys)
    : rate_(rate), burst_(std::max(1.0, burst)), max_keys_(std::max<std::size_t>(1, max_keys)) {}

bool RequestLimiter::allow(const std::string& key, Clock::time_point now) {
  if (rate_ <= 0) {
    return true;
  }
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      sweep(now);
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  b.last = now;
  if (b.tokens < 1.0) {
    return false;
  }
  b.tokens -= 1.0;
  return true;
}

void RequestLimiter::sweep(Clock::time_point now) {
  // A bucket that has refilled is the same as no bucket: forget those first.
  const auto refill = std::chrono::duration<double>(burst_ / rate_);
  std::erase_if(buckets_, [&](const auto& entry) {
    return entry.second.tokens + (now - entry.second.last) / refill * burst_ >= burst_;
  });
  // Still full (a spoofed-address flood): make room for many at once, so that the sweep runs
  // once per max_keys/8 new addresses, not for each. A forgotten address starts again with a
  // full bucket, so whom we forget matters little.
  const std::size_t target = max_keys_ - std::max<std::size_t>(1, max_keys_ / 8);
  while (buckets_.size() > target) {
    buckets_.erase(buckets_.begin());
  }
}

}  // namespace mcu
