// SlowTickReport: a tick over the threshold is written with its phases and when it started;
// others are not; at most one line a second, which counts the slow ticks it stands for.
#include "mixer/engine/slow_tick_report.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "mcu/common/log.h"

namespace mcu::mixer {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Phase = SlowTickReport::Phase;

// One tick through the report, started 2 ms late, each phase marked; what it wrote.
std::string runTick(SlowTickReport& report, double tick_ms) {
  testing::internal::CaptureStderr();
  const auto now = Clock::now();
  report.start(now, now - 2ms);
  for (const Phase p : {Phase::kPoll, Phase::kPull, Phase::kMix, Phase::kRelay, Phase::kFlush}) {
    report.mark(p);
  }
  report.finish(tick_ms);
  return testing::internal::GetCapturedStderr();
}

TEST(SlowTickReportTest, ASlowTickIsWrittenWithItsPhasesAndStartAtMostOnceASecond) {
  log::configure(log::Level::kInfo, {});
  SlowTickReport report(3, 5.0);
  EXPECT_EQ(runTick(report, 4.5), "") << "under the threshold";
  const std::string line = runTick(report, 7.25);
  for (const char* field :
       {"event=slow_tick", "thread=3", "us=7250", "late_start_us=2000 ", "poll_us=", "pull_us=",
        "mix_us=", "relay_us=", "flush_us=", "started_monotonic_us=", "slow_ticks=1"}) {
    EXPECT_NE(line.find(field), std::string::npos) << field << " in " << line;
  }
  EXPECT_EQ(runTick(report, 8.0), "") << "a second line within the second";
  std::this_thread::sleep_for(1s);
  EXPECT_NE(runTick(report, 9.0).find("slow_ticks=2"), std::string::npos)
      << "the next line counts the one it held back";
}

TEST(SlowTickReportTest, OffWritesNothing) {
  log::configure(log::Level::kInfo, {});
  SlowTickReport report(0, 0.0);
  EXPECT_FALSE(report.on());
  EXPECT_EQ(runTick(report, 100.0), "");
}

}  // namespace
}  // namespace mcu::mixer
