// One participant recorded on its own (issue 15 item 4, POST /v1/rooms/{name}/participants/{id}
// /recordings), with real callers over SIP and RTP: the file holds that caller's voice and not
// the others' (decoded and listened to with Goertzel), only that caller hears that it is
// recorded, it ends when the caller hangs up (participant_left) or when stopped through the
// room's recordings route, and a caller not in the room is 404.
#include "mixer/codec/audio_file_loader.h"
#include "tests/integration/recording_fixture.h"

namespace mcu::test {
namespace {

using nlohmann::json;

std::int64_t idOf(const json& participants, const std::string& codec) {
  for (const auto& p : participants) {
    if (p["codec"] == codec) {
      return p["id"].get<std::int64_t>();
    }
  }
  ADD_FAILURE() << "no " << codec << " caller in " << participants.dump();
  return 0;
}

TEST_F(SipRecordingTest, AParticipantsOwnRecordingHoldsItsVoiceAloneAndEndsWhenItLeaves) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("own", "opus", 500);
  Caller b = dial("own", "PCMU", 800);
  runFrames({a.media.get(), b.media.get()}, 25);
  const auto a_id = idOf(participantsOf("own"), "opus");
  const auto b_id = idOf(participantsOf("own"), "PCMU");
  const std::string path = "/v1/rooms/own/participants/";
  EXPECT_EQ(api.post(path + "99999/recordings", "").status, 404);
  EXPECT_EQ(api.post(path + "abc/recordings", "").status, 404);
  EXPECT_EQ(
      api.post("/v1/rooms/nope/participants/" + std::to_string(a_id) + "/recordings", "").status,
      404);

  const auto a_heard = a.media->audioMark();
  const auto b_heard = b.media->audioMark();
  const auto of_a = api.post(path + std::to_string(a_id) + "/recordings", R"({"format":"wav"})");
  ASSERT_EQ(of_a.status, 201) << of_a.body;
  EXPECT_EQ(of_a.json()["participant"], a_id);
  EXPECT_EQ(api.post(path + std::to_string(a_id) + "/recordings", "").status, 409)
      << "already recorded";
  const auto of_b = api.post(path + std::to_string(b_id) + "/recordings", "");
  ASSERT_EQ(of_b.status, 201) << of_b.body;
  runFrames({a.media.get(), b.media.get()}, 100);
  EXPECT_GT(goertzelDb(a.media->audioSince(a_heard), 1400), kHeardDb)
      << "the recorded caller hears that it is recorded";
  EXPECT_GT(goertzelDb(b.media->audioSince(b_heard), 1400), kHeardDb) << "so does b, recorded too";

  // b's recording is stopped through the room's route; a's ends when a hangs up.
  const auto b_rec = of_b.json()["id"].get<std::int64_t>();
  EXPECT_EQ(api.del("/v1/rooms/own/recordings/" + std::to_string(b_rec)).status, 202);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_EQ(a.sip->bye().status, 200);
  const auto a_rec = of_a.json()["id"].get<std::int64_t>();
  const json a_row = finished(api, a_rec);
  const json b_row = finished(api, b_rec);
  ASSERT_FALSE(a_row.is_null());
  ASSERT_FALSE(b_row.is_null());
  EXPECT_EQ(a_row["stop_reason"], "participant_left");
  EXPECT_EQ(b_row["stop_reason"], "stopped");
  EXPECT_EQ(a_row["participant"], a_id);
  EXPECT_EQ(a_row["participants"].size(), 1U) << a_row.dump();
  EXPECT_GT(a_row["duration_ms"].get<std::int64_t>(), 2500) << a_row.dump();
  EXPECT_LT(b_row["duration_ms"].get<std::int64_t>(), a_row["duration_ms"].get<std::int64_t>());

  for (const auto& [row, own, other] : {std::tuple{a_row, 500.0, 800.0}, {b_row, 800.0, 500.0}}) {
    const auto audio = api.get(row["audio"].get<std::string>());
    ASSERT_EQ(audio.status, 200);
    const auto pcm = mixer::codec::loadAudioFile(
        write(dir_.path() + "/own-" + std::to_string(row["id"].get<std::int64_t>()) + "." +
                  row["format"].get<std::string>(),
              audio.body));
    ASSERT_TRUE(pcm.ok()) << pcm.error();
    ASSERT_GT(pcm->size(), 48000U);
    const auto middle = std::span(*pcm).subspan(pcm->size() / 2 - 24000, 48000);
    EXPECT_GT(goertzelDb(middle, own), kHeardDb) << "its own voice, " << own << " Hz";
    EXPECT_LT(goertzelDb(middle, other), kNotHeardDb) << "never the other's, " << other << " Hz";
    EXPECT_LT(goertzelDb(*pcm, 1400), kNotHeardDb) << "nor what it heard (the announcement)";
  }
}

}  // namespace
}  // namespace mcu::test
