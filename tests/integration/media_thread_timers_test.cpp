// A media thread is a Loop: timers run on it, between ticks, never before they are due, and a
// cancelled one no more. Real time, but no verdict depends on how busy the machine is: a busy
// machine only makes timers later, and the waits for them are long and bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "mixer/engine/media_thread.h"

namespace mcu::mixer {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Waits (10 s at most) until `done` says so.
template <typename Pred>
bool waitFor(Pred done) {
  const auto until = Clock::now() + 10s;
  while (!done() && Clock::now() < until) {
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

// Runs nothing on the thread and waits for it: what was posted or cancelled before has been
// applied.
void drain(MediaThread& thread) {
  std::promise<void> done;
  thread.post([&done] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(10s), std::future_status::ready);
}

TEST(MediaThreadTimersTest, ARunAfterRunsOnceOnTheMediaThreadAndNotBeforeItIsDue) {
  MediaThread thread(0, nullptr, false);
  std::promise<std::pair<Clock::time_point, bool>> ran;
  std::atomic<int> runs{0};
  const auto asked = Clock::now();
  thread.runAfter(60ms, [&] {
    if (runs++ == 0) {
      ran.set_value({Clock::now(), thread.isInLoopThread()});
    }
  });
  auto result = ran.get_future();
  ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
  const auto [when, on_thread] = result.get();
  EXPECT_TRUE(on_thread) << "timers run on the media thread";
  EXPECT_GE(when - asked, 60ms) << "not before it is due";
  drain(thread);
  std::this_thread::sleep_for(100ms);
  drain(thread);
  EXPECT_EQ(runs.load(), 1) << "once";
}

TEST(MediaThreadTimersTest, ARunEveryRepeatsUntilCancelled) {
  MediaThread thread(0, nullptr, false);
  std::atomic<int> runs{0};
  const Loop::TimerId id = thread.runEvery(40ms, [&runs] { ++runs; });
  EXPECT_TRUE(waitFor([&runs] { return runs.load() >= 3; })) << "it repeats";
  thread.cancel(id);
  drain(thread);  // the cancel has been applied on the thread
  const int at_cancel = runs.load();
  std::this_thread::sleep_for(200ms);
  drain(thread);
  EXPECT_EQ(runs.load(), at_cancel) << "a cancelled timer runs no more";
}

TEST(MediaThreadTimersTest, TheThreadsStatisticsArePublishedByItsOwnTimer) {
  MediaThread thread(0, nullptr, false);
  EXPECT_TRUE(waitFor([&thread] { return thread.threadStats().ticks > 0; }))
      << "the 200 ms publication of the thread's statistics";
}

}  // namespace
}  // namespace mcu::mixer
