#include "mixer/engine/slow_tick_report.h"

#include "mcu/common/log.h"

namespace mcu::mixer {
namespace {

double msBetween(std::chrono::steady_clock::time_point from,
                 std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// The log takes whole numbers: microseconds.
std::int64_t us(double ms) { return static_cast<std::int64_t>(ms * 1000.0); }

}  // namespace

void SlowTickReport::start(Clock::time_point started, Clock::time_point due) {
  if (!on()) {
    return;
  }
  started_ = last_mark_ = started;
  late_start_ms_ = msBetween(due, started);
  phase_ms_.fill(0);
}

void SlowTickReport::mark(Phase phase) {
  if (!on()) {
    return;
  }
  const auto now = Clock::now();
  phase_ms_[static_cast<std::size_t>(phase)] += msBetween(last_mark_, now);
  last_mark_ = now;
}

void SlowTickReport::finish(double tick_ms) {
  if (!on() || tick_ms <= threshold_ms_) {
    return;
  }
  ++unreported_;
  const auto now = Clock::now();
  if (last_line_ != Clock::time_point{} && now - last_line_ < std::chrono::seconds(1)) {
    return;
  }
  log::warn("media", "slow_tick")
      .kv("thread", thread_index_)
      .kv("us", us(tick_ms))
      .kv("late_start_us", us(late_start_ms_))
      .kv("poll_us", us(phase_ms_[0]))
      .kv("pull_us", us(phase_ms_[1]))
      .kv("mix_us", us(phase_ms_[2]))
      .kv("relay_us", us(phase_ms_[3]))
      .kv("flush_us", us(phase_ms_[4]))
      .kv("started_monotonic_us", us(msBetween(Clock::time_point{}, started_)))
      .kv("slow_ticks", unreported_);
  unreported_ = 0;
  last_line_ = now;
}

}  // namespace mcu::mixer
