// A Clock that moves only when the test says so (mediasoup's AdvanceTimeMs, Envoy's simulated
// time): deadlines of 30 s or 90 s are crossed by advance(), not waited for. Thread-safe, as
// the code under test reads it on its own threads.
#pragma once

#include <atomic>
#include <chrono>

#include "mcu/common/clock.h"

namespace mcu::test {

class ManualClock final : public Clock {
 public:
  // Starts at a fixed, arbitrary point (an hour after the steady clock's epoch).
  TimePoint now() const override { return TimePoint(std::chrono::nanoseconds(ns_.load())); }
  void advance(std::chrono::nanoseconds by) { ns_ += by.count(); }

 private:
  std::atomic<std::int64_t> ns_{std::chrono::nanoseconds(std::chrono::hours(1)).count()};
};

}  // namespace mcu::test
