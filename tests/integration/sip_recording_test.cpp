// Recording over REST (issue 15 item 4) with real callers over SIP and RTP: a room of two is
// recorded, the file holds both callers' tones (decoded by GStreamer, not by the writer's own
// code, and listened to with Goertzel), is listed with its length and who was heard, downloads
// whole and by Range, and is deleted with its row; the room hears that it is recorded; a viewer
// cannot start one, an idle room or a second recording is 409; below the disk's floor it ends by
// itself (disk_full); a SIGTERM leaves a finalised file; without recordings.dir it is off.
#include "mixer/codec/audio_file_loader.h"
#include "tests/integration/recording_fixture.h"

namespace mcu::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST_F(SipRecordingTest, ARoomOfTwoIsRecordedListedDownloadedAndDeleted) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("rec", "opus", 500);
  Caller b = dial("rec", "PCMU", 800);
  runFrames({a.media.get(), b.media.get()}, 25);

  const ApiClient viewer(server_->httpPort(), createToken(db_.url(), "viewer", "rec-viewer"));
  EXPECT_EQ(viewer.post("/v1/rooms/rec/recordings", "").status, 403);
  EXPECT_EQ(api.post("/v1/rooms/rec/recordings", R"({"format":"mp3"})").status, 422);
  const auto announced = a.media->audioMark();
  const auto started = api.post("/v1/rooms/rec/recordings", "");
  ASSERT_EQ(started.status, 201) << started.body;
  const auto id = started.json()["id"].get<std::int64_t>();
  EXPECT_EQ(started.header("Location"), "/v1/recordings/" + std::to_string(id));
  EXPECT_EQ(api.post("/v1/rooms/rec/recordings", "").status, 409) << "already recording";
  runFrames({a.media.get(), b.media.get()}, 150);
  // All of what `a` heard since the start, so a late prompt is still inside what is judged.
  EXPECT_GT(goertzelDb(a.media->audioSince(announced), 1400), kHeardDb)
      << "the room hears that it is recorded (a tone here)";
  EXPECT_EQ(api.get("/v1/recordings/" + std::to_string(id) + "/audio").status, 409)
      << "not while it runs";
  EXPECT_EQ(api.del("/v1/rooms/rec/recordings/" + std::to_string(id)).status, 202);
  const json row = finished(api, id);
  ASSERT_FALSE(row.is_null()) << "the row is closed once the file is finalised";
  EXPECT_EQ(row["stop_reason"], "stopped");
  EXPECT_EQ(row["participants"].size(), 2U) << row.dump();
  EXPECT_EQ(api.get("/v1/recordings?room=rec").json()["items"].size(), 1U);
  EXPECT_EQ(api.get("/v1/recordings?room=other").json()["items"].size(), 0U);

  const auto audio = api.get("/v1/recordings/" + std::to_string(id) + "/audio");
  ASSERT_EQ(audio.status, 200);
  EXPECT_EQ(audio.header("Content-Type"), "audio/ogg");
  EXPECT_EQ(static_cast<std::int64_t>(audio.body.size()), row["size_bytes"].get<std::int64_t>());
  const auto pcm = mixer::codec::loadAudioFile(write(dir_.path() + "/download.ogg", audio.body));
  ASSERT_TRUE(pcm.ok()) << pcm.error();
  EXPECT_NEAR(static_cast<double>(pcm->size()) / 48.0, row["duration_ms"].get<double>(), 40.0)
      << "the row says how long the file plays";
  EXPECT_GT(pcm->size(), 48000U) << "seconds of the room, not a moment";
  const std::span<const std::int16_t> middle(pcm->data() + pcm->size() / 3, pcm->size() / 2);
  EXPECT_GT(goertzelDb(middle, 500), kHeardDb) << "the first caller is in the recording";
  EXPECT_GT(goertzelDb(middle, 800), kHeardDb) << "and the second";

  const auto part =
      api.get("/v1/recordings/" + std::to_string(id) + "/audio", {{"Range", "bytes=100-1099"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, audio.body.substr(100, 1000));
  const auto tail = api.get("/v1/recordings/" + std::to_string(id) + "/audio",
                            {{"Range", "bytes=" + std::to_string(audio.body.size() - 10) + "-"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, audio.body.substr(audio.body.size() - 10));

  EXPECT_EQ(api.del("/v1/recordings/" + std::to_string(id)).status, 204);
  EXPECT_EQ(api.get("/v1/recordings/" + std::to_string(id)).status, 404);
  EXPECT_FALSE(fs::exists(dir_.path() + "/rec-" + std::to_string(id) + ".ogg"));
  const auto stopped = eventsOf("recording.stopped");
  EXPECT_EQ(stopped, std::vector<std::string>{"stopped"});
  EXPECT_EQ(eventsOf("recording.started").size(), 1U);
}

TEST_F(SipRecordingTest, AWavRecordingEndsWithItsRoomAndAnIdleRoomIsNotRecorded) {
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.post("/v1/rooms", R"({"name":"quiet"})").status, 201);
  EXPECT_EQ(api.post("/v1/rooms/quiet/recordings", "").status, 409) << "nobody to record";
  EXPECT_EQ(api.get("/v1/recordings?room=quiet").json()["items"].size(), 0U)
      << "a refused recording leaves no row";
  Caller a = dial("quiet", "PCMU", 700);
  const auto started = api.post("/v1/rooms/quiet/recordings", R"({"format":"wav"})");
  ASSERT_EQ(started.status, 201) << started.body;
  const auto id = started.json()["id"].get<std::int64_t>();
  runFrames({a.media.get()}, 75);
  EXPECT_EQ(a.sip->bye().status, 200);
  const json row = finished(api, id);
  ASSERT_FALSE(row.is_null());
  EXPECT_EQ(row["stop_reason"], "room_ended");
  const auto audio = api.get("/v1/recordings/" + std::to_string(id) + "/audio");
  ASSERT_EQ(audio.status, 200);
  EXPECT_EQ(audio.header("Content-Type"), "audio/wav");
  const auto pcm = mixer::codec::loadAudioFile(write(dir_.path() + "/download.wav", audio.body));
  ASSERT_TRUE(pcm.ok()) << pcm.error();
  EXPECT_EQ(44 + 2 * pcm->size(), audio.body.size()) << "the header holds every sample";
}

class SipRecordingShutdownTest : public SipRecordingTest {
 protected:
  // The caller here never answers the server's BYE: the calls wait out a short timeout.
  std::map<std::string, std::string> env() const override {
    return {{"MCU_RECORDINGS_DIR", dir_.path()}, {"MCU_SHUTDOWN_TIMEOUT_S", "2"}};
  }
};

TEST_F(SipRecordingShutdownTest, ASigtermLeavesAFinalisedFile) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("stopping", "opus", 600);
  const auto started = api.post("/v1/rooms/stopping/recordings", "");
  ASSERT_EQ(started.status, 201) << started.body;
  const auto id = started.json()["id"].get<std::int64_t>();
  runFrames({a.media.get()}, 100);
  server_->process().signal(SIGTERM);
  // The call is never answered back, so the shutdown waits out its timeout and its watchdog
  // ends the process while sofia still holds the BYE; the recording was finalised before.
  ASSERT_TRUE(server_->process().waitExit(20s).has_value());
  EXPECT_NE(server_->process().output().find("reason=shutdown"), std::string::npos)
      << "ended by the shutdown (reason shutdown)";
  const std::string file = dir_.path() + "/stopping-" + std::to_string(id) + ".ogg";
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto last = bytes.rfind("OggS");
  ASSERT_NE(last, std::string::npos) << file;
  EXPECT_NE(static_cast<unsigned char>(bytes.at(last + 5)) & 0x04U, 0U)
      << "the last page ends the stream";
  const auto pcm = mixer::codec::loadAudioFile(file);
  ASSERT_TRUE(pcm.ok()) << pcm.error();
  // The caller talked for the first 2 s (then the test stopped sending and the server waited
  // for its calls to end).
  ASSERT_GT(pcm->size(), 96000U);
  EXPECT_GT(goertzelDb(std::span(*pcm).subspan(36000, 48000), 600), kHeardDb);
}

class SipRecordingFloorTest : public SipRecordingTest {
 protected:
  std::map<std::string, std::string> env() const override {
    return {{"MCU_RECORDINGS_DIR", dir_.path()},
            {"MCU_RECORDINGS_MIN_FREE_MB", "1000000"}};  // a terabyte: no disk here has it
  }
};

TEST_F(SipRecordingFloorTest, BelowTheDiskFloorARecordingEndsByItself) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("full", "opus", 600);
  const auto started = api.post("/v1/rooms/full/recordings", "");
  ASSERT_EQ(started.status, 201) << started.body;
  runFrames({a.media.get()}, 10);
  const json row = finished(api, started.json()["id"].get<std::int64_t>());
  ASSERT_FALSE(row.is_null()) << "ended without being asked";
  EXPECT_EQ(row["stop_reason"], "disk_full");
  // The event reaches the log on its own way: waited for (each look reads 1.5 s of stream).
  std::vector<std::string> stopped;
  EXPECT_TRUE(eventually([&] { return !(stopped = eventsOf("recording.stopped")).empty(); }, 10s));
  EXPECT_EQ(stopped, std::vector<std::string>{"disk_full"});
}

TEST_F(SipCallTest, WithoutARecordingsDirRecordingIsOff) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("norec", "opus", 600);
  const auto refused = api.post("/v1/rooms/norec/recordings", "");
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body.find("recordings.dir"), std::string::npos) << refused.body;
}

}  // namespace
}  // namespace mcu::test
