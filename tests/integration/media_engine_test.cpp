// The media engine over loopback RTP with real Opus, G.711 and G.722 packets: each test's
// participants send their own tone, and every receiver decodes what the engine sends and
// checks (Goertzel) which tones it hears.
#include "tests/integration/media_engine_fixture.h"
#include "tests/support/eventually.h"

namespace mcu::mixer {
namespace {

using namespace std::chrono_literals;

TEST_F(MediaEngineTest, OpusTalkersHearEachOtherButNeverThemselves) {
  auto [a, b, c] = threeOpusCallers();
  test::runFrames({&a, &b, &c}, 100);
  for (auto [p, own, others] : {std::tuple{&a, 500.0, std::pair{800.0, 1100.0}},
                                std::tuple{&b, 800.0, std::pair{500.0, 1100.0}},
                                std::tuple{&c, 1100.0, std::pair{500.0, 800.0}}}) {
    SCOPED_TRACE(own);
    EXPECT_GT(level(*p, others.first), kHeard);
    EXPECT_GT(level(*p, others.second), kHeard);
    EXPECT_LT(level(*p, own), kNotHeard);
  }
}

TEST_F(MediaEngineTest, MovedParticipantKeepsItsPortAndHearsTheOtherRoom) {
  // With two threads, rooms 1 and 2 are on different media threads: the move crosses them.
  ASSERT_TRUE(engine_->createRoom(2, room_config_));
  auto& a = peer(opus(), 500);
  auto& b = peer(pcmu(), 800);
  auto& c = peer(opus(), 1100);
  const ParticipantId aid = join(a, opus());
  join(b, pcmu());
  join(c, opus(), 0, 2);
  test::runFrames({&a, &b, &c}, 50);
  ASSERT_GT(level(a, 800, 600), kHeard);
  ASSERT_LT(level(a, 1100, 600), kNotHeard);
  engine_->setMute(aid, true);
  ASSERT_TRUE(engine_->moveParticipant(aid, 2));
  // Sent while it is on its way: applied when it arrives, not lost.
  engine_->setMute(aid, false);
  test::runFrames({&a, &b, &c}, 75);
  test::expectHearsInFrames(a.lastAudio(600), {1100}, {800, 500});
  test::expectHearsInFrames(c.lastAudio(600), {500}, {1100});
  test::expectHearsInFrames(b.lastAudio(600), {}, {500});  // the old room no longer hears it
  EXPECT_FALSE(engine_->moveParticipant(99_pid, 2));
  EXPECT_FALSE(engine_->moveParticipant(aid, 7));
  // Removed right after a move, before it arrived: gone for good, no stray stream.
  ASSERT_TRUE(engine_->moveParticipant(aid, 1));
  engine_->removeParticipant(aid);
  // Counted once the removal has run (twice: a move hands the stream over in two posts), and
  // what was sent before it has been read: a starved media thread may run it ticks later.
  ASSERT_TRUE(engine_->flush(10s));
  ASSERT_TRUE(engine_->flush(10s));
  test::runFrames({&a, &b, &c}, 5);
  const std::size_t c_before = a.received().size();
  test::runFrames({&a, &b, &c}, 25);
  EXPECT_LE(a.received().size(), c_before + 1) << "a removed participant is still sent audio";
}

TEST_F(MediaEngineTest, LongPacketsOf30And60MsPlayWithoutGaps) {
  auto& a = peer(pcmu(), 500);
  auto& b = peer(pcmu(), 800);
  auto& c = peer(opus(), 1100);
  a.setFramesPerPacket(3);  // 60 ms
  b.setFramesPerPacket(2);  // 40 ms (30 ms cannot be made from 20 ms frames; the same path)
  const ParticipantId aid = join(a, pcmu());
  const ParticipantId bid = join(b, pcmu());
  join(c, opus());
  test::runFrames({&a, &b, &c}, 150);
  test::expectHearsInFrames(c.lastAudio(1000), {500, 800}, {1100});
  // Their packets are all counted: received or lost.
  const auto counted = [](const ParticipantStats& s) { return s.packets_in + s.lost >= 40; };
  const auto as = publishedStats(aid, counted);
  const auto bs = publishedStats(bid, counted);
  ASSERT_TRUE(as && bs);
  // Before, only every third long packet found its slot: about 100 of these 150 frames were
  // concealed. A loaded test machine (ASan, tests in parallel) delays senders now and then,
  // and each such stall conceals a frame: allow 15 %, far from the old two in three.
  EXPECT_LT(as->lost, 23U) << "60 ms packets: concealed frames, late " << as->late;
  EXPECT_LT(bs->lost, 23U) << "40 ms packets: concealed frames, late " << bs->late;
  // Continuity: the tone's level is steady over the last second, with no 20 ms hole.
  const auto audio = c.lastAudio(1000);
  int quiet = 0;
  for (std::size_t at = 0; at + 960 <= audio.size(); at += 960) {
    const std::span<const std::int16_t> frame(audio.data() + at, 960);
    quiet += test::goertzelDb(frame, 500) < kHeard ? 1 : 0;
  }
  EXPECT_LE(quiet, 1) << "20 ms frames where the 60 ms sender was not heard";
}

// The longest run of samples near silence: a zero crossing's few, or a hole's many.
std::size_t longestNearSilence(const std::vector<std::int16_t>& audio) {
  std::size_t run = 0;
  std::size_t longest = 0;
  for (const std::int16_t sample : audio) {
    run = std::abs(sample) < 200 ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// 10 ms packets (legal, and some gateways send G.711 so): a tick's frame is two of them.
TEST_F(MediaEngineTest, PacketsOf10MsPlayWithoutGaps) {
  auto& a = peer(pcmu(), 500);
  auto& c = peer(opus(), 1100);
  a.setHalfFramePackets(true);
  const ParticipantId aid = join(a, pcmu());
  join(c, opus());
  test::runFrames({&a, &c}, 150);
  test::expectHearsInFrames(c.lastAudio(1000), {500}, {1100});
  const auto stats =
      publishedStats(aid, [](const ParticipantStats& s) { return s.packets_in + s.lost >= 200; });
  ASSERT_TRUE(stats);
  EXPECT_LT(stats->lost, 23U) << "concealed frames, late " << stats->late;
  EXPECT_LT(stats->late, 23U) << "packets let go as too late";
  // The audio is judged over the last second of a run with on-time sending and ticks: a
  // stalled sender's missing half frame would be a hole too, and not the engine's.
  ASSERT_TRUE(runUntilClean({&a, &c})) << "no run of 1.5 s with on-time sending and ticks in 10";
  const auto audio = c.lastAudio(1000);
  int quiet = 0;
  for (std::size_t at = 0; at + 960 <= audio.size(); at += 960) {
    quiet += test::goertzelDb(std::span<const std::int16_t>(audio.data() + at, 960), 500) < kHeard
                 ? 1
                 : 0;
  }
  EXPECT_LE(quiet, 1) << "20 ms frames where the 10 ms sender was not heard";
  // And no 10 ms hole inside a frame (a frame half tone, half silence would still pass the
  // check above): the longest run of near-silent samples is a zero crossing's, not a gap's.
  EXPECT_LT(longestNearSilence(audio), 48U) << "samples in a row near silence (48: 1 ms)";
}

// The second half of every 10th frame lost: the half that came plays and the rest is
// concealed. Before, the frame was silent (a 20 ms hole) and the half played a frame late.
TEST_F(MediaEngineTest, ALostSecondHalfOfA10MsPairIsConcealedNotSilent) {
  auto& a = peer(pcmu(), 500);
  auto& c = peer(opus(), 1100);
  a.setHalfFramePackets(true);
  a.setImpairment({.drop_every = 10});
  join(a, pcmu());
  join(c, opus());
  test::runFrames({&a, &c}, 100);
  ASSERT_TRUE(runUntilClean({&a, &c})) << "no run of 1.5 s with on-time sending and ticks in 10";
  EXPECT_LT(longestNearSilence(c.lastAudio(1000)), 48U)
      << "samples in a row near silence (48: 1 ms)";
}

TEST_F(MediaEngineTest, RemovalHandsOverTheFinalStatistics) {
  auto& a = peer(pcmu(), 500);
  const ParticipantId id = join(a, pcmu());
  test::runFrames({&a}, 30);
  a.sendFrame();  // still in the server's socket when the removal runs: it is taken in first
  std::promise<ParticipantStats> final_stats;
  engine_->removeParticipantWithStats(
      id, [&final_stats](const ParticipantStats& s) { final_stats.set_value(s); });
  auto f = final_stats.get_future();
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(f.get().packets_in, a.packetsSent()) << "every packet, not the last publication";
  EXPECT_FALSE(engine_->stats(id).has_value());
}

TEST_F(MediaEngineTest, OpusPcmuAndG722ShareARoom) {
  auto& a = peer(opus(), 500);
  auto& b = peer(pcmu(), 800);
  auto& c = peer(g722(), 1100);
  join(a, opus());
  join(b, pcmu());
  join(c, g722());
  test::runFrames({&a, &b, &c}, 100);
  test::expectHearsInFrames(a.lastAudio(1000), {800, 1100}, {500});
  test::expectHearsInFrames(b.lastAudio(1000), {500, 1100}, {800});
  test::expectHearsInFrames(c.lastAudio(1000), {500, 800}, {1100});
}

TEST_F(MediaEngineTest, StereoOpusParticipantHearsAndIsHeard) {
  const CodecSpec stereo{.kind = CodecKind::kOpus, .payload_type = 111, .channels = 2};
  auto& a = peer(stereo, 500);
  auto& b = peer(opus(), 800);
  join(a, stereo);
  join(b, opus());
  test::runFrames({&a, &b}, 75);
  test::expectHearsInFrames(a.lastAudio(600), {800}, {500});
  test::expectHearsInFrames(b.lastAudio(600), {500}, {800});
}

TEST_F(MediaEngineTest, MutedIsNotHeardAndDeafHearsSilence) {
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 800);
  auto& c = peer(opus(), 1100);
  join(a, opus());
  const ParticipantId bid = join(b, opus());
  const ParticipantId cid = join(c, opus());
  test::runFrames({&a, &b, &c}, 50);
  // Heard in a quarter of the last second's frames or more: a busy machine that stalled the
  // senders for 500 ms (seen in CI) leaves half; losing the audio leaves none.
  ASSERT_GT(shareOfFramesHeard(a, 1100), 0.25);
  engine_->setMute(cid, true);
  engine_->setDeaf(bid, true);
  test::runFrames({&a, &b, &c}, 10);
  const std::size_t b_before = b.received().size();
  test::runFrames({&a, &b, &c}, 50);
  EXPECT_LT(level(a, 1100, 600), kNotHeard);
  EXPECT_GT(shareOfFramesHeard(a, 800), 0.25);
  // Deaf hears nothing of the room, yet gets a packet every 20 ms (phones and NATs end a call
  // that receives nothing).
  // 50 are sent; half is asserted (a loaded machine delays ticks), nothing was sent before.
  EXPECT_GE(b.received().size() - b_before, 25U) << "a deaf participant is still sent packets";
  EXPECT_LT(level(b, 500, 600), kNotHeard) << "a deaf participant was sent audio";
  EXPECT_LT(level(b, 1100, 600), kNotHeard);
}

TEST_F(MediaEngineTest, SrtpParticipantHearsAndIsHeardAndForgedPacketsAreCountedAndDropped) {
  auto& a = peer(opus(), 500);
  auto& s = peer(g722(), 800);
  join(a, opus());
  const std::vector<std::uint8_t> ours(30, 0x11);
  const std::vector<std::uint8_t> theirs(30, 0x22);
  const ParticipantId sid =
      join(s, g722(), 0, 1, srtp::SrtpKeys{srtp::SrtpSuite::kAesCm128HmacSha1_80, ours, theirs});
  s.setSrtp({srtp::SrtpSuite::kAesCm128HmacSha1_80, theirs, ours});
  test::runFrames({&a, &s}, 50);
  EXPECT_GT(level(a, 800, 500), kHeard) << "its SRTP is decrypted and mixed";
  EXPECT_GT(level(s, 500, 500), kHeard) << "what it is sent is SRTP it can decrypt";
  EXPECT_EQ(s.srtpFailures(), 0U);
  // A forger on its address: plain RTP, and an SRTP packet with a flipped bit.
  std::array<std::uint8_t, 172> forged{0x80, 9, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 2};
  s.sendRaw(forged);
  forged[20] ^= 0x01;
  s.sendRaw(forged);
  test::runFrames({&a, &s}, 25);
  const auto stats =
      publishedStats(sid, [](const ParticipantStats& st) { return st.srtp_auth_failed >= 2; });
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->srtp_auth_failed, 2U);
  EXPECT_GT(level(a, 800, 300), kHeard) << "the call goes on";
}

TEST_F(MediaEngineTest, TheMixNamesItsTalkersAsContributingSources) {
  auto [a, b, c] = threeOpusCallers();
  c.setSilent(true);  // a listener
  test::runFrames({&a, &b, &c}, 60);
  // Among its last 25 packets, one carries exactly `expected` (talking is detected from
  // levels, and a loaded machine may make it flicker for a frame): and none ever names
  // anyone outside `allowed`.
  const auto told = [](const test::RtpPeer& p, const std::set<std::uint32_t>& expected,
                       const std::set<std::uint32_t>& allowed) {
    const auto& got = p.received();
    bool seen = false;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto list = got[i].header.contributors();
      const std::set<std::uint32_t> names(list.begin(), list.end());
      for (const auto ssrc : names) {
        if (!allowed.contains(ssrc)) {
          return false;
        }
      }
      seen = seen || (i + 25 >= got.size() && names == expected);
    }
    return seen;
  };
  EXPECT_TRUE(told(c, {a.ssrc(), b.ssrc()}, {a.ssrc(), b.ssrc()})) << "the listener: both";
  EXPECT_TRUE(told(a, {b.ssrc()}, {b.ssrc()})) << "a talker hears, and is told, the other";
  EXPECT_TRUE(told(b, {a.ssrc()}, {a.ssrc()}));
  a.setSilent(true);
  b.setSilent(true);
  test::runFrames({&a, &b, &c}, 60);
  EXPECT_TRUE(told(c, {}, {a.ssrc(), b.ssrc()})) << "nobody talks: no contributors";
}

// RFC 6465: a listener that negotiated it is told each contributor's level beside its CSRC, in
// the same order (the louder talker fewer dB below full scale); one that did not gets none.
TEST_F(MediaEngineTest, TheMixCarriesItsContributorsLevelsWhenNegotiated) {
  auto& loud = peer(opus(), 500, 12000);
  auto& soft = peer(opus(), 800, 2500);
  auto& listener = peer(opus(), 0);
  listener.setSilent(true);
  for (auto* p : {&loud, &soft, &listener}) {
    p->setContributorLevelId(3);
  }
  join(loud, opus());
  join(soft, opus());
  join(listener, opus(), 0, 1, std::nullopt, 3);
  test::runFrames({&loud, &soft, &listener}, 60);
  const auto& got = listener.received();
  ASSERT_GT(got.size(), 25U);
  int both = 0;
  for (std::size_t i = got.size() - 25; i < got.size(); ++i) {
    const auto& h = got[i].header;
    ASSERT_EQ(h.csrc_level_count, h.csrc_count) << "a level for every contributor";
    if (h.csrc_count != 2) {
      continue;  // talking flickers for a frame on a loaded machine
    }
    ++both;
    const auto level_of = [&h](std::uint32_t ssrc) {
      for (std::size_t k = 0; k < h.csrc_count; ++k) {
        if (h.csrcs[k] == ssrc) {
          return static_cast<int>(h.csrc_levels[k]);
        }
      }
      return -1;
    };
    EXPECT_GE(level_of(loud.ssrc()), 0);
    EXPECT_LT(level_of(loud.ssrc()), level_of(soft.ssrc()));
    EXPECT_LE(level_of(loud.ssrc()), 20) << "a tone at a third of full scale is about -12 dBov";
  }
  EXPECT_GT(both, 0) << "no packet named both talkers";
  for (const auto& packet : loud.received()) {
    EXPECT_EQ(packet.header.csrc_level_count, 0) << "not negotiated: not sent";
  }
}

TEST_F(MediaEngineTest, OnlyTheLoudestKAreMixed) {
  engine_->setMaxSpeakers(1, 2);
  auto& loud = peer(opus(), 500, 12000);
  auto& second = peer(opus(), 800, 9000);
  auto& third = peer(opus(), 1100, 2500);
  auto& fourth = peer(opus(), 1400, 1500);
  auto& listener = peer(opus(), 0);
  listener.setSilent(true);
  for (auto* p : {&loud, &second, &third, &fourth, &listener}) {
    join(*p, opus());
  }
  test::runFrames({&loud, &second, &third, &fourth, &listener}, 100);
  // Counted over the whole 2 s: mixing everyone would put the two quiet tones in every frame.
  // A sender stalled by a busy machine may hand a seat to a quiet one for its 500 ms hold (a
  // quarter of the run; two such stalls gave 56 % of the last second in CI), so the verdict is
  // "rarely", not "never"; the loud ones are in most frames.
  EXPECT_GT(shareOfFramesHeard(listener, 500, 2000), 0.5);
  EXPECT_GT(shareOfFramesHeard(listener, 800, 2000), 0.5);
  EXPECT_LT(shareOfFramesHeard(listener, 1100, 2000), 0.5);
  EXPECT_LT(shareOfFramesHeard(listener, 1400, 2000), 0.5);
  // The shared mix was encoded once per tick for all listeners (exactly: mix_fan_out_test).
  const EngineStats stats =
      publishedEngineStats([](const EngineStats& s) { return s.shared_encodes > 0; });
  EXPECT_GT(stats.shared_encodes, 0U);
  EXPECT_LE(stats.shared_encodes, stats.ticks);
}

TEST_F(MediaEngineTest, ListenersWithLevelsAreNeverDecodedEvenWhenTheirPacketsGoMissing) {
  // RFC 6464 listeners whose packets are lost and late: their levels stand in for the missing
  // frames, so no decoder (a GStreamer chain each) is built for them; the talker has one.
  auto& talker = peer(opus(), 700);
  auto& lossy = peer(opus(), 0);
  auto& late = peer(opus(), 0);
  lossy.setSilent(true);
  late.setSilent(true);
  lossy.setImpairment({.drop_every = 4});
  // Held back two frames, and some lost too: on a busy machine the jitter buffer may have
  // grown past a two-frame delay, and a late packet then arrives in time (not missing at all).
  late.setImpairment({.drop_every = 9, .delay_every = 5});
  const ParticipantId tid = join(talker, opus(), 1);
  const ParticipantId lid = join(lossy, opus(), 1);
  const ParticipantId did = join(late, opus(), 1);
  test::runFrames({&talker, &lossy, &late}, 100, 1);
  for (const ParticipantId id : {lid, did}) {
    const auto stats =
        publishedStats(id, [](const ParticipantStats& s) { return s.lost + s.late > 0; });
    ASSERT_TRUE(stats);
    EXPECT_GT(stats->lost + stats->late, 0U) << "the impairment reached the engine: " << id;
    EXPECT_FALSE(stats->decoding) << id;
  }
  const auto talker_stats =
      publishedStats(tid, [](const ParticipantStats& s) { return s.decoding; });
  ASSERT_TRUE(talker_stats);
  EXPECT_TRUE(talker_stats->decoding);
  EXPECT_GT(level(lossy, 700), kHeard);
  EXPECT_GT(level(late, 700), kHeard);
}

TEST_F(MediaEngineTest, ImpairedSenderIsStillHeardContinuously) {
  room_config_.jitter.min_delay_ms = 40;
  engine_->createRoom(2, room_config_);
  auto& a = peer(opus(), 600);
  a.setVoiceFec(true);  // as a phone sends while its user speaks: with in-band FEC
  auto& b = peer(opus(), 0);
  b.setSilent(true);
  // Lost, duplicated, reordered, and late (held back two frames, past the playout point).
  a.setImpairment({.drop_every = 17, .duplicate_every = 7, .swap_every = 5, .delay_every = 13});
  const MediaEndpoint ea = endpointFor(opus(), a.port());
  const MediaEndpoint eb = endpointFor(opus(), b.port());
  const ParticipantId aid = 100_pid;
  a.setServerPort(*engine_->addParticipant(2, aid, ea, false));
  b.setServerPort(*engine_->addParticipant(2, 101_pid, eb, false));
  test::runFrames({&a, &b}, 50);
  // A second is judged only if this thread sent every frame on time and the engine ran every
  // tick on time (runUntilClean).
  ASSERT_TRUE(runUntilClean({&a, &b})) << "no run of 1.5 s with on-time sending and ticks in 10";
  const auto audio = b.lastAudio(1000);
  ASSERT_EQ(audio.size(), 48000U);
  for (std::size_t chunk = 0; chunk + 960 <= audio.size(); chunk += 960) {
    const double db = test::goertzelDb(std::span(audio).subspan(chunk, 960), 600);
    EXPECT_GT(db, -45.0) << "silence in chunk " << chunk / 960;
  }
  const auto stats =
      publishedStats(aid, [](const ParticipantStats& s) { return s.duplicates > 0 && s.lost > 0; });
  ASSERT_TRUE(stats);
  EXPECT_GT(stats->duplicates, 0U);
  EXPECT_GT(stats->lost, 0U);
  // 40 ms of delay hold the packet after a lost one: the decoder was handed it, and rebuilt
  // lost frames from the in-band FEC it carries (opus_frame_codec_test.cpp) instead of
  // concealing blind.
  EXPECT_GT(stats->concealed_with_next, 0U);
  EXPECT_GT(stats->recovered, 0U);
  EXPECT_LE(stats->recovered, stats->concealed_with_next);
}

TEST_F(MediaEngineTest, RtpFromAnotherAddressOrGarbageIsDropped) {
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 0);
  b.setSilent(true);
  auto& intruder = peer(opus(), 1500, 16000);
  const ParticipantId aid = join(a, opus());
  join(b, opus());
  // The intruder sends a loud tone, and garbage, to the port the server gave A.
  intruder.setServerPort(a.serverPort());
  const std::vector<std::uint8_t> garbage(300, 0xFF);
  for (int i = 0; i < 50; ++i) {
    a.sendRaw(garbage);
  }
  test::runFrames({&a, &b, &intruder}, 100);
  EXPECT_GT(level(b, 500), kHeard);
  EXPECT_LT(level(b, 1500), kNotHeard);
  const auto stats = publishedStats(aid, [](const ParticipantStats& s) {
    return s.dropped_wrong_source >= 90 && s.dropped_bad >= 50;
  });
  ASSERT_TRUE(stats);
  EXPECT_GE(stats->dropped_wrong_source, 90U);
  EXPECT_GE(stats->dropped_bad, 50U);
}

