#include "mixer/rtp/jitter_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace mcu::mixer::rtp {
namespace {

constexpr std::int64_t kTickUs = 20'000;
constexpr std::uint32_t kStep = 960;

// Frame numbers first..last.
std::vector<int> framesFrom(int first, int last) {
  std::vector<int> frames;
  for (int f = first; f <= last; ++f) {
    frames.push_back(f);
  }
  return frames;
}

class JitterBufferTest : public ::testing::Test {
 protected:
  // A packet whose one payload byte is its frame number.
  PushResult send(int frame, std::int64_t arrival_us, std::uint32_t base = 1000) {
    payload_ = {static_cast<std::uint8_t>(frame)};
    RtpPacketView view;
    view.header.sequence = static_cast<std::uint16_t>(frame);
    view.header.timestamp = base + static_cast<std::uint32_t>(frame) * kStep;
    view.payload = payload_;
    return jb_.push(view, arrival_us);
  }
  // Pops at `now`; returns the frame number, -1 if missing.
  int play(std::int64_t now) {
    const auto f = jb_.pop(now);
    return f ? f->payload[0] : -1;
  }
  // The frames played over `ticks` ticks from 20 ms, missing ones left out.
  std::vector<int> playFor(int ticks) {
    std::vector<int> played;
    for (int t = 1; t <= ticks; ++t) {
      if (const int f = play(t * kTickUs); f >= 0) {
        played.push_back(f);
      }
    }
    return played;
  }

