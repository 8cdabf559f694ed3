#include "mcu/common/timer_loop.h"

namespace mcu {

void TimerLoop::post(std::function<void()> task) {
  {
    const std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

bool TimerLoop::isInLoopThread() const { return std::this_thread::get_id() == thread_id_.load(); }

void TimerLoop::quit() {
  {
    const std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_one();
}

void TimerLoop::run() {
  thread_id_ = std::this_thread::get_id();
  std::unique_lock lock(mutex_);
  while (!quit_) {
    if (tasks_.empty()) {
      if (const auto due = nextTimerDue()) {
        wake_.wait_until(lock, *due, [this] { return quit_ || !tasks_.empty(); });
      } else {
        wake_.wait(lock, [this] { return quit_ || !tasks_.empty(); });
      }
    }
    std::deque<std::function<void()>> batch;
    batch.swap(tasks_);
    lock.unlock();
    for (auto& task : batch) {
      task();
    }
    runDueTimers(std::chrono::steady_clock::now());
    lock.lock();
  }
  thread_id_ = std::thread::id();
}

}  // namespace mcu
