// A loop run by the thread that calls run() (the server's main thread): posted tasks and
// timers, nothing else. It holds the housekeeping that must not delay SIP (the TCP sweep walks
// every descriptor of the process, malloc_trim can take milliseconds) and waits for the
// signal or failure that ends the server, instead of polling for it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "mcu/common/timed_loop.h"

namespace mcu {

class TimerLoop final : public TimedLoop {
 public:
  void post(std::function<void()> task) override;
  bool isInLoopThread() const override;

  // Runs tasks and timers on the calling thread until quit().
  void run();
  // Any thread: run() returns once the task or timer running now (if any) is done.
  void quit();

 private:
  std::atomic<std::thread::id> thread_id_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  bool quit_ = false;                        // guarded by mutex_
};

}  // namespace mcu