TEST_F(MediaEngineTest, RtcpReportsFlowBothWays) {
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 800);
  const ParticipantId aid = join(a, opus());
  join(b, opus());
  test::runFrames({&a, &b}, 20);
  // The engine sent A a sender report (rtcp-mux) about the stream it sends A.
  ASSERT_FALSE(a.receivedRtcp().empty());
  EXPECT_EQ(a.receivedRtcp()[0][1], 200) << "not an SR";
  // A answers with a receiver report about that stream: a quarter lost, jitter 480 units.
  const std::uint32_t ssrc = a.received().front().header.ssrc;
  std::vector<std::uint8_t> rr{0x81, 201, 0, 7, 0, 0, 0, 1};
  for (int shift = 24; shift >= 0; shift -= 8) {
    rr.push_back(static_cast<std::uint8_t>(ssrc >> shift));
  }
  const std::vector<std::uint8_t> rest{64, 0,   0, 5, 0, 0, 1, 0, 0, 0,
                                       1,  224, 0, 0, 0, 0, 0, 0, 0, 0};
  rr.insert(rr.end(), rest.begin(), rest.end());
  a.sendRaw(rr);
  test::runFrames({&a, &b}, 15);
  const auto stats =
      publishedStats(aid, [](const ParticipantStats& s) { return s.rtcp_received >= 1; });
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->rtcp_received, 1U);
  EXPECT_GE(stats->rtcp_sent, 1U);
  EXPECT_DOUBLE_EQ(stats->remote_fraction_lost, 0.25);
  EXPECT_EQ(stats->remote_cumulative_lost, 5);
  EXPECT_DOUBLE_EQ(stats->remote_jitter_ms, 10.0);
}

