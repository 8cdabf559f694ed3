// Music while alone or waiting (issue 15 item 2), with real callers over SIP and RTP, listened
// to: the server's music (prompts.music, a tone file here) is heard by a caller alone in a room
// until a second one comes and again once it goes; a room waiting for its moderator hears it and
// not each other until the moderator dials with the moderator PIN, then everyone hears everyone
// and no music; a room's own music wins, "" turns it off, null follows the server's again; a
// music file that is not there or not audio is a 422 naming the field, and stops a start naming
// the key.
#include <filesystem>
#include <fstream>

#include "tests/integration/call_fixture.h"
#include "tests/support/tone.h"

namespace mcu::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kMusicHz = 620;      // the server's music
constexpr double kRoomMusicHz = 950;  // a room's own

class SipMusicTest : public SipCallTest {
 protected:
  void SetUp() override {
    fs::remove_all(prompts_.path());
    fs::create_directories(prompts_.path());
    // Whole cycles in a second, so the loop has no seam.
    ASSERT_TRUE(writeWavTone(prompts_.path() + "/music.wav", kMusicHz, 1.0, 16000));
    ASSERT_TRUE(writeWavTone(prompts_.path() + "/room.wav", kRoomMusicHz, 1.0, 48000));
    std::ofstream(prompts_.path() + "/notaudio.wav") << "this is not audio\n";
    start({{"MCU_PROMPTS_DIR", prompts_.path()}, {"MCU_PROMPTS_MUSIC", "music.wav"}});
  }

  // `c`'s level of `hz` over its last 600 ms once it is heard (or not), running the callers'
  // media 200 ms more at a time for at most 6 s: a change the server makes on its own threads
  // lands when a busy machine gets to it, and the verdict waits for it, not a fixed time.
  static double awaitLevel(const Caller& c, double hz, bool heard,
                           std::initializer_list<RtpPeer*> peers) {
    double db = level(c, hz);
    for (int i = 0; i < 30 && (heard ? db <= kHeard : db >= kNotHeard); ++i) {
      runFrames(peers, 10);
      db = level(c, hz);
    }
    return db;
  }

  TempPath prompts_{"music"};
};

TEST_F(SipMusicTest, ACallerAloneHearsTheMusicUntilASecondCallerComes) {
  Caller a = dial("solo", "opus", 300);
  runFrames({a.media.get()}, 75);
  EXPECT_GT(awaitLevel(a, kMusicHz, true, {a.media.get()}), kHeard) << "alone: the music";

  Caller b = dial("solo", "PCMU", 1100);
  runFrames({a.media.get(), b.media.get()}, 60);
  EXPECT_LT(awaitLevel(a, kMusicHz, false, {a.media.get(), b.media.get()}), kNotHeard)
      << "two in the room: no music";
  EXPECT_LT(awaitLevel(b, kMusicHz, false, {a.media.get(), b.media.get()}), kNotHeard);
  EXPECT_GT(level(a, 1100), kHeard);
  EXPECT_GT(level(b, 300), kHeard);

  EXPECT_EQ(b.sip->bye().status, 200);
  runFrames({a.media.get()}, 75);
  EXPECT_GT(awaitLevel(a, kMusicHz, true, {a.media.get()}), kHeard)
      << "alone again: the music again";
}