  JitterBuffer jb_;
  std::vector<std::uint8_t> payload_;
};

TEST_F(JitterBufferTest, InOrderPacketsPlayInOrder) {
  std::vector<int> played;
  for (int i = 0; i < 20; ++i) {
    send(i, i * kTickUs);
    played.push_back(play(i * kTickUs + 1000));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(played[static_cast<std::size_t>(i)], i);
  }
  EXPECT_EQ(jb_.stats().concealed, 0U);
}

TEST_F(JitterBufferTest, ReorderedPacketsAreSortedWithinTheDelay) {
  JitterBuffer jb({.min_delay_ms = 60});
  jb_ = jb;
  const std::vector<int> arrival_order{0, 2, 1, 4, 3, 5, 7, 6, 8, 9};
  std::vector<int> played;
  for (std::size_t i = 0; i < arrival_order.size(); ++i) {
    send(arrival_order[i], static_cast<std::int64_t>(i) * kTickUs);
    const int f = play(static_cast<std::int64_t>(i) * kTickUs + 1000);
    if (f >= 0) {
      played.push_back(f);
    }
  }
  for (std::size_t i = 1; i < played.size(); ++i) {
    EXPECT_EQ(played[i], played[i - 1] + 1);
  }
  EXPECT_GE(played.size(), 7U);
  EXPECT_EQ(jb_.stats().concealed, 0U);
}

TEST_F(JitterBufferTest, PacketsLongerThanAFramePlayEachInTurn) {
  // 60 ms packets (three frames) arrive every third tick; the caller plays the two frames
  // after each from its decoder, so it pops only on those ticks and says how long each was.
  std::vector<int> played;
  int missing = 0;
  for (int tick = 0; tick < 60; tick += 3) {
    payload_ = {static_cast<std::uint8_t>(tick / 3)};
    RtpPacketView view;
    view.header.sequence = static_cast<std::uint16_t>(tick / 3);
    view.header.timestamp = 1000 + static_cast<std::uint32_t>(tick) * kStep;
    view.payload = payload_;
    jb_.push(view, tick * kTickUs);
    if (const auto f = jb_.pop(tick * kTickUs + 1000)) {
      played.push_back(f->payload[0]);
      jb_.setPoppedDuration(3 * kStep);
    } else {
      ++missing;
    }
  }
  ASSERT_EQ(played.size(), 20U) << missing << " missing";
  for (std::size_t i = 0; i < played.size(); ++i) {
    EXPECT_EQ(played[i], static_cast<int>(i)) << "every long packet plays, in order";
  }
  EXPECT_EQ(jb_.stats().late, 0U);
}

TEST_F(JitterBufferTest, ALostLongPacketIsBridgedAndTheNextStillPlays) {
  // 30 ms packets (1.5 frames): packet 3 is lost; the caller conceals and the stream goes on.
  constexpr std::uint32_t kPacket = kStep * 3 / 2;
  std::vector<int> played;
  for (int p = 0; p < 10; ++p) {
    if (p != 3) {
      payload_ = {static_cast<std::uint8_t>(p)};
      RtpPacketView view;
      view.header.sequence = static_cast<std::uint16_t>(p);
      view.header.timestamp = 1000 + static_cast<std::uint32_t>(p) * kPacket;
      view.payload = payload_;
      jb_.push(view, p * 30'000);
    }
    if (const auto f = jb_.pop(p * 30'000 + 1000)) {
      played.push_back(f->payload[0]);
      jb_.setPoppedDuration(kPacket);
    }
  }
  // Waiting a frame for the lost one put the rest a frame later: one more turn plays the last.
  if (const auto f = jb_.pop(10 * 30'000 + 1000)) {
    played.push_back(f->payload[0]);
  }
  EXPECT_EQ(played, (std::vector<int>{0, 1, 2, 4, 5, 6, 7, 8, 9}));
}

TEST_F(JitterBufferTest, DuplicatesAreDroppedAndCounted) {
  EXPECT_EQ(send(0, 0), PushResult::kAccepted);
  EXPECT_EQ(send(0, 100), PushResult::kDuplicate);
  EXPECT_EQ(jb_.stats().duplicates, 1U);
}

TEST_F(JitterBufferTest, AFullBufferLetsItsOldestGoAndKeepsTheRestInOrder) {
  // 32 slots filled out of order (frames 16-32, then 1-15: the oldest is in no end slot), then
  // frame 33: frame 1 goes, counted late, and 2-33 play in order, each once.
  jb_ = JitterBuffer(JitterBufferConfig{.max_delay_ms = 1000});
  for (int i = 16; i <= 32; ++i) {
    send(i, 0);
  }
  for (int i = 1; i <= 15; ++i) {
    send(i, 0);
  }
  EXPECT_EQ(send(33, 0), PushResult::kAccepted);
  EXPECT_EQ(jb_.depth(), 32U);
  EXPECT_EQ(jb_.stats().late, 1U);
  EXPECT_EQ(playFor(40), framesFrom(2, 33));
}

TEST_F(JitterBufferTest, APacketOlderThanAllAFullBufferHoldsIsTheOneLetGo) {
  jb_ = JitterBuffer(JitterBufferConfig{.max_delay_ms = 1000});
  for (int i = 32; i >= 1; --i) {
    send(i, 0);
  }
  EXPECT_EQ(send(0, 0), PushResult::kLate) << "it would play before everything held";
  EXPECT_EQ(jb_.stats().late, 1U);
  EXPECT_EQ(playFor(40), framesFrom(1, 32));
}

TEST_F(JitterBufferTest, LostPacketIsReportedMissingThenPlayContinues) {
  std::vector<int> played;
  for (int i = 0; i < 6; ++i) {
    if (i != 3) {
      send(i, i * kTickUs);
    }
    played.push_back(play(i * kTickUs + 1000));
  }
  EXPECT_EQ(played, (std::vector<int>{0, 1, 2, -1, 4, 5}));
  EXPECT_EQ(jb_.stats().concealed, 1U);
}

// The duration the caller read from the payload as it arrived comes back with its frame, so
// the tick need not read the (by then uncached) payload again.
TEST_F(JitterBufferTest, APacketsDurationToldAtPushComesBackWithItsFrame) {
  payload_ = {7};
  RtpPacketView view;
  view.header.sequence = 1;
  view.header.timestamp = 1000;
  view.payload = payload_;
  jb_.push(view, 0, 3 * kStep);
  const auto frame = jb_.pop(1000);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->duration_ts, 3 * kStep);
  EXPECT_EQ(frame->payload[0], 7);
}

// 10 ms packets: a tick takes the one due and the one that continues it, and the next tick
// goes on after both; a continuation not here yet is not waited for.
TEST_F(JitterBufferTest, APacketShorterThanAFrameIsContinuedByTheNextInTheSameTick) {
  const auto half = [this](int n, std::int64_t arrival_us) {
    payload_ = {static_cast<std::uint8_t>(n)};
    RtpPacketView view;
    view.header.sequence = static_cast<std::uint16_t>(n);
    view.header.timestamp = 1000 + static_cast<std::uint32_t>(n) * (kStep / 2);
    view.payload = payload_;
    jb_.push(view, arrival_us, kStep / 2);
  };
  std::vector<int> played;
  for (int tick = 0; tick < 5; ++tick) {
    half(2 * tick, tick * kTickUs);
    if (tick != 3) {
      half(2 * tick + 1, tick * kTickUs + 10'000);  // tick 3's second half is lost
    }
    const auto first = jb_.pop(tick * kTickUs + 15'000);
    ASSERT_TRUE(first) << "tick " << tick;
    played.push_back(first->payload[0]);  // its duration, told at push, says where it ends
    if (const auto rest = jb_.popContinuation()) {
      played.push_back(rest->payload[0]);
    }
  }
  EXPECT_EQ(played, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 8, 9}));
  EXPECT_EQ(jb_.stats().late, 0U);
  EXPECT_EQ(jb_.depth(), 0U);
}

// Opus rebuilds a lost frame from the next packet's in-band FEC when that packet is already
// held: peekNext() shows it without taking it, and it still plays in its turn.
TEST_F(JitterBufferTest, TheNextPacketCanBeSeenWhenAFrameIsMissingAndStillPlays) {
  EXPECT_FALSE(jb_.peekNext()) << "nothing plays yet";
  for (int i = 0; i < 3; ++i) {
    send(i, i * kTickUs);
    ASSERT_EQ(play(i * kTickUs + 1000), i);
  }
  send(4, 3 * kTickUs);  // 3 is lost; 4 came early (the delay holds a frame)
  ASSERT_EQ(play(3 * kTickUs + 1000), -1);
  const auto next = jb_.peekNext();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->payload[0], 4);
  EXPECT_EQ(next->header.sequence, 4);
  EXPECT_EQ(jb_.depth(), 1U);
  EXPECT_EQ(play(4 * kTickUs + 1000), 4);
  // Lost, and the next one not here yet: nothing to see.
  ASSERT_EQ(play(5 * kTickUs + 1000), -1);
  EXPECT_FALSE(jb_.peekNext());
}

TEST_F(JitterBufferTest, PacketArrivingAfterItsTurnWaitsOneFrameMore) {
  send(0, 0);
  play(1000);
  play(kTickUs + 1000);  // frame 1 missing
  EXPECT_EQ(send(1, kTickUs + 5000), PushResult::kAccepted);
  EXPECT_EQ(jb_.stats().late, 1U);
  EXPECT_EQ(jb_.stats().resyncs, 1U);
  EXPECT_GE(jb_.stats().target_delay_ms, 40);
  EXPECT_EQ(play(2 * kTickUs + 1000), 1) << "plays at the next tick, one frame after its turn";
  send(2, 2 * kTickUs + 5000);
  EXPECT_EQ(play(3 * kTickUs + 1000), 2) << "and the stream goes on a frame later";
  EXPECT_EQ(jb_.stats().concealed, 1U);
}

// The sender's clock is a little slower than our tick, so its packets, which arrived just
// before our tick, drift across its edge and come just after it. One frame more is what that
// needs: the stream waits ~20 ms from then on, not the 40-60 ms it waited when the buffer
// anchored afresh (what made one loopback call in eight 61 ms mouth-to-ear).
TEST_F(JitterBufferTest, ASenderDriftingAcrossOurTickWaitsOneFrameMoreNotThree) {
  // 0.5 ms before our tick at first, each 5 us later than the last: after 100 it is after it.
  const auto arrival = [](int i) { return i * kTickUs - 500 + i * 5; };
  int next = 0;
  for (int tick = 0; tick < 400; ++tick) {
    for (; arrival(next) <= tick * kTickUs; ++next) {
      send(next, arrival(next));
    }
    play(tick * kTickUs);
  }
  EXPECT_EQ(jb_.stats().resyncs, 1U);
  EXPECT_LE(jb_.stats().concealed, 1U);
  EXPECT_GT(jb_.stats().last_wait_ms, 15.0);
  EXPECT_LT(jb_.stats().last_wait_ms, 20.0) << "waits one frame, not two or three";
  EXPECT_EQ(jb_.stats().target_delay_ms, 40) << "20 ms and the frame the late packet added";
}

// On a clean path the jitter estimate is a few microseconds, never quite 0: that is a
// one-frame target, not two.
TEST_F(JitterBufferTest, ACleanPathsTinyJitterAsksForOneFrame) {
  for (int i = 0; i < 100; ++i) {
    const std::int64_t arrival = i * kTickUs + (i % 3) * 100;  // 0-0.2 ms of wobble
    send(i, arrival);
    play(i * kTickUs + 1000);
  }
  EXPECT_GT(jb_.stats().jitter_ms, 0.0);
  EXPECT_EQ(jb_.stats().target_delay_ms, 20);
}

TEST_F(JitterBufferTest, LatePacketsAtTheMaximumDelayAreDropped) {
  JitterBuffer tight({.clock_rate = 48000, .frame_ms = 20, .min_delay_ms = 20, .max_delay_ms = 20});
  RtpPacketView view;
  std::vector<std::uint8_t> payload{0};
  view.payload = payload;
  view.header.timestamp = 1000;
  tight.push(view, 0);
  tight.pop(1000);
  tight.pop(kTickUs + 1000);
  view.header.timestamp = 1000 + kStep;
  EXPECT_EQ(tight.push(view, kTickUs + 5000), PushResult::kLate);
  EXPECT_EQ(tight.stats().resyncs, 0U);
}

// The path's delay steps up by 50 ms (a route change): every packet from then on misses its
// turn at the old delay. The first late one makes the buffer wait longer, so the step costs
// a few concealed frames, not the 200 ms of silence before a rebuffer.
TEST_F(JitterBufferTest, DelayStepCostsAFewFramesNotARebuffer) {
  const auto arrival = [](int i) { return i * kTickUs + (i < 50 ? 0 : 50'000); };
  std::vector<int> played;
  int next = 0;
  for (int tick = 0; tick < 100; ++tick) {
    const std::int64_t now = tick * kTickUs + 1000;
    for (; arrival(next) <= now; ++next) {
      send(next, arrival(next));
    }
    played.push_back(play(now));
  }
  EXPECT_GE(jb_.stats().resyncs, 1U);
  EXPECT_LE(std::count(played.begin() + 50, played.end(), -1), 5) << "frames concealed";
  const std::vector<int> tail(played.end() - 40, played.end());
  for (std::size_t k = 1; k < tail.size(); ++k) {
    EXPECT_EQ(tail[k], tail[k - 1] + 1) << "frame " << k << " of the last 40";
  }
}

// After ten calm seconds the extra frame goes again (and the drift check drains it).
TEST_F(JitterBufferTest, DelayAddedForALatePacketShrinksWhenCalm) {
  send(0, 0);
  play(1000);
  play(kTickUs + 1000);
  send(1, kTickUs + 5000);
  ASSERT_GE(jb_.stats().target_delay_ms, 40);
  for (int i = 2; i < 700; ++i) {
    send(i, i * kTickUs);
    play(i * kTickUs + 1000);
  }
  EXPECT_EQ(jb_.stats().target_delay_ms, 20);
  EXPECT_LE(jb_.depth(), 2U);
}

// Our ticks stop for 700 ms (a stalled thread, a paused VM) while packets keep coming, more
// than the buffer holds. Afterwards the stream plays on continuously at no more than the
// maximum delay, instead of concealing the gap a frame per tick for ever, or playing the
// backlog seconds late.
TEST_F(JitterBufferTest, AfterAStallPlayResumesWithinTheMaximumDelay) {
  for (int i = 0; i < 10; ++i) {
    send(i, i * kTickUs);
    play(i * kTickUs + 1000);
  }
  for (int i = 10; i < 45; ++i) {
    send(i, i * kTickUs);  // nobody pops
  }
  std::vector<int> played;
  for (int i = 45; i < 120; ++i) {
    send(i, i * kTickUs);
    played.push_back(play(i * kTickUs + 1000));
  }
  const std::vector<int> tail(played.end() - 60, played.end());
  for (std::size_t k = 1; k < tail.size(); ++k) {
    EXPECT_EQ(tail[k], tail[k - 1] + 1) << "frame " << k << " of the last 60";
  }
  EXPECT_GE(tail.back(), 119 - 120 / 20) << "played no later than the maximum delay";
  EXPECT_GT(jb_.stats().dropped_backlog, 0U);
}

TEST_F(JitterBufferTest, TimestampWrapIsSeamless) {
  const std::uint32_t base = 0xFFFFFFFFU - 3 * kStep;
  std::vector<int> played;
  for (int i = 0; i < 8; ++i) {
    send(i, i * kTickUs, base);
    played.push_back(play(i * kTickUs + 1000));
  }
  EXPECT_EQ(played, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(JitterBufferTest, DelayGrowsWithJitterWithinBounds) {
  // Arrivals jittering by +-30 ms around a 20 ms pace.
  for (int i = 0; i < 200; ++i) {
    const std::int64_t wobble = (i % 2 == 0 ? 30'000 : -30'000);
    send(i, i * kTickUs + wobble + 40'000);
  }
  EXPECT_GT(jb_.stats().jitter_ms, 20.0);
  EXPECT_GE(jb_.stats().target_delay_ms, 60);
  EXPECT_LE(jb_.stats().target_delay_ms, 120);
}

TEST_F(JitterBufferTest, FastSenderClockDoesNotGrowTheDelay) {
  // The sender's clock runs 1 % fast: 101 frames for every 100 of our ticks.
  int sent = 0;
  for (int tick = 0; tick < 3000; ++tick) {
    const std::int64_t now = tick * kTickUs;
    while (sent * 100 <= tick * 101) {
      send(sent, now);
      ++sent;
    }
    play(now + 1000);
  }
  EXPECT_LE(jb_.depth(), 1U) << "delay kept growing";
  EXPECT_LT(jb_.stats().last_wait_ms, 21.0) << "a frame deeper than the target";
  EXPECT_GT(jb_.stats().dropped_for_drift, 0U);
}

TEST_F(JitterBufferTest, NewStreamAfterAJumpIsFollowed) {
  for (int i = 0; i < 5; ++i) {
    send(i, i * kTickUs);
    play(i * kTickUs + 1000);
  }
  // The sender restarts with a timestamp far away: after a few packets we follow it.
  std::vector<int> played;
  for (int i = 0; i < 10; ++i) {
    const std::int64_t now = (5 + i) * kTickUs;
    send(i + 50, now, 500'000'000);
    played.push_back(play(now + 1000));
  }
  EXPECT_GT(jb_.stats().jumps, 0U);
  EXPECT_EQ(played.back(), 59);
}

}  // namespace
}  // namespace mcu::mixer::rtp
