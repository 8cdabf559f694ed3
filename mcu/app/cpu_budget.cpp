#include "mcu/app/cpu_budget.h"

#include <sys/resource.h>

#include "mcu/common/log.h"

namespace mcu::app {
double processCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::optional<bool> CpuBudget::sample(std::chrono::steady_clock::time_point now) {
  if (budget_ <= 0) {
    return std::nullopt;
  }
  const double cpu = cpu_seconds_();
  if (!last_wall_) {
    last_wall_ = now;
    last_cpu_s_ = cpu;
    return std::nullopt;
  }
  const double wall = std::chrono::duration<double>(now - *last_wall_).count();
  if (wall < 0.5) {
    return std::nullopt;
  }
  const double percent = 100.0 * (cpu - last_cpu_s_) / wall;
  last_wall_ = now;
  last_cpu_s_ = cpu;
  const bool over = over_ ? percent > 0.9 * budget_ : percent > budget_;
  if (over == over_) {
    return std::nullopt;
  }
  over_ = over;
  if (over) {
    log::warn("server", "cpu_budget_exceeded")
        .kv("cpu_percent", static_cast<std::int64_t>(percent))
        .kv("budget", budget_);
  } else {
    log::info("server", "cpu_budget_ok")
        .kv("cpu_percent", static_cast<std::int64_t>(percent))
        .kv("budget", budget_);
  }
  return over;
}

}  // namespace mcu::app
