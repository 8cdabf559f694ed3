// The timers of a loop, run in simulated time: due times are handed in, nothing sleeps.
#include "mcu/common/timer_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace mcu {
namespace {

using namespace std::chrono_literals;
using TimePoint = TimerQueue::TimePoint;

class TimerQueueTest : public ::testing::Test {
 protected:
  TimePoint at(std::chrono::milliseconds ms) const { return t0_ + ms; }
  std::function<void()> note(const std::string& what) {
    return [this, what] { ran_ += what; };
  }
  const TimePoint t0_{std::chrono::hours(1)};
  TimerQueue queue_;
  std::string ran_;
};

TEST_F(TimerQueueTest, OneShotsRunOnceInDueOrderAndNotBefore) {
  queue_.add(1, at(30ms), 0ms, note("c"));
  queue_.add(2, at(10ms), 0ms, note("a"));
  queue_.add(3, at(20ms), 0ms, note("b"));
  EXPECT_EQ(queue_.nextDue(), at(10ms));
  queue_.runDue(at(9ms));
  EXPECT_EQ(ran_, "");
  queue_.runDue(at(25ms));
  EXPECT_EQ(ran_, "ab");
  queue_.runDue(at(100ms));
  queue_.runDue(at(200ms));
  EXPECT_EQ(ran_, "abc");
  EXPECT_EQ(queue_.nextDue(), std::nullopt);
}

TEST_F(TimerQueueTest, PeriodicRunsEachPeriodAndOnceWhenLate) {
  queue_.add(1, at(100ms), 100ms, note("x"));
  queue_.runDue(at(100ms));
  queue_.runDue(at(200ms));
  EXPECT_EQ(ran_, "xx");
  // 550 ms late: once, then back on the 100 ms grid.
  queue_.runDue(at(750ms));
  EXPECT_EQ(ran_, "xxx");
  EXPECT_EQ(queue_.nextDue(), at(800ms));
}

TEST_F(TimerQueueTest, CancelledTimersNeverRunEvenFromATaskOfTheSameRound) {
  queue_.add(1, at(10ms), 0ms, [this] {
    ran_ += "a";
    queue_.cancel(2);
  });
  queue_.add(2, at(10ms), 0ms, note("b"));
  queue_.add(3, at(10ms), 10ms, [this] {
    ran_ += "p";
    queue_.cancel(3);  // a periodic timer may end itself
  });
  queue_.runDue(at(10ms));
  queue_.runDue(at(50ms));
  EXPECT_EQ(ran_, "ap");
  EXPECT_EQ(queue_.size(), 0U);
  queue_.cancel(42);  // unknown: nothing happens
}

TEST_F(TimerQueueTest, ATimerAddedByATaskForNowWaitsForTheNextRound) {
  queue_.add(1, at(10ms), 0ms, [this] {
    ran_ += "a";
    queue_.add(2, at(10ms), 0ms, note("b"));
  });
  queue_.runDue(at(10ms));
  EXPECT_EQ(ran_, "a");
  queue_.runDue(at(10ms));
  EXPECT_EQ(ran_, "ab");
}

}  // namespace
}  // namespace mcu
