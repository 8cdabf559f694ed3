// The process's CPU use against a budget (config rooms.cpu_budget_percent), sampled about
// once a second by the main thread. Over the budget, new calls are refused until use falls
// back under 90 % of it (the gap keeps it from flapping).
#pragma once

#include <chrono>
#include <optional>

namespace mcu::app {

class CpuBudget {
 public:
  explicit CpuBudget(int percent_of_one_core) : budget_(percent_of_one_core) {}
  // The new overload state when it changed since the last sample; nullopt otherwise.
  std::optional<bool> sample(std::chrono::steady_clock::time_point now);

 private:
  int budget_;
  bool over_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_wall_;
  double last_cpu_s_ = 0.0;
};

}  // namespace mcu::app
