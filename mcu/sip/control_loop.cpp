#include "mcu/sip/control_loop.h"

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "mcu/common/check.h"
#include "mcu/common/thread_priority.h"

namespace mcu::sip {
namespace {

int onEventFd(su_root_magic_t* /*magic*/, su_wait_t* /*wait*/, su_wakeup_arg_t* arg) {
  static_cast<ControlLoop*>(arg)->wakeup();
  return 0;
}

void onTimer(su_root_magic_t* /*magic*/, su_timer_t* /*timer*/, su_timer_arg_t* arg) {
  static_cast<ControlLoop*>(arg)->timersDue();
}

}  // namespace

ControlLoop::ControlLoop() {
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  MCU_CHECK(event_fd_ >= 0);
}

ControlLoop::~ControlLoop() {
  join();
  ::close(event_fd_);
}

Result<void> ControlLoop::start(Setup setup) {
  std::promise<Result<void>> started;
  auto result = started.get_future();
  thread_ = std::thread([this, setup = std::move(setup), &started] { run(setup, started); });
  auto outcome = result.get();
  if (!outcome) {
    thread_.join();
  }
  return outcome;
}

void ControlLoop::run(const Setup& setup, std::promise<Result<void>>& started) {
  runBelowMediaPriority();
  thread_id_ = std::this_thread::get_id();
  su_init();
  root_ = su_root_create(nullptr);
  if (root_ == nullptr) {
    su_deinit();
    started.set_value(Error{"su_root_create failed"});
    return;
  }
  // Run nua's stack on this very thread (one thread, not two): see STACK.md.
  su_root_threading(root_, 0);
  su_wait_t wait{};
  MCU_CHECK(su_wait_create(&wait, event_fd_, SU_WAIT_IN) == 0);
  const int registration = su_root_register(root_, &wait, &onEventFd, this, 0);
  MCU_CHECK(registration >= 0);
  if (auto set_up = setup(root_); !set_up) {
    su_root_deregister(root_, registration);
    su_root_destroy(root_);
    root_ = nullptr;
    su_deinit();
    started.set_value(std::move(set_up));
    return;
  }
  timer_ = su_timer_create(su_root_task(root_), 0);
  MCU_CHECK(timer_ != nullptr);
  started.set_value({});  // `started` is gone after this line
  su_root_run(root_);
  drain();  // tasks posted during shutdown still run: they may release resources
  su_timer_destroy(timer_);
  timer_ = nullptr;
  su_root_deregister(root_, registration);
  su_root_destroy(root_);
  root_ = nullptr;
  su_deinit();
}

void ControlLoop::wakeup() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(event_fd_, &count, sizeof count);
  drain();
}

void ControlLoop::drain() {
  std::deque<std::function<void()>> batch;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(tasks_);
  }
  for (auto& task : batch) {
    task();
  }
}

void ControlLoop::post(std::function<void()> task) {
  {
    const std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(event_fd_, &one, sizeof one);
}

void ControlLoop::timersDue() { runDueTimers(std::chrono::steady_clock::now()); }

// su_timer counts whole milliseconds: rounded up, so a timer never runs before its due time.
void ControlLoop::timersChanged() {
  if (timer_ == nullptr) {
    return;  // the loop is ending
  }
  const auto due = nextTimerDue();
  if (!due) {
    su_timer_reset(timer_);
    return;
  }
  const auto wait =
      std::chrono::ceil<std::chrono::milliseconds>(*due - std::chrono::steady_clock::now());
  su_timer_set_interval(timer_, &onTimer, this,
                        static_cast<su_duration_t>(std::max<std::int64_t>(0, wait.count())));
}

bool ControlLoop::isInLoopThread() const { return std::this_thread::get_id() == thread_id_.load(); }

void ControlLoop::quit() {
  MCU_CHECK(isInLoopThread());
  su_root_break(root_);
}

void ControlLoop::join() {
  if (thread_.joinable() && !isInLoopThread()) {
    thread_.join();
  }
}

}  // namespace mcu::sip
