// Loop timers on the two real loops (ControlLoop on su_timer, TimerLoop on a condition
// variable), in real time. Nothing asserts how late a timer may be (a busy machine decides
// that), only that it never runs early, runs on the loop's thread and stops when cancelled.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "mcu/common/timer_loop.h"
#include "mcu/sip/control_loop.h"

namespace mcu {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// Runs a loop on a thread of its own for the test.
class RunningTimerLoop {
 public:
  RunningTimerLoop() : thread_([this] { loop_.run(); }) {}
  ~RunningTimerLoop() {
    loop_.quit();
    thread_.join();
  }
  Loop& loop() { return loop_; }

 private:
  TimerLoop loop_;
  std::thread thread_;
};

class RunningControlLoop {
 public:
  RunningControlLoop() {
    EXPECT_TRUE(loop_.start([](su_root_s* /*root*/) { return Result<void>{}; }).ok());
  }
  ~RunningControlLoop() {
    loop_.post([this] { loop_.quit(); });
    loop_.join();
  }
  Loop& loop() { return loop_; }

 private:
  sip::ControlLoop loop_;
};

template <typename Running>
class LoopTimersTest : public ::testing::Test {
 protected:
  Running running_;
};

using Loops = ::testing::Types<RunningTimerLoop, RunningControlLoop>;
TYPED_TEST_SUITE(LoopTimersTest, Loops);

TYPED_TEST(LoopTimersTest, RunAfterRunsOnceOnTheLoopThreadNeverEarly) {
  Loop& loop = this->running_.loop();
  std::promise<std::pair<Steady::time_point, bool>> ran;
  const auto asked = Steady::now();
  loop.runAfter(40ms, [&] { ran.set_value({Steady::now(), loop.isInLoopThread()}); });
  auto result = ran.get_future();
  ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
  const auto [when, on_loop] = result.get();
  EXPECT_GE(when - asked, 40ms);
  EXPECT_TRUE(on_loop);
}

TYPED_TEST(LoopTimersTest, RunEveryRepeatsUntilCancelled) {
  Loop& loop = this->running_.loop();
  std::atomic<int> runs{0};
  std::promise<void> three;
  const auto id = loop.runEvery(10ms, [&] {
    if (++runs == 3) {
      three.set_value();
    }
  });
  ASSERT_EQ(three.get_future().wait_for(10s), std::future_status::ready);
  // Cancelled on the loop's thread: from the moment that task ran, it never runs again.
  std::promise<int> at_cancel;
  loop.post([&] {
    loop.cancel(id);
    at_cancel.set_value(runs.load());
  });
  const int counted = at_cancel.get_future().get();
  std::promise<void> later;
  loop.runAfter(60ms, [&] { later.set_value(); });
  ASSERT_EQ(later.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(runs.load(), counted);
}

TYPED_TEST(LoopTimersTest, AnEarlierTimerAddedLaterRunsFirst) {
  Loop& loop = this->running_.loop();
  std::mutex mutex;
  std::string order;
  std::promise<void> both;
  loop.runAfter(300ms, [&] {
    const std::lock_guard lock(mutex);
    order += "late";
    both.set_value();
  });
  loop.runAfter(10ms, [&] {
    const std::lock_guard lock(mutex);
    order += "early,";
  });
  ASSERT_EQ(both.get_future().wait_for(10s), std::future_status::ready);
  const std::lock_guard lock(mutex);
  EXPECT_EQ(order, "early,late");
}

}  // namespace
}  // namespace mcu
