// A room spread over both media threads (room_link.h): members on either thread must hear and
// be heard exactly as in a room on one thread, talkers of both threads compete for the same K
// seats and are named in the mix, and a part that loses its last member goes away while the
// room plays on. Every member here alternates: home thread, other thread, home, other...
#include <algorithm>
#include <atomic>
#include <set>

#include "tests/integration/media_engine_fixture.h"

namespace mcu::mixer {
namespace {

// Heard: in most 20 ms frames (a tick stalled by a busy machine costs frames, not the verdict).
// Not heard: the level over the whole window (one frame's Goertzel picks up the neighbouring
// tones' leakage near the -40 dB line, a window's does not), below the line or at least 25 dB
// under the quietest tone heard. The gaps a starved machine leaves in the heard tones spread
// their energy across the spectrum (seen: -42 dB at 800 Hz under a CPU hog, with the heard
// tones 25-30 dB above); a talker hearing itself, the fault this guards against, is at the
// level of the others.
void expectHearsSpread(std::span<const std::int16_t> audio, std::initializer_list<double> heard,
                       std::initializer_list<double> not_heard) {
  test::expectHearsInFrames(audio, heard, {});
  double quietest_heard = 0.0;
  for (const double hz : heard) {
    quietest_heard = std::min(quietest_heard, test::goertzelDb(audio, hz));
  }
  for (const double hz : not_heard) {
    const double level = test::goertzelDb(audio, hz);
    const bool below_line = level < kNotHeard;
    const bool far_below_heard = heard.size() > 0 && level < quietest_heard - 25.0;
    EXPECT_TRUE(below_line || far_below_heard)
        << hz << " Hz should not be heard: " << level << " dB, the heard tones from "
        << quietest_heard << " dB";
  }
}

TEST_F(MediaEngineSpreadTest, TalkersOnBothThreadsHearEachOtherButNeverThemselves) {
  auto [a, b, c] = threeOpusCallers();  // a and c on the home thread, b on the other
  auto& listener = peer(pcmu(), 0);     // on the other thread, another codec
  listener.setSilent(true);
  join(listener, pcmu());
  test::runFrames({&a, &b, &c, &listener}, 100);
  expectHearsSpread(a.lastAudio(1000), {800, 1100}, {500});
  expectHearsSpread(b.lastAudio(1000), {500, 1100}, {800});
  expectHearsSpread(c.lastAudio(1000), {500, 800}, {1100});
  test::expectHears(listener.lastAudio(600), {500, 800, 1100}, {});
  const EngineStats stats =
      publishedEngineStats([](const EngineStats& e) { return e.shard_parts == 1; });
  EXPECT_EQ(stats.shard_parts, 1U) << "room 1 has a part on the thread that is not its home";
}

TEST_F(MediaEngineSpreadTest, TalkingEventsAndTheCsrcListNameMembersOfBothThreads) {
  auto& a = peer(opus(), 500);  // home
  auto& b = peer(opus(), 800);  // other thread
  auto& listener = peer(opus(), 0);
  listener.setSilent(true);
  const ParticipantId aid = join(a, opus());
  const ParticipantId bid = join(b, opus());
  join(listener, opus());
  test::runFrames({&a, &b, &listener}, 60);
  EXPECT_TRUE(events_.talkingChanges(aid).starts_with("talking"));
  EXPECT_TRUE(events_.talkingChanges(bid).starts_with("talking"));
  // Among the listener's last 25 packets, one names exactly both talkers.
  const std::set<std::uint32_t> both{a.ssrc(), b.ssrc()};
  const auto& got = listener.received();
  ASSERT_GE(got.size(), 25U);
  bool named = false;
  for (std::size_t i = got.size() - 25; i < got.size(); ++i) {
    const auto list = got[i].header.contributors();
    named = named || std::set<std::uint32_t>(list.begin(), list.end()) == both;
  }
  EXPECT_TRUE(named);
  // While they talk, b's own statistics, kept on the other thread, come to carry the home's
  // verdict: looked at every 50 ms for as long as the talking lasts (30 frames, at least
  // 600 ms), so a slow publication on a busy machine only means a later look.
  std::atomic<bool> done{false};
  std::thread talk([&] {
    test::runFrames({&a, &b, &listener}, 30);
    done = true;
  });
  bool seen_talking = false;
  bool seen_selected = false;
  while (!done && !(seen_talking && seen_selected)) {
    std::this_thread::sleep_for(50ms);
    if (const auto stats = engine_->stats(bid)) {
      seen_talking = seen_talking || stats->talking;
      seen_selected = seen_selected || stats->selected;
    }
  }
  talk.join();
  EXPECT_TRUE(seen_talking);
  EXPECT_TRUE(seen_selected);
}

TEST_F(MediaEngineSpreadTest, TheLoudestKAreChosenAcrossThreads) {
  engine_->setMaxSpeakers(1, 1);
  auto& quiet = peer(opus(), 500, 2500);  // home
  auto& loud = peer(opus(), 800, 12000);  // other thread
  auto& listener = peer(opus(), 0);       // home
  auto& far_listener = peer(pcmu(), 0);   // other thread
  listener.setSilent(true);
  far_listener.setSilent(true);
  join(quiet, opus());
  join(loud, opus());
  join(listener, opus());
  join(far_listener, pcmu());
  // 3 s, judged on the last 2: the first packets build the talkers' decoders and the
  // listeners' encoders, which under ASan on a busy machine held the other thread for most of
  // a second (it publishes no levels meanwhile, and the home seats whom it can hear).
  test::runFrames({&quiet, &loud, &listener, &far_listener}, 150);
  for (const auto* p : {&listener, &far_listener}) {
    EXPECT_GT(shareOfFramesHeard(*p, 800, 2000), 0.5);
    EXPECT_LT(shareOfFramesHeard(*p, 500, 2000), 0.5);
  }
  EXPECT_EQ(
      publishedEngineStats([](const EngineStats& e) { return e.shard_parts == 1; }).shard_parts,
      1U);
}

TEST_F(MediaEngineSpreadTest, APartThatLosesItsLastMemberGoesAndTheRoomPlaysOn) {
  ASSERT_TRUE(engine_->createRoom(2, room_config_));  // its home is the other thread
  auto& a = peer(opus(), 500);                        // room 1, home
  auto& b = peer(opus(), 800);                        // room 1, other thread
  auto& c = peer(opus(), 1100);                       // room 1, home
  join(a, opus());
  const ParticipantId bid = join(b, opus());
  join(c, opus());
  test::runFrames({&a, &b, &c}, 50);
  ASSERT_EQ(
      publishedEngineStats([](const EngineStats& e) { return e.shard_parts == 1; }).shard_parts,
      1U);
  expectHearsSpread(a.lastAudio(1000), {800, 1100}, {500});

  // b moves to room 2, whose home is b's thread: room 1's part there goes with it.
  ASSERT_TRUE(engine_->moveParticipant(bid, 2));
  auto& d = peer(opus(), 1900);  // room 2, other thread than its home: room 2 spreads
  join(d, opus(), 0, 2);
  // 3 s, judged on the last: a move and a join build codec chains, which under ASan on a busy
  // machine held the new room for most of a second.
  test::runFrames({&a, &b, &c, &d}, 150);
  expectHearsSpread(a.lastAudio(1000), {1100}, {800, 1900});
  expectHearsSpread(b.lastAudio(1000), {1900}, {500, 1100});
  expectHearsSpread(d.lastAudio(1000), {800}, {500, 1100});
  EXPECT_EQ(
      publishedEngineStats([](const EngineStats& e) { return e.shard_parts == 1; }).shard_parts, 1U)
      << "room 1's went, room 2's came";

  engine_->removeParticipant(bid);
  test::runFrames({&a, &c, &d}, 75);
  expectHearsSpread(d.lastAudio(1000), {}, {500, 800, 1100});
  engine_->destroyRoom(2);
  test::runFrames({&a, &c}, 75);
  expectHearsSpread(a.lastAudio(1000), {1100}, {500});
  EXPECT_EQ(
      publishedEngineStats([](const EngineStats& e) { return e.shard_parts == 0; }).shard_parts,
      0U);
}

}  // namespace
}  // namespace mcu::mixer