TEST_F(MediaEngineTest, OutgoingStreamStaysContinuousAcrossSpeakerSwitches) {
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 800);
  join(a, opus());
  join(b, opus());
  a.setSilent(true);
  test::runFrames({&a, &b}, 40);  // A listens: shared mix
  a.setSilent(false);
  test::runFrames({&a, &b}, 40);  // A talks: personal mix
  a.setSilent(true);
  test::runFrames({&a, &b}, 60);  // and back
  const auto& got = a.received();
  ASSERT_GT(got.size(), 100U);
  for (std::size_t i = 1; i < got.size(); ++i) {
    ASSERT_EQ(static_cast<std::uint16_t>(got[i].header.sequence - got[i - 1].header.sequence), 1)
        << "at packet " << i;
    ASSERT_EQ(got[i].header.timestamp - got[i - 1].header.timestamp, 960U) << "at packet " << i;
    ASSERT_EQ(got[i].header.ssrc, got[0].header.ssrc);
  }
}

TEST_F(MediaEngineTest, TalkingAndTimeoutEventsAreReported) {
  room_config_.rtp_timeout_ms = 300;
  engine_->createRoom(3, room_config_);
  auto& a = peer(opus(), 500);
  const MediaEndpoint e = endpointFor(opus(), a.port());
  a.setServerPort(*engine_->addParticipant(3, 300_pid, e, false));
  test::runFrames({&a}, 40);
  a.setSilent(true);
  test::runFrames({&a}, 40);
  // No packets at all from here: the 300 ms RTP timeout.
  EXPECT_TRUE(test::eventually([&] { return events_.count("timeout:300") > 0; }, 10s));
  EXPECT_EQ(events_.count("first:300"), 1);
  // Talking, then silent. On a loaded machine the packets of the tone's end may come in a
  // burst and the state flap once more: what is asserted is the order, not the count.
  const std::string changes = events_.talkingChanges(300_pid);
  EXPECT_TRUE(changes.starts_with("talking,silent") && changes.ends_with("silent")) << changes;
  EXPECT_EQ(events_.count("timeout:300"), 1);
}

