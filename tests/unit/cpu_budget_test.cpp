// The CPU budget driven by a CPU reading and times the test hands in: its verdicts no longer
// depend on how busy the machine running the suite is.
#include "mcu/app/cpu_budget.h"

#include <gtest/gtest.h>

namespace mcu::app {
namespace {

using namespace std::chrono_literals;

class CpuBudgetTest : public ::testing::Test {
 protected:
  // Budget 50 % of one core; the next sample comes `after` later with `cpu` seconds used.
  std::optional<bool> sample(std::chrono::milliseconds after, double cpu) {
    now_ += after;
    cpu_ += cpu;
    return budget_.sample(now_);
  }
  double cpu_ = 0.0;
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
  CpuBudget budget_{50, [this] { return cpu_; }};
};

TEST_F(CpuBudgetTest, OverTheBudgetThenBackUnderNinetyPercentOfIt) {
  EXPECT_EQ(sample(0ms, 0.0), std::nullopt) << "the first sample is the baseline";
  EXPECT_EQ(sample(1000ms, 0.40), std::nullopt) << "40 % of 50: under";
  EXPECT_EQ(sample(1000ms, 0.60), std::optional(true)) << "60 %: over";
  EXPECT_EQ(sample(1000ms, 0.47), std::nullopt) << "47 %: still over (the way back is 45 %)";
  EXPECT_EQ(sample(1000ms, 0.44), std::optional(false)) << "44 %: back";
  EXPECT_EQ(sample(1000ms, 0.48), std::nullopt) << "48 %: under, no flapping";
}

TEST_F(CpuBudgetTest, SamplesCloserThanHalfASecondAreNotJudged) {
  sample(0ms, 0.0);
  EXPECT_EQ(sample(100ms, 0.1), std::nullopt) << "100 % over 100 ms: too short to judge";
  EXPECT_EQ(sample(900ms, 0.5), std::optional(true)) << "0.6 s over 1 s";
}

TEST(CpuBudgetOffTest, ABudgetOfZeroNeverJudges) {
  double cpu = 0.0;
  CpuBudget off(0, [&cpu] { return cpu; });
  const std::chrono::steady_clock::time_point t0{std::chrono::hours(1)};
  EXPECT_EQ(off.sample(t0), std::nullopt);
  cpu = 10.0;
  EXPECT_EQ(off.sample(t0 + 1s), std::nullopt);
}

}  // namespace
}  // namespace mcu::app
