// Time as the control plane reads it: deadlines (a PIN, a room look-up, Timer H, an RFC 4028
// session) are taken from a Clock handed in, never from std::chrono directly, so that a test
// can run them in simulated time (tests/support/manual_clock.h) instead of sleeping through
// them. What runs code at a time is a loop's timer (loop.h); what a deadline means is this.
#pragma once

#include <chrono>

namespace mcu {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The process's clock: std::chrono::steady_clock. Lives for the whole program.
const Clock& steadyClock();

}  // namespace mcu
