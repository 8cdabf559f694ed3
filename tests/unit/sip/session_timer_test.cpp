#include "mcu/sip/session_timer.h"

#include <gtest/gtest.h>

namespace mcu::sip {
namespace {

using std::chrono::seconds;

TEST(SessionTimerTest, TheCallersShorterIntervalIsKeptAndItRefreshes) {
  const auto a = answerSessionTimer({.supported = true, .session_expires = 90});
  EXPECT_EQ(a.interval, 90U);
  EXPECT_FALSE(a.we_refresh);
  EXPECT_TRUE(a.require_timer);
}

TEST(SessionTimerTest, ALongerIntervalIsLoweredToOursButNeverBelowEitherMinSe) {
  EXPECT_EQ(answerSessionTimer({.supported = true, .session_expires = 7200}).interval, 1800U);
  EXPECT_EQ(answerSessionTimer({.supported = true, .session_expires = 100, .min_se = 120}).interval,
            120U);
  EXPECT_EQ(answerSessionTimer({.supported = true, .session_expires = 30}).interval, kOurMinSe);
}

TEST(SessionTimerTest, ACallerWithoutSupportGetsUsAsRefresherAndNoRequire) {
  const auto a = answerSessionTimer({});
  EXPECT_TRUE(a.we_refresh);
  EXPECT_FALSE(a.require_timer);
  EXPECT_EQ(a.interval, kOurSessionExpires);
}

TEST(SessionTimerTest, RefresherUasMakesUsRefresh) {
  const auto a =
      answerSessionTimer({.supported = true, .session_expires = 600, .refresher_uas = true});
  EXPECT_TRUE(a.we_refresh);
  EXPECT_TRUE(a.require_timer);
  EXPECT_EQ(a.interval, 600U);
}

TEST(SessionTimerTest, ExpiryIsTheIntervalLessAThirdAtMost32Seconds) {
  EXPECT_EQ(expiryWithoutRefresh(90), seconds(60));      // 90 - 30
  EXPECT_EQ(expiryWithoutRefresh(1800), seconds(1768));  // 1800 - 32
}

}  // namespace
}  // namespace mcu::sip
