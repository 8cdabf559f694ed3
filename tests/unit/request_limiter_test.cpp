#include "mcu/common/request_limiter.h"

#include <gtest/gtest.h>

namespace mcu {
namespace {

using namespace std::chrono_literals;
using Clock = RequestLimiter::Clock;

TEST(RequestLimiterTest, ABurstIsTakenThenTheRateHolds) {
  RequestLimiter limiter(10, 20);
  const auto t0 = Clock::time_point{} + 1h;
  int allowed = 0;
  for (int i = 0; i < 100; ++i) {
    allowed += limiter.allow("10.0.0.1", t0) ? 1 : 0;
  }
  EXPECT_EQ(allowed, 20) << "the burst";
  EXPECT_FALSE(limiter.allow("10.0.0.1", t0 + 50ms)) << "half a token has come back";
  EXPECT_TRUE(limiter.allow("10.0.0.1", t0 + 100ms)) << "one token a tenth of a second";
  EXPECT_TRUE(limiter.allow("10.0.0.2", t0)) << "another address has its own bucket";
}

TEST(RequestLimiterTest, ZeroRateNeverLimits) {
  RequestLimiter limiter(0, 1);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limiter.allow("10.0.0.1", Clock::time_point{}));
  }
}

TEST(RequestLimiterTest, MemoryIsBoundedWhateverTheNumberOfAddresses) {
  RequestLimiter limiter(10, 20, 1000);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 50'000; ++i) {
    limiter.allow("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                      std::to_string(i % 256),
                  t0 + std::chrono::microseconds(i));
  }
  EXPECT_LE(limiter.keys(), 1000U);
}

}  // namespace
}  // namespace mcu
