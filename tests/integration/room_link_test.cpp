// RoomLink alone: the home waits for exactly the shards that are due for a tick, never past
// its deadline, and a late shard's frames are mixed at most one tick late and never twice; a shard
// waits for the home's mix of its tick, never past its deadline.
#include "mixer/engine/room_link.h"

#include <gtest/gtest.h>

#include <thread>

namespace mcu::mixer {
namespace {

using core::literals::operator""_pid;

using namespace std::chrono_literals;
using Clock = RoomLink::Clock;

ShardInput inputOf(std::int64_t tick, ParticipantId id) {
  ShardInput in;
  in.tick = tick;
  in.levels.push_back({.id = id, .level_dbov = 20, .may_speak = true});
  in.ssrcs.push_back(id.value() * 10);
  in.frames.push_back({.id = id, .gain = 1.0F, .pcm = {}});
  return in;
}

TEST(RoomLinkTest, WithoutShardsTheHomeNeverWaits) {
  RoomLink link(0);
  std::vector<ShardInput> out;
  EXPECT_TRUE(link.gather(5, Clock::now() + 10s, out));
  EXPECT_TRUE(out.empty());
}

TEST(RoomLinkTest, TheHomeGetsEachDueShardsInputOfItsTick) {
  RoomLink link(0);
  link.join(1, 3);
  link.join(2, 3);
  std::thread shard1([&] {
    auto in = inputOf(3, 7_pid);
    link.publishInput(1, in);
  });
  std::thread shard2([&] {
    auto in = inputOf(3, 8_pid);
    link.publishInput(2, in);
  });
  std::vector<ShardInput> out;
  EXPECT_TRUE(link.gather(3, Clock::now() + 10s, out));
  shard1.join();
  shard2.join();
  ASSERT_EQ(out.size(), 2U);
  for (const auto& in : out) {
    EXPECT_EQ(in.tick, 3);
    ASSERT_EQ(in.frames.size(), 1U);
    EXPECT_EQ(in.ssrcs.at(0), in.levels.at(0).id.value() * 10);
  }
}

TEST(RoomLinkTest, AShardIsWaitedForOnlyFromItsFirstTick) {
  RoomLink link(0);
  link.join(1, 10);  // joined during tick 9: publishes from tick 10
  std::vector<ShardInput> out;
  EXPECT_TRUE(link.gather(9, Clock::now() + 10s, out)) << "returns at once, not at the deadline";
}

TEST(RoomLinkTest, ALateShardsFramesAreMixedOneTickLateAndNeverTwice) {
  RoomLink link(0);
  link.join(1, 0);
  std::vector<ShardInput> out;
  // Tick 4's input comes after the home gave up on it: tick 5 mixes it, a frame late.
  EXPECT_FALSE(link.gather(4, Clock::now() + 1ms, out));
  ASSERT_EQ(out.size(), 1U);
  auto late = inputOf(4, 7_pid);
  link.publishInput(1, late);
  const auto deadline = Clock::now() + 30ms;
  EXPECT_FALSE(link.gather(5, deadline, out)) << "tick 5's input is still missing";
  EXPECT_GE(Clock::now(), deadline);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].levels.size(), 1U) << "its members keep their last levels";
  EXPECT_EQ(out[0].frames.size(), 1U) << "tick 4's frames, never mixed, are mixed in tick 5";
  // Still nothing new by tick 6: tick 4's frames are not mixed a second time.
  EXPECT_FALSE(link.gather(6, Clock::now() + 1ms, out));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].levels.size(), 1U);
  EXPECT_TRUE(out[0].frames.empty()) << "tick 4's frames must not be mixed again in tick 6";
}

TEST(RoomLinkTest, FramesMoreThanOneTickLateAreNotMixed) {
  RoomLink link(0);
  link.join(1, 0);
  auto old = inputOf(3, 7_pid);
  link.publishInput(1, old);
  std::vector<ShardInput> out;
  EXPECT_FALSE(link.gather(5, Clock::now() + 1ms, out));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].levels.size(), 1U);
  EXPECT_TRUE(out[0].frames.empty()) << "tick 3's audio would be a 40 ms jump back in tick 5";
}

TEST(RoomLinkTest, AShardThatLeavesIsNoLongerWaitedFor) {
  RoomLink link(0);
  link.join(1, 0);
  std::thread leaver([&] {
    std::this_thread::sleep_for(20ms);
    link.leave(1);
  });
  std::vector<ShardInput> out;
  EXPECT_TRUE(link.gather(2, Clock::now() + 10s, out));
  leaver.join();
  EXPECT_TRUE(out.empty()) << "no shard is left";
}

TEST(RoomLinkTest, AShardGetsTheMixOfItsTickOrGivesUpAtItsDeadline) {
  RoomLink link(0);
  MixOutput got;
  const auto deadline = Clock::now() + 30ms;
  EXPECT_FALSE(link.awaitMix(1, deadline, got));
  EXPECT_GE(Clock::now(), deadline);
  std::thread home([&] {
    MixOutput mix;
    mix.tick = 2;
    mix.selected = {7_pid};
    link.publishMix(mix);
  });
  EXPECT_TRUE(link.awaitMix(2, Clock::now() + 10s, got));
  home.join();
  EXPECT_EQ(got.tick, 2);
  EXPECT_EQ(got.selected, std::vector<ParticipantId>{7_pid});
  EXPECT_TRUE(link.awaitMix(1, Clock::now(), got)) << "a later mix serves an earlier tick";
}

}  // namespace
}  // namespace mcu::mixer
