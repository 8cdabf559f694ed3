#include "mcu/common/rate_window.h"

#include <gtest/gtest.h>

#include <string>

namespace mcu {
namespace {

using std::chrono::seconds;
using Clock = RateWindow::Clock;

TEST(RateWindowTest, TheTenthEventInAMinuteLimitsUntilTheWindowPasses) {
  RateWindow w(10, seconds(60));
  const auto t0 = Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 9; ++i) {
    EXPECT_FALSE(w.record("10.0.0.1", t0 + seconds(i)));
  }
  EXPECT_FALSE(w.limited("10.0.0.1", t0 + seconds(9)));
  EXPECT_TRUE(w.record("10.0.0.1", t0 + seconds(9))) << "the one that crosses the limit";
  EXPECT_TRUE(w.limited("10.0.0.1", t0 + seconds(10)));
  EXPECT_FALSE(w.limited("10.0.0.2", t0 + seconds(10))) << "per address";
  EXPECT_FALSE(w.limited("10.0.0.1", t0 + seconds(61))) << "the oldest failure left the window";
}

TEST(RateWindowTest, MemoryStaysBoundedUnderAScanFromManyAddresses) {
  RateWindow w(10, seconds(60), 1000);
  const auto t0 = Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 20'000; ++i) {
    w.record("10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
                 std::to_string(i % 256),
             t0 + std::chrono::milliseconds(i));
  }
  EXPECT_LE(w.addresses(), 1000U);
  // A guesser still inside the window keeps its count.
  for (int i = 0; i < 10; ++i) {
    w.record("192.0.2.9", t0 + seconds(50) + std::chrono::milliseconds(i));
  }
  EXPECT_TRUE(w.limited("192.0.2.9", t0 + seconds(51)));
  // Once everything is older than the window, the table empties as addresses come back.
  w.record("192.0.2.10", t0 + seconds(500));
  EXPECT_LE(w.addresses(), 1000U);
}

}  // namespace
}  // namespace mcu
