// Counters of the HTTP listener for /metrics: requests by status class and a latency
// histogram. Updated by the HTTP worker threads with atomics only.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace mcu::api {

class HttpMetrics {
 public:
  void record(int status, std::chrono::nanoseconds duration);
  std::string render() const;

 private:
  static constexpr std::array<double, 9> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,  0.1,    0.25,  1.0};
  std::array<std::atomic<std::uint64_t>, 6> by_class_{};  // 0: other, 1..5: 1xx..5xx
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace mcu::api
