#include "mixer/core/mix_minus.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace mcu::mixer::core {
namespace {

using literals::operator""_pid;

Pcm constant(std::int16_t v) {
  Pcm p;
  p.fill(v);
  return p;
}

const TalkerMix* talker(const MixResult& r, ParticipantId id) {
  for (const auto& t : r.talkers) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}

class MixMinusTest : public ::testing::Test {
 protected:
  // Mixes twice so the sources are past their entering ramp; returns the second result.
  MixResult steady(const std::vector<SourceFrame>& sources) {
    MixResult r;
    mixer_.mix(sources, r);
    mixer_.mix(sources, r);
    return r;
  }
  MixMinus mixer_;
  Pcm a_ = constant(1000);
  Pcm b_ = constant(2000);
  Pcm c_ = constant(4000);
};

TEST_F(MixMinusTest, TalkerDoesNotHearSelf) {
  const auto r = steady({{1_pid, &a_}, {2_pid, &b_}, {3_pid, &c_}});
  EXPECT_EQ(r.full[500], 7000);
  ASSERT_EQ(r.talkers.size(), 3U);
  EXPECT_EQ(talker(r, 1_pid)->pcm[500], 6000);
  EXPECT_EQ(talker(r, 2_pid)->pcm[500], 5000);
  EXPECT_EQ(talker(r, 3_pid)->pcm[500], 3000);
}

TEST_F(MixMinusTest, SingleSourcePassesBitExact) {
  Pcm ramp;
  for (std::size_t i = 0; i < kFrameSamples; ++i) {
    ramp[i] = static_cast<std::int16_t>(static_cast<int>(i) * 30 - 14000);
  }
  const auto r = steady({{7_pid, &ramp}});
  EXPECT_EQ(r.full, ramp);
  ASSERT_EQ(r.talkers.size(), 1U);
  EXPECT_EQ(talker(r, 7_pid)->pcm, constant(0));  // alone: hears silence
}

TEST_F(MixMinusTest, GainScalesTheSource) {
  const auto r = steady({{1_pid, &a_, 0.5F}, {2_pid, &b_, 2.0F}});
  EXPECT_EQ(r.full[0], 4500);
  EXPECT_EQ(talker(r, 1_pid)->pcm[0], 4000);
}

TEST_F(MixMinusTest, EnteringSourceRampsInWithoutAStep) {
  MixResult r;
  mixer_.mix(std::vector<SourceFrame>{{1_pid, &c_}}, r);
  EXPECT_LT(std::abs(r.full[0]), 10);
  EXPECT_EQ(r.full[kFrameSamples - 1], 4000);
  for (std::size_t i = 1; i < kFrameSamples; ++i) {
    EXPECT_LE(std::abs(r.full[i] - r.full[i - 1]), 10) << i;
  }
}

TEST_F(MixMinusTest, LeavingSourceFadesOutAndNeverReachesItsOwnMix) {
  steady({{1_pid, &a_}, {2_pid, &c_}});
  MixResult r;
  mixer_.mix(std::vector<SourceFrame>{{1_pid, &a_}, {2_pid, &c_, 1.0F, false}}, r);
  EXPECT_NEAR(r.full[0], 5000, 10);
  EXPECT_EQ(r.full[kFrameSamples - 1], 1000);
  const TalkerMix* leaving = talker(r, 2_pid);
  ASSERT_NE(leaving, nullptr);
  for (std::size_t i = 0; i < kFrameSamples; ++i) {
    ASSERT_EQ(leaving->pcm[i], 1000) << i;  // exactly the others, none of itself
  }
}

TEST_F(MixMinusTest, TenFullScaleTalkersDoNotWrap) {
  Pcm loud = constant(30000);
  std::vector<SourceFrame> sources;
  for (std::uint32_t id = 1; id <= 10; ++id) {
    sources.push_back({ParticipantId(id), &loud});
  }
  MixResult r;
  for (int tick = 0; tick < 5; ++tick) {
    mixer_.mix(sources, r);
    for (const auto s : r.full) {
      ASSERT_GE(s, 0) << "wrapped to negative";
      ASSERT_LE(s, 32767);
    }
  }
  EXPECT_GT(r.full[500], 20000);  // limited, not silenced
}

}  // namespace
}  // namespace mcu::mixer::core
