// Waits for a condition rather than for a time: polls `condition` until it holds or `bound`
// has passed, and says which. The bound only limits a failing test; a passing one is as quick
// as the condition, however busy the machine is.
#pragma once

#include <chrono>
#include <thread>

namespace mcu::test {

template <typename Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds bound,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace mcu::test
