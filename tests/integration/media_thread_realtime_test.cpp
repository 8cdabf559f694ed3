// media.realtime_priority: a media thread asks for SCHED_FIFO, and the kernel's own record of
// the thread (sched_getscheduler, not our flag) says whether it got it; a refusal leaves it ticking
// under the normal scheduler. The test runs as root in CI (CAP_SYS_NICE); elsewhere it needs an
// RLIMIT_RTPRIO of 5 or more, and fails saying so.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "mixer/engine/media_thread.h"
#include "tests/support/eventually.h"

namespace mcu::mixer {
namespace {

using namespace std::chrono_literals;

// The scheduling policy the kernel has for this process's thread named `name` (found by its
// /proc/self/task/TID/comm), or -1 if there is no such thread.
int policyOfThread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) {
      return ::sched_getscheduler(std::stoi(task.path().filename().string()));
    }
  }
  return -1;
}

bool mayUseRealtime(int priority) {
  rlimit limit{};
  return ::geteuid() == 0 || (::getrlimit(RLIMIT_RTPRIO, &limit) == 0 &&
                              limit.rlim_cur >= static_cast<rlim_t>(priority));
}

TEST(MediaThreadRealtimeTest, APriorityPutsTheThreadUnderSchedFifo) {
  ASSERT_TRUE(mayUseRealtime(5)) << "needs root (CAP_SYS_NICE) or RLIMIT_RTPRIO >= 5";
  MediaThread thread(7, nullptr, false, std::chrono::steady_clock::now(), 5);
  ASSERT_TRUE(test::eventually([&] { return thread.threadStats().ticks > 0; }, 10s)) << "it ticks";
  EXPECT_EQ(policyOfThread("mcu-media-7"), SCHED_FIFO);
  EXPECT_TRUE(thread.threadStats().realtime);
}

TEST(MediaThreadRealtimeTest, ARefusedPriorityLeavesTheThreadTickingAsBefore) {
  // Beyond SCHED_FIFO's range (1-99; the configuration stops at 99): the kernel refuses it,
  // as it refuses any priority to a process without the right.
  MediaThread thread(8, nullptr, false, std::chrono::steady_clock::now(), 100);
  ASSERT_TRUE(test::eventually([&] { return thread.threadStats().ticks > 0; }, 10s)) << "it ticks";
  EXPECT_EQ(policyOfThread("mcu-media-8"), SCHED_OTHER);
  EXPECT_FALSE(thread.threadStats().realtime);
}

TEST(MediaThreadRealtimeTest, AnOverloadedThreadGivesSchedFifoUpAndTakesItAgainOnceCalm) {
  ASSERT_TRUE(mayUseRealtime(5)) << "needs root (CAP_SYS_NICE) or RLIMIT_RTPRIO >= 5";
  MediaThread thread(6, nullptr, false, std::chrono::steady_clock::now(), 5);
  ASSERT_TRUE(test::eventually([&] { return thread.threadStats().realtime; }, 10s));
  // A second and a half of work in one go, as a thread that cannot keep up with its rooms:
  // all of it on the thread's CPU clock, whatever else the machine is doing.
  thread.post([] {
    const auto cpuNow = [] {
      timespec cpu{};
      ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
      return std::chrono::seconds(cpu.tv_sec) + std::chrono::nanoseconds(cpu.tv_nsec);
    };
    const auto until = cpuNow() + 1500ms;
    while (cpuNow() < until) {
    }
  });
  ASSERT_TRUE(test::eventually([&] { return thread.threadStats().realtime_drops == 1; }, 20s))
      << "an overloaded thread gives SCHED_FIFO up";
  EXPECT_EQ(policyOfThread("mcu-media-6"), SCHED_OTHER);
  EXPECT_FALSE(thread.threadStats().realtime);
  // Calm again (it only ticks): SCHED_FIFO after RealtimeGuard::kCalm.
  ASSERT_TRUE(test::eventually([&] { return thread.threadStats().realtime; }, 20s))
      << "it takes SCHED_FIFO again once calm";
  EXPECT_EQ(policyOfThread("mcu-media-6"), SCHED_FIFO);
  EXPECT_EQ(thread.threadStats().realtime_drops, 1U);
}

TEST(MediaThreadRealtimeTest, NoPriorityIsTheNormalScheduler) {
  MediaThread thread(9, nullptr, false);
  ASSERT_TRUE(test::eventually([&] { return thread.threadStats().ticks > 0; }, 10s));
  EXPECT_EQ(policyOfThread("mcu-media-9"), SCHED_OTHER);
  EXPECT_FALSE(thread.threadStats().realtime);
}

}  // namespace
}  // namespace mcu::mixer
