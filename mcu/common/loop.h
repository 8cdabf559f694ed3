// A thread that owns some state and runs tasks posted to it. post() is the only call other
// threads may make; everything else on a loop-owned object runs on the loop's own thread.
#pragma once

#include <functional>

namespace mcu {

class Loop {
 public:
  virtual ~Loop() = default;
  virtual void post(std::function<void()> task) = 0;
  virtual bool isInLoopThread() const = 0;
};

}  // namespace mcu
