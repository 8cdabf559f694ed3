// Prompts played over REST and the rooms' entry and exit tones (issue 15): a file of the prompt
// directory played to a live room is heard by every caller until it ends; played to one caller it
// is heard by that caller only and stops on DELETE; every playback ends with one playback.finished
// event saying why; bad file names, files that are not audio, an idle room and a viewer token are
// refused. Real callers over SIP and RTP, listened to.
#include <filesystem>
#include <fstream>

#include "tests/integration/call_fixture.h"
#include "tests/support/tone.h"

namespace mcu::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SipPlaybackTest : public SipCallTest {
 protected:
  void SetUp() override {
    fs::remove(prompts_.path());
    fs::create_directories(prompts_.path());
    ASSERT_TRUE(writeWavTone(prompts_.path() + "/tone1000.wav", 1000, 1.5, 16000));
    ASSERT_TRUE(writeWavTone(prompts_.path() + "/long1500.wav", 1500, 20.0, 48000));
    std::ofstream(prompts_.path() + "/notaudio.wav") << "this is not audio\n";
    start({{"MCU_PROMPTS_DIR", prompts_.path()}});
  }

  std::uint64_t idOf(const std::string& room, const std::string& codec) {
    for (const auto& p : participantsOf(room)) {
      if (p["codec"] == codec) {
        return p["id"].get<std::uint64_t>();
      }
    }
    ADD_FAILURE() << "no " << codec << " caller in " << room;
    return 0;
  }

  // The playback.* events of the stream so far, as "type:reason" of playback `id`.
  std::vector<std::string> playbackEvents(std::uint64_t id) {
    std::vector<std::string> seen;
    for (const auto& e : readEvents(server_->httpPort(), adminToken(), "0", 1500ms)) {
      const std::string type = e["type"];
      if (type.starts_with("playback.") && e["data"]["playback"] == id) {
        seen.push_back(type + ":" + e["data"].value("reason", ""));
      }
    }
    return seen;
  }

  double promptCacheBytes() const {
    const std::string metrics = server_->get("/metrics").body;
    const std::string name = "\nmcu_prompt_cache_bytes ";
    const auto at = metrics.find(name);
    return at == std::string::npos ? -1 : std::stod(metrics.substr(at + name.size()));
  }

  TempPath prompts_{"prompts"};
};

TEST_F(SipPlaybackTest, ARoomPlaybackIsHeardByEveryCallerUntilItEnds) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("pb", "opus", 500);
  Caller b = dial("pb", "PCMU", 800);
  runFrames({a.media.get(), b.media.get()}, 25);

  const auto started = api.post("/v1/rooms/pb/playback", R"({"file":"tone1000.wav"})");
  ASSERT_EQ(started.status, 201) << started.body;
  const auto playback = started.json();
  EXPECT_TRUE(playback["participant"].is_null());
  EXPECT_EQ(playback["file"], "tone1000.wav");
  // 1.5 s at 16 kHz, resampled to 48 kHz: a sample either way.
  EXPECT_NEAR(playback["duration_ms"].get<double>(), 1500, 2);
  const auto id = playback["id"].get<std::uint64_t>();
  EXPECT_EQ(started.header("Location"), "/v1/rooms/pb/playback/" + std::to_string(id));

  runFrames({a.media.get(), b.media.get()}, 40);
  EXPECT_GT(level(a, 1000), kHeard);
  EXPECT_GT(level(b, 1000), kHeard);
  EXPECT_GT(level(a, 800), kHeard) << "beside the room's speakers, not instead";
  // 1.5 s of prompt: it ends about 0.7 s from here, told by the event whenever that is.
  const std::vector<std::string> played{"playback.started:", "playback.finished:played"};
  for (int i = 0; i < 8 && playbackEvents(id) != played; ++i) {
    runFrames({a.media.get(), b.media.get()}, 25);
  }
  EXPECT_EQ(playbackEvents(id), played);
  runFrames({a.media.get(), b.media.get()}, 25);
  EXPECT_LT(level(a, 1000, 400), kNotHeard) << "it has ended";
  EXPECT_LT(level(b, 1000, 400), kNotHeard);
  EXPECT_EQ(api.del("/v1/rooms/pb/playback/" + std::to_string(id)).status, 404)
      << "an ended playback cannot be stopped";

  // Decoded once: 1.5 s at 48 kHz, 2 bytes a sample, however often it is played.
  EXPECT_NEAR(promptCacheBytes(), 144'000, 200);
  ASSERT_EQ(api.post("/v1/rooms/pb/playback", R"({"file":"tone1000.wav"})").status, 201);
  EXPECT_NEAR(promptCacheBytes(), 144'000, 200);
}

TEST_F(SipPlaybackTest, AParticipantPlaybackIsHeardByThatCallerOnlyAndStopsOnDelete) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("pb", "opus", 500);
  Caller b = dial("pb", "G722", 800);
  runFrames({a.media.get(), b.media.get()}, 25);
  const std::string a_path = "/v1/rooms/pb/participants/" + std::to_string(idOf("pb", "opus"));

  const auto started = api.post(a_path + "/playback", R"({"file":"long1500.wav"})");
  ASSERT_EQ(started.status, 201) << started.body;
  const auto id = started.json()["id"].get<std::uint64_t>();
  EXPECT_EQ(started.json()["participant"], idOf("pb", "opus"));
  runFrames({a.media.get(), b.media.get()}, 40);
  EXPECT_GT(level(a, 1500), kHeard);
  EXPECT_GT(level(a, 800), kHeard) << "mixed into what it hears";
  EXPECT_LT(level(b, 1500), kNotHeard) << "the other caller does not hear it";

  ASSERT_EQ(api.del("/v1/rooms/pb/playback/" + std::to_string(id)).status, 204);
  runFrames({a.media.get(), b.media.get()}, 30);
  EXPECT_LT(level(a, 1500, 400), kNotHeard) << "stopped";
  EXPECT_GT(level(a, 800, 400), kHeard) << "the room goes on";
  EXPECT_EQ(api.del("/v1/rooms/pb/playback/" + std::to_string(id)).status, 404);

  // One that can no longer be heard ends too: its caller hangs up.
  const std::string b_path = "/v1/rooms/pb/participants/" + std::to_string(idOf("pb", "G722"));
  const auto second = api.post(b_path + "/playback", R"({"file":"long1500.wav"})");
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(b.sip->bye().status, 200);
  EXPECT_EQ(playbackEvents(id),
            (std::vector<std::string>{"playback.started:", "playback.finished:stopped"}));
  EXPECT_EQ(playbackEvents(second.json()["id"].get<std::uint64_t>()),
            (std::vector<std::string>{"playback.started:", "playback.finished:participant_left"}));
}

