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

Loop::TimerId TimerLoop::runAfter(std::chrono::milliseconds delay, std::function<void()> task) {
  return schedule(delay, std::chrono::milliseconds::zero(), std::move(task));
}

Loop::TimerId TimerLoop::runEvery(std::chrono::milliseconds period, std::function<void()> task) {
  return schedule(period, period, std::move(task));
}

Loop::TimerId TimerLoop::schedule(std::chrono::milliseconds delay, std::chrono::milliseconds period,
                                  std::function<void()> task) {
  const TimerId id = next_id_++;
  const auto due = std::chrono::steady_clock::now() + delay;
  onLoopThread([this, id, due, period, task = std::move(task)]() mutable {
    timers_.add(id, due, period, std::move(task));
  });
  return id;
}

void TimerLoop::cancel(TimerId id) {
  onLoopThread([this, id] { timers_.cancel(id); });
}

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
      if (const auto due = timers_.nextDue()) {
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
    timers_.runDue(std::chrono::steady_clock::now());
    lock.lock();
  }
  thread_id_ = std::thread::id();
}

}  // namespace mcu
