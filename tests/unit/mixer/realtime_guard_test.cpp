// RealtimeGuard with the test's clocks: a media thread under SCHED_FIFO gives it up when it
// uses most of its core over a second, and takes it again only after a calm spell.
#include "mixer/engine/realtime_guard.h"

#include <gtest/gtest.h>

#include <chrono>

namespace mcu::mixer {
namespace {

using namespace std::chrono_literals;
using Action = RealtimeGuard::Action;

class RealtimeGuardTest : public ::testing::Test {
 protected:
  // Advances the clocks by `step`, `share` of it on the CPU, and observes.
  Action run(std::chrono::milliseconds step, double share, bool realtime) {
    wall_ += step;
    cpu_ += std::chrono::duration_cast<RealtimeGuard::Duration>(step * share);
    return guard_.observe(wall_, cpu_, realtime);
  }
  // Samples every 200 ms for `span`; the actions other than kNone, in order.
  std::vector<Action> runFor(std::chrono::milliseconds span, double share, bool realtime) {
    std::vector<Action> actions;
    for (auto t = 0ms; t < span; t += 200ms) {
      if (const Action a = run(200ms, share, realtime); a != Action::kNone) {
        actions.push_back(a);
        realtime = a == Action::kResume;
      }
    }
    return actions;
  }
  RealtimeGuard guard_;
  RealtimeGuard::Duration wall_ = 100s;
  RealtimeGuard::Duration cpu_ = 3s;
};

TEST_F(RealtimeGuardTest, AThreadWithinItsShareKeepsSchedFifo) {
  EXPECT_TRUE(runFor(30s, 0.75, true).empty());
  EXPECT_NEAR(guard_.lastShare(), 0.75, 0.01);
}

TEST_F(RealtimeGuardTest, AThreadOverItsShareForASecondGivesItUp) {
  EXPECT_TRUE(runFor(5s, 0.2, true).empty());
  // Three samples at full load are 0.6 s of the last second, 68 % with the rest: not yet.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(run(200ms, 1.0, true), Action::kNone) << "sample " << i;
  }
  // Four: 84 %.
  EXPECT_EQ(run(200ms, 1.0, true), Action::kDrop);
  EXPECT_NEAR(guard_.lastShare(), 0.84, 0.01);
}

TEST_F(RealtimeGuardTest, OneLongStallBetweenSamplesIsJudgedOnItsOwn) {
  // A thread that ran 1.5 s without reaching its timers (a long task) is judged as soon as it
  // does, on that stall, not diluted by the calm second before it.
  EXPECT_TRUE(runFor(5s, 0.1, true).empty());
  EXPECT_EQ(run(1500ms, 1.0, true), Action::kDrop);
}

TEST_F(RealtimeGuardTest, ItTakesSchedFifoAgainOnlyAfterFiveCalmSeconds) {
  EXPECT_TRUE(runFor(2s, 0.1, true).empty());
  ASSERT_EQ(runFor(1s, 1.0, true), std::vector<Action>{Action::kDrop});
  // Still busy while dropped: it stays under the normal scheduler.
  EXPECT_TRUE(runFor(10s, 0.6, false).empty());
  // Calm, but the busy second must leave the window first, then 5 s must pass.
  EXPECT_TRUE(runFor(5s, 0.3, false).empty());
  EXPECT_EQ(runFor(1200ms, 0.3, false), std::vector<Action>{Action::kResume});
}

TEST_F(RealtimeGuardTest, ACalmSpellThatIsInterruptedStartsAgain) {
  EXPECT_TRUE(runFor(2s, 0.1, true).empty());
  ASSERT_EQ(runFor(1s, 1.0, true), std::vector<Action>{Action::kDrop});
  EXPECT_TRUE(runFor(5s, 0.3, false).empty());  // the busy second leaves the window here
  EXPECT_TRUE(runFor(2s, 0.9, false).empty());  // busy again before 5 calm seconds
  EXPECT_TRUE(runFor(5s, 0.3, false).empty());  // the spell counts from the start again
  EXPECT_EQ(runFor(2s, 0.3, false), std::vector<Action>{Action::kResume});
}

TEST_F(RealtimeGuardTest, AThreadThatNeverHadSchedFifoIsNeverToldToTakeIt) {
  // Refused at start (no CAP_SYS_NICE): calm or not, there is nothing to take back.
  EXPECT_TRUE(runFor(30s, 0.1, false).empty());
  EXPECT_TRUE(runFor(3s, 0.95, false).empty());
}

}  // namespace
}  // namespace mcu::mixer