TEST_F(SipMusicTest, AWaitingRoomHearsTheMusicAndNotEachOtherUntilTheModeratorIsIn) {
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(
      api.post("/v1/rooms",
               json{{"name", "standup"}, {"moderator_pin", "2468"}, {"wait_for_moderator", true}}
                   .dump())
          .status,
      201);
  Caller a = dial("standup", "opus", 300);
  Caller b = dial("standup", "PCMU", 1100);
  runFrames({a.media.get(), b.media.get()}, 90);
  EXPECT_GT(awaitLevel(a, kMusicHz, true, {a.media.get(), b.media.get()}), kHeard)
      << "waiting: the music";
  EXPECT_GT(awaitLevel(b, kMusicHz, true, {a.media.get(), b.media.get()}), kHeard);
  EXPECT_LT(level(a, 1100), kNotHeard) << "waiting: not each other";
  EXPECT_LT(level(b, 300), kNotHeard);

  Caller chair = dial("standup;pin=2468", "G722", 1700);
  runFrames({a.media.get(), b.media.get(), chair.media.get()}, 80);
  EXPECT_GT(level(a, 1100), kHeard) << "the meeting started";
  EXPECT_GT(level(b, 300), kHeard);
  EXPECT_GT(level(a, 1700), kHeard) << "the moderator is heard";
  EXPECT_GT(level(chair, 300), kHeard);
  for (const Caller* c : {&a, &b, &chair}) {
    EXPECT_LT(awaitLevel(*c, kMusicHz, false, {a.media.get(), b.media.get(), chair.media.get()}),
              kNotHeard)
        << "no music in a meeting";
  }
}

TEST_F(SipMusicTest, ARoomsOwnMusicWinsAndAnEmptyOneIsNone) {
  const ApiClient api(server_->httpPort(), adminToken());
  const auto created = api.post("/v1/rooms", R"({"name":"lobby","music":"room.wav"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["music"], "room.wav");
  Caller a = dial("lobby", "PCMU", 300);
  runFrames({a.media.get()}, 75);
  EXPECT_GT(awaitLevel(a, kRoomMusicHz, true, {a.media.get()}), kHeard) << "the room's own music";
  EXPECT_LT(level(a, kMusicHz), kNotHeard) << "not the server's";

  ASSERT_EQ(api.patch("/v1/rooms/lobby", R"({"music":""})").status, 200);
  runFrames({a.media.get()}, 40);
  EXPECT_LT(awaitLevel(a, kRoomMusicHz, false, {a.media.get()}), kNotHeard)
      << "\"\": no music, at once";
  EXPECT_LT(level(a, kMusicHz), kNotHeard);

  const auto reset = api.patch("/v1/rooms/lobby", R"({"music":null})");
  ASSERT_EQ(reset.status, 200);
  EXPECT_TRUE(reset.json()["music"].is_null());
  runFrames({a.media.get()}, 40);
  EXPECT_GT(awaitLevel(a, kMusicHz, true, {a.media.get()}), kHeard) << "null: the server's music";
}

TEST_F(SipMusicTest, AMusicFileThatCannotPlayIsA422NamingTheField) {
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.post("/v1/rooms", R"({"name":"hall"})").status, 201);
  for (const char* file : {"notaudio.wav", "missing.wav", "../music/music.wav"}) {
    const auto reply = api.patch("/v1/rooms/hall", json{{"music", file}}.dump());
    EXPECT_EQ(reply.status, 422) << file << ": " << reply.body;
    EXPECT_EQ(reply.json()["field"], "music") << file;
  }
  const auto created = api.post("/v1/rooms", R"({"name":"hall2","music":"notaudio.wav"})");
  EXPECT_EQ(created.status, 422) << created.body;
  EXPECT_EQ(api.get("/v1/rooms/hall2").status, 404) << "nothing was stored";
  EXPECT_TRUE(api.get("/v1/rooms/hall").json()["music"].is_null()) << "nothing was changed";
}

TEST_F(SipMusicTest, AServerWhoseMusicIsNotAudioDoesNotStartAndNamesTheKey) {
  ServerProcess bad(db_.url(), {{"MCU_PROMPTS_DIR", prompts_.path()},
                                {"MCU_PROMPTS_MUSIC", "notaudio.wav"},
                                {"MCU_MEDIA_BIND", "127.0.0.1"}});
  const auto code = bad.process().waitExit(20s);
  ASSERT_TRUE(code.has_value()) << "still running with a music file that is not audio";
  EXPECT_NE(*code, 0);
  const std::string out = bad.process().output();
  EXPECT_NE(out.find("prompts.music"), std::string::npos) << out;
}

}  // namespace
}  // namespace mcu::test
