// When a media thread under SCHED_FIFO must give it up, and when it may take it again.
//
// A SCHED_FIFO thread runs before every normal one on its core. That is what keeps a tick from
// being preempted half-way (media.realtime_priority), but a media thread that is overloaded
// (more callers than its core can mix) would then leave the SIP, HTTP and database threads only
// what the kernel's RT throttling keeps back (5 % of each second): an overloaded server would
// also stop answering its admins. So the thread watches its own CPU share over the last second,
// as RTKit's canary does for desktop audio threads: over kDropShare, it goes back to the normal
// scheduler; after kCalm under kResumeShare, it takes SCHED_FIFO again. Pure: the caller reads
// the clocks, a few times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace mcu::mixer {

class RealtimeGuard {
 public:
  using Duration = std::chrono::nanoseconds;
  static constexpr Duration kWindow = std::chrono::seconds(1);
  static constexpr double kDropShare = 0.8;
  static constexpr double kResumeShare = 0.5;
  static constexpr Duration kCalm = std::chrono::seconds(5);

  enum class Action : std::uint8_t { kNone, kDrop, kResume };

  // `wall` and `cpu`: the thread's monotonic and CPU clocks now; `realtime`: whether it runs
  // under SCHED_FIFO now. Says what to do, judged on the last second (none before a second of
  // samples).
  Action observe(Duration wall, Duration cpu, bool realtime);
  // The CPU share of the last second, as of the last observation (0 before one).
  double lastShare() const { return last_share_; }

 private:
  struct Sample {
    Duration wall;
    Duration cpu;
  };
  std::deque<Sample> samples_;  // the oldest spans at least kWindow to the newest
  double last_share_ = 0.0;
  bool dropped_ = false;                // it gave SCHED_FIFO up (and so may take it again)
  std::optional<Duration> calm_since_;  // dropped: since when the share is under kResumeShare
};

}  // namespace mcu::mixer
