#include "mixer/core/speaker_selector.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mcu::mixer::core {
namespace {

using literals::operator""_pid;
using Ids = std::vector<ParticipantId>;

// Runs `ticks` ticks with the same levels; returns the selection after the last.
Ids run(SpeakerSelector& s, const std::vector<SourceLevel>& levels, int ticks = 30) {
  for (int i = 0; i < ticks; ++i) {
    s.update(levels);
  }
  Ids sorted = s.selected();
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

TEST(SpeakerSelectorTest, LoudestThreeAreMixed) {
  SpeakerSelector s;
  EXPECT_EQ(run(s, {{1_pid, 40}, {2_pid, 20}, {3_pid, 30}, {4_pid, 10}, {5_pid, 50}}),
            (Ids{2_pid, 3_pid, 4_pid}));
}

TEST(SpeakerSelectorTest, MutedNeverMixed) {
  SpeakerSelector s;
  EXPECT_EQ(run(s, {{1_pid, 10, false}, {2_pid, 20}, {3_pid, 30}, {4_pid, 40}}),
            (Ids{2_pid, 3_pid, 4_pid}));
}

TEST(SpeakerSelectorTest, SilenceIsNeverSelected) {
  SpeakerSelector s;
  EXPECT_EQ(run(s, {{1_pid, 127}, {2_pid, 90}, {3_pid, 20}}), (Ids{3_pid}));
}

TEST(SpeakerSelectorTest, KZeroSelectsEveryoneAudible) {
  SpeakerSelector s({.max_speakers = 0});
  EXPECT_EQ(run(s, {{1_pid, 10}, {2_pid, 20}, {3_pid, 30}, {4_pid, 40}, {5_pid, 127}}),
            (Ids{1_pid, 2_pid, 3_pid, 4_pid}));
}

TEST(SpeakerSelectorTest, HoldsCurrentSpeakerWithinHysteresis) {
  SpeakerSelector s({.max_speakers = 1});
  EXPECT_EQ(run(s, {{1_pid, 30}, {2_pid, 60}}), (Ids{1_pid}));
  // 2 becomes slightly louder than 1 (3 dB, under the 6 dB hysteresis): no switch.
  EXPECT_EQ(run(s, {{1_pid, 30}, {2_pid, 27}}, 100), (Ids{1_pid}));
}

TEST(SpeakerSelectorTest, ClearlyLouderChallengerTakesOverAfterHoldTime) {
  SpeakerSelector s({.max_speakers = 1});
  EXPECT_EQ(run(s, {{1_pid, 40}, {2_pid, 80}}), (Ids{1_pid}));
  EXPECT_EQ(run(s, {{1_pid, 40}, {2_pid, 10}}), (Ids{2_pid}));
}

TEST(SpeakerSelectorTest, NewSpeakerIsHeldAgainstFlapping) {
  SpeakerSelector s({.max_speakers = 1, .min_hold_ticks = 25});
  run(s, {{1_pid, 40}, {2_pid, 80}});
  s.update(std::vector<SourceLevel>{{1_pid, 40}, {2_pid, 5}});
  s.update(std::vector<SourceLevel>{{1_pid, 40}, {2_pid, 5}});
  ASSERT_EQ(s.selected(), (Ids{2_pid}));
  // 1 gets clearly louder again right away: 2 keeps the seat until its hold time is over.
  for (int i = 0; i < 10; ++i) {
    s.update(std::vector<SourceLevel>{{1_pid, 0}, {2_pid, 30}});
    ASSERT_EQ(s.selected(), (Ids{2_pid})) << "tick " << i;
  }
}

TEST(SpeakerSelectorTest, FreeSeatIsTakenAtOnce) {
  SpeakerSelector s;
  run(s, {{1_pid, 20}, {2_pid, 127}});
  s.update(std::vector<SourceLevel>{{1_pid, 20}, {2_pid, 10}});
  EXPECT_EQ(s.selected().size(), 2U);
}

TEST(SpeakerSelectorTest, MutingASpeakerFreesItsSeatAtOnce) {
  SpeakerSelector s({.max_speakers = 1});
  run(s, {{1_pid, 20}, {2_pid, 30}});
  s.update(std::vector<SourceLevel>{{1_pid, 20, false}, {2_pid, 30}});
  EXPECT_EQ(s.selected(), (Ids{2_pid}));
}

TEST(SpeakerSelectorTest, AbsentSourcesAreForgotten) {
  SpeakerSelector s;
  run(s, {{1_pid, 20}, {2_pid, 30}});
  s.update(std::vector<SourceLevel>{{2_pid, 30}});
  EXPECT_EQ(s.selected(), (Ids{2_pid}));
  EXPECT_EQ(s.loudness(1_pid), 0.0F);
}

TEST(SpeakerSelectorTest, LevelIsSmoothed) {
  SpeakerSelector s;
  s.update(std::vector<SourceLevel>{{1_pid, 27}});  // loudness 100, attack 0.5
  EXPECT_FLOAT_EQ(s.loudness(1_pid), 50.0F);
  s.update(std::vector<SourceLevel>{{1_pid, 127}});  // release 0.08
  EXPECT_FLOAT_EQ(s.loudness(1_pid), 46.0F);
}

// What a room spread over threads decodes by: with a free seat, anything audible may enter;
// with every seat taken, only what beats the weakest speaker by the hysteresis.
TEST(SpeakerSelectorTest, AdmissionIsTheAudibleFloorOrTheWeakestSpeakerPlusHysteresis) {
  SpeakerSelector s({.max_speakers = 2});
  run(s, {{1_pid, 20}});
  EXPECT_FLOAT_EQ(s.admissionLoudness(), 127.0F - 70.0F) << "a seat is free";
  run(s, {{1_pid, 20}, {2_pid, 40}}, 200);
  EXPECT_NEAR(s.admissionLoudness(), (127.0F - 40.0F) + 6.0F, 0.01F) << "weakest is 2";
  // A source below the bar, held there, is never chosen; one above it is.
  EXPECT_EQ(run(s, {{1_pid, 20}, {2_pid, 40}, {3_pid, 45}}, 200), (Ids{1_pid, 2_pid}));
  EXPECT_EQ(run(s, {{1_pid, 20}, {2_pid, 40}, {3_pid, 30}}, 200), (Ids{1_pid, 3_pid}));
}

}  // namespace
}  // namespace mcu::mixer::core
