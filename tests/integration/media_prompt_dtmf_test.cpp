// The media engine's prompts, recording and DTMF over loopback RTP: prompts heard by the room or
// by one participant and reported when they end or stop, the room recorded to Ogg/Opus or WAV by
// the writer thread (a bad path reported, the file on disk every second while it runs, ended
// by itself below the disk's floor), RFC 4733 events sent and reported once.
#include <filesystem>
#include <fstream>

#include "tests/integration/media_engine_fixture.h"
#include "tests/support/eventually.h"

namespace mcu::mixer {
namespace {

using namespace std::chrono_literals;

// A tone decoded from a WAV file, as the server's prompt library hands it to the engine.
MediaEngine::Samples toneFile(double hz, double seconds, int rate) {
  const std::string wav = "/tmp/mcu-prompt-" + std::to_string(::getpid()) + ".wav";
  EXPECT_TRUE(test::writeWavTone(wav, hz, seconds, rate));
  auto loaded = codec::loadAudioFile(wav);
  ::unlink(wav.c_str());
  EXPECT_TRUE(loaded.ok()) << loaded.error();
  return std::make_shared<const std::vector<std::int16_t>>(loaded ? std::move(*loaded)
                                                                  : std::vector<std::int16_t>{});
}

TEST_F(MediaEngineTest, RoomPromptIsHeardByEveryoneAndReportedWhenItEnds) {
  auto& a = peer(opus(), 0);
  auto& b = peer(pcmu(), 0);
  a.setSilent(true);
  b.setSilent(true);
  join(a, opus());
  join(b, pcmu());
  test::runFrames({&a, &b}, 10);
  EXPECT_TRUE(engine_->playToRoom(1, toneFile(1000, 1.0, 16000), PlaybackId{7}));
  test::runFrames({&a, &b}, 40);
  EXPECT_GT(level(a, 1000, 600), kHeard);
  EXPECT_GT(level(b, 1000, 600), kHeard);
  EXPECT_EQ(events_.count("played:7"), 0) << "still playing";
  // Reported once its last frame has been mixed: within 2 s, however busy the machine is.
  for (int frames = 0; frames < 100 && events_.count("played:7") == 0; frames += 5) {
    test::runFrames({&a, &b}, 5);
  }
  EXPECT_EQ(events_.count("played:7"), 1);
  test::runFrames({&a, &b}, 20);
  EXPECT_LT(level(a, 1000, 200), kNotHeard) << "and it is over";
  EXPECT_FALSE(engine_->playToRoom(99, toneFile(1000, 0.1, 16000), PlaybackId{8}));
}

TEST_F(MediaEngineTest, ParticipantPromptIsHeardOnlyByThatParticipantUntilStopped) {
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 800);
  const ParticipantId aid = join(a, opus());
  join(b, opus());
  test::runFrames({&a, &b}, 10);
  EXPECT_TRUE(engine_->playToParticipant(aid, toneFile(1000, 5.0, 48000), PlaybackId{9}));
  test::runFrames({&a, &b}, 40);
  EXPECT_GT(level(a, 1000, 600), kHeard);
  EXPECT_GT(level(a, 800, 600), kHeard) << "the prompt is mixed in, not instead";
  EXPECT_LT(level(b, 1000, 600), kNotHeard);
  engine_->stopParticipantPlayback(aid, PlaybackId{9});
  test::runFrames({&a, &b}, 30);
  EXPECT_LT(level(a, 1000, 400), kNotHeard) << "stopped";
  EXPECT_GT(level(a, 800, 400), kHeard) << "the room goes on";
  EXPECT_EQ(events_.count("played:9"), 0) << "a stopped prompt is not reported as played";
}

TEST_F(MediaEngineTest, ARecordingThatCannotBeCreatedIsReported) {
  EXPECT_FALSE(engine_->startRecording(1, "/nonexistent/dir/out.ogg").ok());
}

// Records room 1 for `frames` ticks in `format`, stops, and waits for the writer's end.
RecordingEnd recordFor(MediaEngine& engine, RecordedEvents& events, const std::string& path,
                       RecordingFormat format, std::initializer_list<test::RtpPeer*> peers,
                       int frames) {
  const auto key = engine.startRecording(1, path, format);
  EXPECT_TRUE(key.ok());
  if (!key.ok()) {
    return {};
  }
  test::runFrames(peers, frames);
  engine.stopRecording(1);
  EXPECT_TRUE(test::eventually([&] { return events.recordingEnd(*key).has_value(); }, 10s))
      << "the writer finalises a stopped recording";
  return events.recordingEnd(*key).value_or(RecordingEnd{});
}

TEST_F(MediaEngineTest, RecordingHoldsTheRoomMix) {
  const std::string ogg = "/tmp/mcu-recording-" + std::to_string(::getpid()) + ".ogg";
  auto& a = peer(opus(), 500);
  auto& b = peer(g722(), 800);
  join(a, opus());
  join(b, g722());
  test::runFrames({&a, &b}, 10);
  const RecordingEnd end = recordFor(*engine_, events_, ogg, RecordingFormat::kOgg, {&a, &b}, 100);
  EXPECT_EQ(end.reason, "stopped");
  auto loaded = codec::loadAudioFile(ogg);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  const auto& pcm = *loaded;
  // 2 s were recorded; a media thread starved by a busy machine skips late ticks, so only
  // "most of it" is asserted, not the exact length.
  EXPECT_GT(pcm.size(), 48000U);
  EXPECT_NEAR(static_cast<double>(end.duration_ms), static_cast<double>(pcm.size()) / 48.0, 25.0)
      << "the end says how long the file plays";
  EXPECT_EQ(end.bytes, std::filesystem::file_size(ogg));
  const std::span<const std::int16_t> middle(pcm.data() + pcm.size() / 4, pcm.size() / 2);
  EXPECT_GT(test::goertzelDb(middle, 500), kHeard);
  EXPECT_GT(test::goertzelDb(middle, 800), kHeard);
  ::unlink(ogg.c_str());
}

TEST_F(MediaEngineTest, AWavRecordingHoldsTheRoomMix) {
  const std::string wav = "/tmp/mcu-recording-" + std::to_string(::getpid()) + ".wav";
  auto& a = peer(opus(), 500);
  auto& b = peer(pcmu(), 800);
  join(a, opus());
  join(b, pcmu());
  test::runFrames({&a, &b}, 10);
  const RecordingEnd end = recordFor(*engine_, events_, wav, RecordingFormat::kWav, {&a, &b}, 100);
  EXPECT_EQ(end.reason, "stopped");
  auto loaded = codec::loadAudioFile(wav);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  const auto& pcm = *loaded;
  EXPECT_GT(pcm.size(), 48000U);
  EXPECT_EQ(end.bytes, 44 + 2 * pcm.size()) << "the header's sizes hold every sample";
  EXPECT_EQ(end.bytes, std::filesystem::file_size(wav));
  const std::span<const std::int16_t> middle(pcm.data() + pcm.size() / 4, pcm.size() / 2);
  EXPECT_GT(test::goertzelDb(middle, 500), kHeard);
  EXPECT_GT(test::goertzelDb(middle, 800), kHeard);
  ::unlink(wav.c_str());
}

TEST_F(MediaEngineTest, ARecordingIsOnDiskEverySecondWhileItRuns) {
  // What a crash would leave: the file as it is while recording, never finalised.
  const std::string ogg = "/tmp/mcu-recording-live-" + std::to_string(::getpid()) + ".ogg";
  auto& a = peer(opus(), 500);
  join(a, opus());
  const auto key = engine_->startRecording(1, ogg);
  ASSERT_TRUE(key.ok());
  test::runFrames({&a}, 125);  // 2.5 s
  auto loaded = codec::loadAudioFile(ogg);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_GT(loaded->size(), 48000U) << "at least the first second(s) are in the file";
  EXPECT_GT(test::goertzelDb(std::span(*loaded).subspan(loaded->size() / 2, 9600), 500), kHeard)
      << "a room of one is recorded too";
  EXPECT_FALSE(events_.recordingEnd(*key).has_value()) << "still recording";
  engine_->stopRecording(1);
  EXPECT_TRUE(test::eventually([&] { return events_.recordingEnd(*key).has_value(); }, 10s));
  ::unlink(ogg.c_str());
}

class MediaEngineDiskFloorTest : public MediaEngineTest {
 protected:
  // More free space than any disk has: every recording is below its floor.
  std::uint64_t recordingMinFreeBytes() const override { return 1ULL << 62; }
};

TEST_F(MediaEngineDiskFloorTest, ARecordingBelowTheDiskFloorEndsByItselfWithAFinalisedFile) {
  const std::string ogg = "/tmp/mcu-recording-floor-" + std::to_string(::getpid()) + ".ogg";
  auto& a = peer(opus(), 500);
  join(a, opus());
  const auto key = engine_->startRecording(1, ogg);
  ASSERT_TRUE(key.ok());
  test::runFrames({&a}, 10);
  ASSERT_TRUE(test::eventually([&] { return events_.recordingEnd(*key).has_value(); }, 10s))
      << "the writer ends it without being asked";
  EXPECT_EQ(events_.recordingEnd(*key)->reason, "disk_full");
  EXPECT_EQ(events_.count("recorded:" + std::to_string(*key) + ":disk_full"), 1);
  const auto size = std::filesystem::file_size(ogg);
  test::runFrames({&a}, 60);
  EXPECT_EQ(std::filesystem::file_size(ogg), size) << "nothing is written after the end";
  // Finalised: its last Ogg page is the end of the stream (RFC 3533 header type 0x04).
  std::ifstream in(ogg, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto last = bytes.rfind("OggS");
  ASSERT_NE(last, std::string::npos);
  EXPECT_NE(static_cast<unsigned char>(bytes.at(last + 5)) & 0x04U, 0U);
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
