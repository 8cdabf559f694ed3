// Where a slow media tick's time went, in the log: each tick marks the end of its phases
// (read the packets, pull every stream, mix, relay, send), and one longer than the threshold
// is written out with them, with how late it started and when (CLOCK_MONOTONIC, which other
// tools on the host read too: a probe of the machine's own stalls can be set beside it). At
// most one line a second per media thread, saying how many slow ticks it stands for: the log
// is written from the media thread, and a room that is simply too large for the machine
// would otherwise write one every tick.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace mcu::mixer {

class SlowTickReport {
 public:
  enum class Phase : std::uint8_t { kPoll, kPull, kMix, kRelay, kFlush };

  // `threshold_ms` 0: nothing is timed or written.
  SlowTickReport(int thread_index, double threshold_ms)
      : thread_index_(thread_index), threshold_ms_(threshold_ms) {}

  bool on() const { return threshold_ms_ > 0; }
  // At the tick's start; `due`: when it should have started.
  void start(std::chrono::steady_clock::time_point started,
             std::chrono::steady_clock::time_point due);
  void mark(Phase phase);
  // At its end, with its length; writes the line when it is due.
  void finish(double tick_ms);

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kPhases = 5;

  int thread_index_;
  double threshold_ms_;
  Clock::time_point started_{};
  Clock::time_point last_mark_{};
  double late_start_ms_ = 0;
  std::array<double, kPhases> phase_ms_{};
  Clock::time_point last_line_{};
  std::uint64_t unreported_ = 0;  // slow ticks since the last line
};

}  // namespace mcu::mixer
