// The control thread: sofia-sip's su_root event loop, which owns nua and (in later issues) the
// conference state. Other threads reach it only through post(), which queues the task and wakes
// the loop through an eventfd registered with the root.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mcu/common/result.h"
#include "mcu/common/timed_loop.h"

struct su_root_s;   // sofia-sip's su_root_t, kept out of this header
struct su_timer_s;  // su_timer_t

namespace mcu::sip {

class ControlLoop final : public TimedLoop {
 public:
  using Setup = std::function<Result<void>(su_root_s* root)>;

  ControlLoop();
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;
  ~ControlLoop() override;

  // Starts the thread and runs `setup` on it before the loop; returns setup's problem, if any
  // (the thread has then ended).
  Result<void> start(Setup setup);
  void post(std::function<void()> task) override;
  bool isInLoopThread() const override;
  // Loop thread only: leave su_root_run() once the current callback returns.
  void quit();
  // Waits for the thread to end (after quit()).
  void join();

 private:
  void run(const Setup& setup, std::promise<Result<void>>& started);
  void drain();
  // The loop's timers wait on one su_timer, armed for the earliest of them.
  void timersChanged() override;

 public:
  // Called by the root when the eventfd is readable; runs the queued tasks.
  void wakeup();
  // Called by the root when the su_timer fires; runs the timers due.
  void timersDue();

 private:
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  su_root_s* root_ = nullptr;    // loop thread only
  su_timer_s* timer_ = nullptr;  // loop thread only
  int event_fd_ = -1;
  std::mutex mutex_;
  std::deque<std::function<void()>> tasks_;
};

}  // namespace mcu::sip
