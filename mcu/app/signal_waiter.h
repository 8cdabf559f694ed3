// Waits for the blocked signals (SIGINT, SIGTERM) on a thread of its own and hands each to a
// callback, which posts to the main loop: the main thread sleeps in its loop instead of
// polling sigtimedwait() every 100 ms.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace mcu::app {

class SignalWaiter {
 public:
  // `signals` must be blocked in every thread already (the mask is inherited), so only
  // sigwait() here takes them.
  SignalWaiter(const sigset_t& signals, std::function<void(int)> on_signal);
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;
  ~SignalWaiter();
  // No callback after this returns; the thread has ended.
  void stop();

 private:
  sigset_t signals_;
  std::function<void(int)> on_signal_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mcu::app