TEST_F(SipPlaybackTest, BadFilesIdleRoomsUnknownCallersAndViewersAreRefused) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("pb", "opus", 500);
  runFrames({a.media.get()}, 10);
  for (const char* file :
       {"../etc/passwd", "/etc/passwd", "nope.wav", "notaudio.wav", ".hidden", "a b.wav", ""}) {
    const auto refused = api.post("/v1/rooms/pb/playback", json{{"file", file}}.dump());
    EXPECT_EQ(refused.status, 422) << file << ": " << refused.body;
    EXPECT_EQ(refused.json().value("field", ""), "file") << file;
  }
  EXPECT_EQ(api.post("/v1/rooms/pb/playback", "{}").json().value("field", ""), "file");
  EXPECT_EQ(api.post("/v1/rooms/nowhere/playback", R"({"file":"tone1000.wav"})").status, 404);
  EXPECT_EQ(
      api.post("/v1/rooms/pb/participants/99999/playback", R"({"file":"tone1000.wav"})").status,
      404);
  ASSERT_EQ(api.post("/v1/rooms", R"({"name":"quiet"})").status, 201);
  const auto idle = api.post("/v1/rooms/quiet/playback", R"({"file":"tone1000.wav"})");
  EXPECT_EQ(idle.status, 409) << idle.body;
  const ApiClient viewer(server_->httpPort(), createToken(db_.url(), "viewer", "pb-viewer"));
  EXPECT_EQ(viewer.post("/v1/rooms/pb/playback", R"({"file":"tone1000.wav"})").status, 403);
  EXPECT_EQ(viewer.del("/v1/rooms/pb/playback/1").status, 403);
  runFrames({a.media.get()}, 25);
  EXPECT_LT(level(a, 1000), kNotHeard) << "nothing refused was played";
}

// Entry and exit tones: a room that asks for them (REST) hears a rising pair when a caller joins
// and a falling pair when one leaves; a room that follows the server's default (off) hears none.
TEST_F(SipPlaybackTest, ARoomWithEntryAndExitTonesHearsCallersComeAndGo) {
  const ApiClient api(server_->httpPort(), adminToken());
  const auto created = api.post("/v1/rooms", R"({"name":"tones","entry_exit_tones":true})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["entry_exit_tones"], true);
  Caller a = dial("tones", "opus", 500);
  runFrames({a.media.get()}, 30);
  Caller b = dial("tones", "PCMU", 800);
  runFrames({a.media.get(), b.media.get()}, 25);
  // The tones start as b is admitted, while its INVITE is still being answered (slow on a busy
  // machine): listened for over everything since then.
  EXPECT_GT(level(a, 1200, 1200), kHeard) << "the entry tone";
  EXPECT_GT(level(a, 1600, 1200), kHeard);
  runFrames({a.media.get(), b.media.get()}, 40);
  EXPECT_LT(level(a, 1200, 400), kNotHeard) << "once";
  EXPECT_EQ(b.sip->bye().status, 200);
  runFrames({a.media.get()}, 25);
  EXPECT_GT(level(a, 1200, 1200), kHeard) << "the exit tone";
  EXPECT_GT(level(a, 1600, 1200), kHeard);

  // Back to the server's default, which is off.
  const auto patched = api.patch("/v1/rooms/tones", R"({"entry_exit_tones":null})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_TRUE(patched.json()["entry_exit_tones"].is_null());
  runFrames({a.media.get()}, 40);
  Caller c = dial("tones", "G722", 800);
  runFrames({a.media.get(), c.media.get()}, 50);
  EXPECT_GT(level(a, 800), kHeard) << "the new caller is heard";
  EXPECT_LT(level(a, 1200, 1200), kNotHeard) << "but announced by no tone";
}

}  // namespace
}  // namespace mcu::test
