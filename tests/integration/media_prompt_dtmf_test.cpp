// The media engine's prompts, recording and DTMF over loopback RTP: prompts heard by the room or
// by one participant, unplayable files reported, the room recorded, RFC 4733 events sent and
// reported once.
#include "tests/integration/media_engine_fixture.h"

namespace mcu::mixer {
namespace {

using namespace std::chrono_literals;

TEST_F(MediaEngineTest, RoomPromptIsHeardByEveryone) {
  const std::string wav = "/tmp/mcu-prompt-" + std::to_string(::getpid()) + ".wav";
  ASSERT_TRUE(test::writeWavTone(wav, 1000, 2.0, 16000));
  auto& a = peer(opus(), 0);
  auto& b = peer(pcmu(), 0);
  a.setSilent(true);
  b.setSilent(true);
  join(a, opus());
  join(b, pcmu());
  test::runFrames({&a, &b}, 10);
  EXPECT_TRUE(engine_->playToRoom(1, wav).ok());
  test::runFrames({&a, &b}, 50);
  EXPECT_GT(level(a, 1000, 600), kHeard);
  EXPECT_GT(level(b, 1000, 600), kHeard);
  ::unlink(wav.c_str());
}

TEST_F(MediaEngineTest, ParticipantPromptIsHeardOnlyByThatParticipant) {
  const std::string wav = "/tmp/mcu-prompt1-" + std::to_string(::getpid()) + ".wav";
  ASSERT_TRUE(test::writeWavTone(wav, 1000, 2.0, 48000));
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 800);
  const ParticipantId aid = join(a, opus());
  join(b, opus());
  test::runFrames({&a, &b}, 10);
  EXPECT_TRUE(engine_->playToParticipant(aid, wav).ok());
  test::runFrames({&a, &b}, 50);
  EXPECT_GT(level(a, 1000, 600), kHeard);
  EXPECT_GT(level(a, 800, 600), kHeard) << "the prompt is mixed in, not instead";
  EXPECT_LT(level(b, 1000, 600), kNotHeard);
  ::unlink(wav.c_str());
}

TEST_F(MediaEngineTest, UnplayableFilesAreReported) {
  EXPECT_FALSE(engine_->playToRoom(1, "/nonexistent/prompt.wav").ok());
  const std::string text = "/tmp/mcu-notaudio-" + std::to_string(::getpid()) + ".wav";
  std::FILE* f = std::fopen(text.c_str(), "w");
  std::fputs("this is not audio\n", f);
  std::fclose(f);
  EXPECT_FALSE(engine_->playToRoom(1, text).ok());
  EXPECT_FALSE(engine_->playToRoom(99, text).ok());
  EXPECT_FALSE(engine_->startRecording(1, "/nonexistent/dir/out.ogg").ok());
  ::unlink(text.c_str());
}

TEST_F(MediaEngineTest, RecordingHoldsTheRoomMix) {
  const std::string ogg = "/tmp/mcu-recording-" + std::to_string(::getpid()) + ".ogg";
  auto& a = peer(opus(), 500);
  auto& b = peer(g722(), 800);
  join(a, opus());
  join(b, g722());
  test::runFrames({&a, &b}, 10);
  ASSERT_TRUE(engine_->startRecording(1, ogg).ok());
  test::runFrames({&a, &b}, 100);
  engine_->stopRecording(1);
  test::runFrames({&a, &b}, 5);
  auto loaded = codec::loadAudioFile(ogg);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  const auto& pcm = *loaded;
  // 2 s were recorded; a media thread starved by a busy machine skips late ticks, so only
  // "most of it" is asserted, not the exact length.
  EXPECT_GT(pcm.size(), 48000U);
  const std::span<const std::int16_t> middle(pcm.data() + pcm.size() / 4, pcm.size() / 2);
  EXPECT_GT(test::goertzelDb(middle, 500), kHeard);
  EXPECT_GT(test::goertzelDb(middle, 800), kHeard);
  ::unlink(ogg.c_str());
}

TEST_F(MediaEngineTest, DtmfIsSentAsTelephoneEvents) {
  auto& a = peer(opus(), 0);
  a.setSilent(true);
  const ParticipantId aid = join(a, opus());
  test::runFrames({&a}, 10);
  engine_->sendDtmf(aid, '7');
  test::runFrames({&a}, 20);
  std::vector<const test::ReceivedPacket*> events;
  for (const auto& p : a.received()) {
    if (p.header.payload_type == 101) {
      events.push_back(&p);
    }
  }
  ASSERT_EQ(events.size(), 8U) << "5 packets of the tone and the end packet twice more";
  for (const auto* e : events) {
    EXPECT_EQ(e->header.timestamp, events[0]->header.timestamp) << "one event, one timestamp";
    EXPECT_EQ(e->payload_size, 4U);
  }
  EXPECT_TRUE(events[0]->header.marker);
  const auto& got = a.received();
  for (std::size_t i = 1; i < got.size(); ++i) {
    ASSERT_EQ(static_cast<std::uint16_t>(got[i].header.sequence - got[i - 1].header.sequence), 1);
  }
}

TEST_F(MediaEngineTest, DtmfDigitsAreReportedOnce) {
  auto& a = peer(opus(), 500);
  const ParticipantId aid = join(a, opus());
  test::runFrames({&a}, 10);
  a.sendDtmf(5, 101);
  a.sendDtmf(11, 101);  // '#'
  test::runFrames({&a}, 10);
  EXPECT_EQ(events_.count("dtmf:" + aid.text() + ":5"), 1);
  EXPECT_EQ(events_.count("dtmf:" + aid.text() + ":#"), 1);
}

}  // namespace
}  // namespace mcu::mixer
