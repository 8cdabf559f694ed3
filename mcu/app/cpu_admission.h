// Holds new calls back while the process uses more CPU than its budget: the budget is sampled
// once a second (a main-loop timer in Server::run), and each change of verdict is handed to
// the conference on its own (control) thread, where INVITEs get 503 + Retry-After and live
// calls keep their audio. Time and the CPU reading come in from outside, so the whole path
// runs in a test with a simulated clock and a CPU reading the test sets.
#pragma once

#include <atomic>

#include "mcu/app/cpu_budget.h"
#include "mcu/common/clock.h"
#include "mcu/common/loop.h"

namespace mcu::conference {
class Conference;
}

namespace mcu::app {

class CpuAdmission {
 public:
  // All three are borrowed and must outlive this.
  CpuAdmission(CpuBudget budget, const Clock& clock, Loop& control,
               conference::Conference& conference);
  // Any thread; the conference is only touched on `control`'s.
  void sample();
  // The last verdict (for /metrics, any thread).
  bool overloaded() const { return overloaded_.load(std::memory_order_relaxed); }

 private:
  // Owned.
  CpuBudget budget_;
  // Borrowed.
  const Clock& clock_;
  Loop& control_;
  conference::Conference& conference_;
  std::atomic<bool> overloaded_{false};
};

}  // namespace mcu::app
