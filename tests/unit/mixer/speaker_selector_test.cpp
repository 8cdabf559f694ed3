#include "mixer/core/speaker_selector.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mcu::mixer::core {
namespace {

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
  EXPECT_EQ(run(s, {{1, 40}, {2, 20}, {3, 30}, {4, 10}, {5, 50}}), (Ids{2, 3, 4}));
}

TEST(SpeakerSelectorTest, MutedNeverMixed) {
  SpeakerSelector s;
  EXPECT_EQ(run(s, {{1, 10, false}, {2, 20}, {3, 30}, {4, 40}}), (Ids{2, 3, 4}));
}

TEST(SpeakerSelectorTest, SilenceIsNeverSelected) {
  SpeakerSelector s;
  EXPECT_EQ(run(s, {{1, 127}, {2, 90}, {3, 20}}), (Ids{3}));
}

TEST(SpeakerSelectorTest, KZeroSelectsEveryoneAudible) {
  SpeakerSelector s({.max_speakers = 0});
  EXPECT_EQ(run(s, {{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 127}}), (Ids{1, 2, 3, 4}));
}

TEST(SpeakerSelectorTest, HoldsCurrentSpeakerWithinHysteresis) {
  SpeakerSelector s({.max_speakers = 1});
  EXPECT_EQ(run(s, {{1, 30}, {2, 60}}), (Ids{1}));
  // 2 becomes slightly louder than 1 (3 dB, under the 6 dB hysteresis): no switch.
  EXPECT_EQ(run(s, {{1, 30}, {2, 27}}, 100), (Ids{1}));
}

TEST(SpeakerSelectorTest, ClearlyLouderChallengerTakesOverAfterHoldTime) {
  SpeakerSelector s({.max_speakers = 1});
  EXPECT_EQ(run(s, {{1, 40}, {2, 80}}), (Ids{1}));
  EXPECT_EQ(run(s, {{1, 40}, {2, 10}}), (Ids{2}));
}

TEST(SpeakerSelectorTest, NewSpeakerIsHeldAgainstFlapping) {
  SpeakerSelector s({.max_speakers = 1, .min_hold_ticks = 25});
  run(s, {{1, 40}, {2, 80}});
  s.update(std::vector<SourceLevel>{{1, 40}, {2, 5}});
  s.update(std::vector<SourceLevel>{{1, 40}, {2, 5}});
  ASSERT_EQ(s.selected(), (Ids{2}));
  // 1 gets clearly louder again right away: 2 keeps the seat until its hold time is over.
  for (int i = 0; i < 10; ++i) {
    s.update(std::vector<SourceLevel>{{1, 0}, {2, 30}});
    ASSERT_EQ(s.selected(), (Ids{2})) << "tick " << i;
  }
}

TEST(SpeakerSelectorTest, FreeSeatIsTakenAtOnce) {
  SpeakerSelector s;
  run(s, {{1, 20}, {2, 127}});
  s.update(std::vector<SourceLevel>{{1, 20}, {2, 10}});
  EXPECT_EQ(s.selected().size(), 2U);
}

TEST(SpeakerSelectorTest, MutingASpeakerFreesItsSeatAtOnce) {
  SpeakerSelector s({.max_speakers = 1});
  run(s, {{1, 20}, {2, 30}});
  s.update(std::vector<SourceLevel>{{1, 20, false}, {2, 30}});
  EXPECT_EQ(s.selected(), (Ids{2}));
}

TEST(SpeakerSelectorTest, AbsentSourcesAreForgotten) {
  SpeakerSelector s;
  run(s, {{1, 20}, {2, 30}});
  s.update(std::vector<SourceLevel>{{2, 30}});
  EXPECT_EQ(s.selected(), (Ids{2}));
  EXPECT_EQ(s.loudness(1), 0.0F);
}

TEST(SpeakerSelectorTest, LevelIsSmoothed) {
  SpeakerSelector s;
  s.update(std::vector<SourceLevel>{{1, 27}});  // loudness 100, attack 0.5
  EXPECT_FLOAT_EQ(s.loudness(1), 50.0F);
  s.update(std::vector<SourceLevel>{{1, 127}});  // release 0.08
  EXPECT_FLOAT_EQ(s.loudness(1), 46.0F);
}

// What a room spread over threads decodes by: with a free seat, anything audible may enter;
// with every seat taken, only what beats the weakest speaker by the hysteresis.
TEST(SpeakerSelectorTest, AdmissionIsTheAudibleFloorOrTheWeakestSpeakerPlusHysteresis) {
  SpeakerSelector s({.max_speakers = 2});
  run(s, {{1, 20}});
  EXPECT_FLOAT_EQ(s.admissionLoudness(), 127.0F - 70.0F) << "a seat is free";
  run(s, {{1, 20}, {2, 40}}, 200);
  EXPECT_NEAR(s.admissionLoudness(), (127.0F - 40.0F) + 6.0F, 0.01F) << "weakest is 2";
  // A source below the bar, held there, is never chosen; one above it is.
  EXPECT_EQ(run(s, {{1, 20}, {2, 40}, {3, 45}}, 200), (Ids{1, 2}));
  EXPECT_EQ(run(s, {{1, 20}, {2, 40}, {3, 30}}, 200), (Ids{1, 3}));
}

}  // namespace
}  // namespace mcu::mixer::core
