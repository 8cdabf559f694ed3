// How the engine's packets cross into the kernel: through io_uring, a few syscalls per tick
// whatever the number of packets, and the epoll fallback (one syscall per packet) for kernels
// or sandboxes without it, which must carry the same calls.
#include "tests/integration/media_engine_fixture.h"

namespace mcu::mixer {
namespace {

TEST_F(MediaEngineTest, MediaThreadsUseIoUringWithAFewSyscallsPerTick) {
  auto [a, b, c] = threeOpusCallers();
  test::runFrames({&a, &b, &c}, 60);
  const EngineStats before = engine_->engineStats();
  test::runFrames({&a, &b, &c}, 50);
  const EngineStats after = publishedEngineStats(
      [&before](const EngineStats& s) { return s.ticks >= before.ticks + 40; });
  EXPECT_EQ(after.batched_threads, 2);
  const std::uint64_t ticks = after.ticks - before.ticks;
  ASSERT_GT(ticks, 0U);
  // Three io_uring_enter calls per tick (the read ahead, the tick's read, the sends), however
  // many packets: 300 came in and 300 went out meanwhile.
  EXPECT_LE(after.io_syscalls - before.io_syscalls, 3 * ticks + 4);
  // The reads ahead ran and read packets: the callers send at any moment of the 20 ms, and
  // only what came in the last 3 ms before a tick is left to the tick's own read.
  EXPECT_GT(after.receives_ahead, before.receives_ahead);
  EXPECT_GT(after.received_ahead, before.received_ahead);
  EXPECT_EQ(after.io_unbatched_sends, 0U);
  EXPECT_EQ(after.io_send_failed, 0U);
  EXPECT_GT(level(a, 800), kHeard);
  EXPECT_LT(level(a, 500), kNotHeard);
}

TEST_F(MediaEngineEpollTest, WithoutIoUringCallsHearEachOtherAcrossMovesAndRtcpFlows) {
  EXPECT_EQ(engine_->engineStats().batched_threads, 0);
  ASSERT_TRUE(engine_->createRoom(2, room_config_));
  auto [a, b, c] = threeOpusCallers();
  test::runFrames({&a, &b, &c}, 100);
  test::expectHearsInFrames(a.lastAudio(600), {800, 1100}, {500});
  test::expectHearsInFrames(b.lastAudio(600), {500, 1100}, {800});
  EXPECT_FALSE(a.receivedRtcp().empty()) << "sender reports go out too";
  // Room 2 is on the other media thread: the move hands the sockets over.
  ASSERT_TRUE(engine_->moveParticipant(1_pid, 2));
  auto& d = peer(opus(), 1900);
  join(d, opus(), 0, 2);
  // Judged once the move has landed (it hands the stream over in two posts): on a starved
  // machine the window could otherwise still hold the old room.
  ASSERT_TRUE(engine_->flush(std::chrono::seconds(10)));
  ASSERT_TRUE(engine_->flush(std::chrono::seconds(10)));
  test::runFrames({&a, &b, &c, &d}, 75);
  test::expectHearsInFrames(a.lastAudio(600), {1900}, {800, 1100});
  test::expectHearsInFrames(b.lastAudio(600), {1100}, {500, 1900});
}

}  // namespace
}  // namespace mcu::mixer