TEST_F(MediaEngineTest, SpeakersAreRankedByTheAudioLevelExtension) {
  auto& a = peer(opus(), 500, 12000);
  auto& b = peer(opus(), 0);
  b.setSilent(true);
  join(a, opus(), 1);
  join(b, opus(), 1);
  test::runFrames({&a, &b}, 80, 1);
  EXPECT_GT(level(b, 500, 600), kHeard);
  // A goes on sending its tone but now claims silence (127 dBov): the mixer believes the
  // extension, which is what lets it skip decoding silent inputs, and drops A.
  // The selector's release and hold take about 700 ms; only what B hears after them counts.
  a.setReportedLevel(127);
  test::runFrames({&a, &b}, 60, 1);
  const std::size_t mark = b.audioMark();
  test::runFrames({&a, &b}, 30, 1);
  const auto after = b.audioSince(mark);
  ASSERT_GE(after.size(), 400U * 48U) << "B must go on receiving the (silent) mix";
  EXPECT_LT(test::goertzelDb(after, 500), kNotHeard);
}

TEST_F(MediaEngineTest, ThreadCountDoesNotGrowWithParticipants) {
  auto& first = peer(opus(), 500);
  join(first, opus());
  test::runFrames({&first}, 5);
  const int with_one = test::threadCount();
  std::vector<std::unique_ptr<test::RtpPeer>> many;
  for (int i = 0; i < 199; ++i) {
    auto& p = peer(i % 2 == 0 ? opus() : pcmu(), 0);
    p.setSilent(true);
    join(p, i % 2 == 0 ? opus() : pcmu());
  }
  test::runFrames({&first}, 25);
  EXPECT_EQ(test::threadCount(), with_one);
}

}  // namespace
}  // namespace mcu::mixer
