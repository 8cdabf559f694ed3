// Recordings across a restart (issue 15 item 4): a crash (SIGKILL) loses at most the last
// second, and the next start closes the rows it left open with the size and duration of what
// is on disk; recordings past recordings.retention_h are deleted, file and row, and newer ones
// are kept.
#include "mixer/codec/audio_file_loader.h"
#include "mixer/codec/recorded_length.h"
#include "tests/integration/recording_fixture.h"

namespace mcu::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A node finds its own rows by its id: the default one holds the SIP port, which is a new one
// at each start of a test's server.
class SipRecordingRestartTest : public SipRecordingTest {
 protected:
  std::map<std::string, std::string> env() const override {
    return {{"MCU_RECORDINGS_DIR", dir_.path()}, {"MCU_NODE_ID", "restarting"}};
  }
  // The file of a recording as POST returned it.
  std::string fileOf(const json& started) const {
    return dir_.path() + "/" + fs::path(started["room"].get<std::string>()).string() + "-" +
           std::to_string(started["id"].get<std::int64_t>()) + "." +
           started["format"].get<std::string>();
  }
};

TEST_F(SipRecordingRestartTest, ACrashLosesAtMostTheLastSecondAndTheNextStartClosesItsRows) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("crash-ogg", "opus", 600);
  Caller b = dial("crash-wav", "PCMU", 900);
  const auto ogg = api.post("/v1/rooms/crash-ogg/recordings", "");
  const auto wav = api.post("/v1/rooms/crash-wav/recordings", R"({"format":"wav"})");
  ASSERT_EQ(ogg.status, 201) << ogg.body;
  ASSERT_EQ(wav.status, 201) << wav.body;
  // The writer syncs every second while it records: the callers talk until both files hold at
  // least 2 s on disk. That is 3 s of talk on an idle machine; a busy one, whose server mixes
  // late, takes longer, and the verdict does not depend on it.
  const std::vector<json> recordings{ogg.json(), wav.json()};
  std::map<std::int64_t, std::int64_t> on_disk_ms;  // recording id -> its length on disk
  int frames_sent = 0;
  const auto enoughOnDisk = [&] {
    bool enough = true;
    for (const auto& started : recordings) {
      const auto length = mixer::codec::recordedLength(fileOf(started), started["format"] == "ogg");
      const std::int64_t ms = length ? length->duration_ms : 0;
      on_disk_ms[started["id"].get<std::int64_t>()] = ms;
      enough = enough && ms >= 2000;
    }
    return enough;
  };
  frames_sent += 150;
  runFrames({a.media.get(), b.media.get()}, 150);  // 3 s
  bool enough = enoughOnDisk();
  while (!enough && frames_sent < 1500) {
    frames_sent += 10;
    runFrames({a.media.get(), b.media.get()}, 10);
    enough = enoughOnDisk();
  }
  ASSERT_TRUE(enough) << "after " << frames_sent * 20 << " ms of talk";
  server_->process().signal(SIGKILL);
  ASSERT_TRUE(server_->process().waitExit(5s).has_value());
  server_.reset();
  start(env());
  const ApiClient again(server_->httpPort(), adminToken());
  for (const auto& [started, tone] : {std::pair{ogg.json(), 600.0}, std::pair{wav.json(), 900.0}}) {
    const json row = finished(again, started["id"].get<std::int64_t>());
    ASSERT_FALSE(row.is_null()) << started.dump();
    EXPECT_EQ(row["stop_reason"], "server_restart");
    const std::string file = fileOf(started);
    ASSERT_TRUE(row["size_bytes"].is_number()) << row.dump();
    EXPECT_EQ(row["size_bytes"].get<std::uintmax_t>(), fs::file_size(file));
    // What was on disk before the crash is all kept (a sync after the last look adds more),
    // and no more than was said.
    ASSERT_TRUE(row["duration_ms"].is_number()) << row.dump();
    const auto duration_ms = row["duration_ms"].get<std::int64_t>();
    EXPECT_GE(duration_ms, on_disk_ms[started["id"].get<std::int64_t>()]) << row.dump();
    EXPECT_LE(duration_ms, frames_sent * 20 + 500) << row.dump();
    const auto pcm = mixer::codec::loadAudioFile(file);
    ASSERT_TRUE(pcm.ok()) << pcm.error();
    EXPECT_NEAR(static_cast<double>(pcm->size()) / 48.0, static_cast<double>(duration_ms), 60.0)
        << "the row's duration is the file's";
    EXPECT_GT(goertzelDb(std::span(*pcm).subspan(pcm->size() / 2, 24000), tone), kHeardDb);
  }
}

class SipRecordingRetentionTest : public SipRecordingTest {
 protected:
  std::map<std::string, std::string> env() const override {
    return {{"MCU_RECORDINGS_DIR", dir_.path()},
            {"MCU_RECORDINGS_RETENTION_H", "24"},
            {"MCU_NODE_ID", "retaining"}};
  }
  // A short WAV recording of `room`, finished; its id.
  std::int64_t record(const ApiClient& api, const std::string& room) {
    const auto started = api.post("/v1/rooms/" + room + "/recordings", R"({"format":"wav"})");
    EXPECT_EQ(started.status, 201) << started.body;
    const auto id = started.json().value("id", std::int64_t{0});
    runFrames({caller_.media.get()}, 10);
    EXPECT_EQ(api.del("/v1/rooms/" + room + "/recordings/" + std::to_string(id)).status, 202);
    EXPECT_FALSE(finished(api, id).is_null());
    return id;
  }
  Caller caller_;
};

TEST_F(SipRecordingRetentionTest, RecordingsPastTheRetentionGoFileAndRowAndNewerOnesStay) {
  const ApiClient api(server_->httpPort(), adminToken());
  caller_ = dial("kept", "PCMU", 700);
  const auto old_id = record(api, "kept");
  const auto new_id = record(api, "kept");
  const std::string old_file = dir_.path() + "/kept-" + std::to_string(old_id) + ".wav";
  const std::string new_file = dir_.path() + "/kept-" + std::to_string(new_id) + ".wav";
  ASSERT_TRUE(fs::exists(old_file));
  // Ended two days ago, as far as the database can tell.
  db_.exec("UPDATE recordings SET ended_at = now() - interval '48 hours' WHERE id = " +
           std::to_string(old_id));
  EXPECT_EQ(caller_.sip->bye().status, 200);
  server_.reset();  // the purge runs at start (and every hour)
  start(env());
  const ApiClient again(server_->httpPort(), adminToken());
  EXPECT_TRUE(eventually(
      [&] { return again.get("/v1/recordings/" + std::to_string(old_id)).status == 404; }, 10s))
      << "the old row goes";
  EXPECT_FALSE(fs::exists(old_file)) << "and its file";
  EXPECT_EQ(again.get("/v1/recordings/" + std::to_string(new_id)).status, 200);
  EXPECT_TRUE(fs::exists(new_file)) << "a recording inside the retention stays";
}

}  // namespace
}  // namespace mcu::test
