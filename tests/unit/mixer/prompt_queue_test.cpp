// The prompt queue alone: prompts one after another, each stoppable, and the room's music
// behind them, looped, paused by a prompt and resumed where it was, after its start delay.
#include "mixer/engine/prompt_queue.h"

#include <gtest/gtest.h>

#include <numeric>

namespace mcu::mixer {
namespace {

using Samples = PromptQueue::Samples;

// Samples counting up from `first`: where a frame came from in the file is its first sample.
Samples ramp(std::size_t n, std::int16_t first) {
  std::vector<std::int16_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return std::make_shared<const std::vector<std::int16_t>>(std::move(v));
}

constexpr std::size_t kFrame = core::kFrameSamples;

TEST(PromptQueueTest, PromptsPlayInTurnAndSayWhenAStoppableOneEnds) {
  PromptQueue q;
  std::vector<PlaybackId> finished;
  core::Pcm frame{};
  EXPECT_FALSE(q.next(frame, finished));
  q.push(ramp(kFrame + 10, 1), PlaybackId{3});
  q.push(ramp(kFrame, 5000));
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[0], 1);
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[9], static_cast<std::int16_t>(kFrame + 10)) << "the first prompt's last sample";
  EXPECT_EQ(frame[10], 0) << "its last frame is padded with silence";
  EXPECT_EQ(finished, std::vector<PlaybackId>{PlaybackId{3}});
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[0], 5000);
  EXPECT_FALSE(q.next(frame, finished));
  EXPECT_FALSE(q.playing());
}

TEST(PromptQueueTest, MusicLoopsBehindThePromptsAndGoesOnWhereItWas) {
  PromptQueue q;
  std::vector<PlaybackId> finished;
  core::Pcm frame{};
  q.setBackground(ramp(kFrame * 3 / 2, 100));  // a frame and a half: the loop wraps mid-frame
  EXPECT_TRUE(q.playing());
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[0], 100);
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[0], static_cast<std::int16_t>(100 + kFrame));
  EXPECT_EQ(frame[kFrame / 2], 100) << "wrapped to the music's start";
  q.push(ramp(kFrame, 9000), PlaybackId{4});
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[0], 9000) << "a prompt goes before the music";
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[0], static_cast<std::int16_t>(100 + kFrame / 2)) << "the music resumes";
  EXPECT_EQ(finished, std::vector<PlaybackId>{PlaybackId{4}});
  q.setBackground(nullptr);
  EXPECT_FALSE(q.next(frame, finished));
  EXPECT_FALSE(q.playing());
}

TEST(PromptQueueTest, MusicStartsAfterItsDelayWhateverPlaysMeanwhile) {
  PromptQueue q;
  std::vector<PlaybackId> finished;
  core::Pcm frame{};
  q.setBackground(ramp(kFrame * 4, 100), 3);
  q.push(ramp(kFrame, 9000));
  ASSERT_TRUE(q.next(frame, finished));  // the prompt: the first of the 3 frames of delay
  EXPECT_EQ(frame[0], 9000);
  EXPECT_FALSE(q.next(frame, finished)) << "2 more frames of silence";
  EXPECT_FALSE(q.next(frame, finished));
  ASSERT_TRUE(q.next(frame, finished));
  EXPECT_EQ(frame[0], 100) << "the music from its start";
}

TEST(PromptQueueTest, EmptyMusicIsNoMusic) {
  PromptQueue q;
  q.setBackground(std::make_shared<const std::vector<std::int16_t>>());
  EXPECT_FALSE(q.playing());
}

}  // namespace
}  // namespace mcu::mixer
