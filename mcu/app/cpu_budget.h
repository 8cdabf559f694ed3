// The process's CPU use against a budget (config rooms.cpu_budget_percent), sampled about
// once a second by the main thread. Over the budget, new calls are refused until use falls
// back under 90 % of it (the gap keeps it from flapping).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace mcu::app {

// User plus system CPU time of this process, in seconds.
double processCpuSeconds();

class CpuBudget {
 public:
  // `cpu_seconds`: the CPU time used so far (the process's, by default); a test hands in its
  // own reading, so that no verdict depends on how busy the machine is.
  explicit CpuBudget(int percent_of_one_core,
                     std::function<double()> cpu_seconds = processCpuSeconds)
      : budget_(percent_of_one_core), cpu_seconds_(std::move(cpu_seconds)) {}
  // The new overload state when it changed since the last sample; nullopt otherwise.
  std::optional<bool> sample(std::chrono::steady_clock::time_point now);

 private:
  int budget_;
  std::function<double()> cpu_seconds_;
  bool over_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_wall_;
  double last_cpu_s_ = 0.0;
};

}  // namespace mcu::app
