// Meeting controls (issue 15 item 1) with real callers over SIP and RTP, listened to: the
// moderator PIN makes a moderator (who may open a locked room), mute_on_entry mutes the others,
// a room that waits for its moderator mixes nobody until one is in, a room that ends with its
// last moderator ends everyone's call (leave_reason moderator_left), and a listener hears the
// room without ever being mixed.
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

using nlohmann::json;

class SipMeetingTest : public SipCallTest {
 protected:
  void createRoom(const json& body) {
    const auto reply = ApiClient(server_->httpPort(), adminToken()).post("/v1/rooms", body.dump());
    ASSERT_EQ(reply.status, 201) << reply.body;
  }
  json participantWith(const std::string& room, const std::string& codec) {
    for (const auto& p : participantsOf(room)) {
      if (p["codec"] == codec) {
        return p;
      }
    }
    ADD_FAILURE() << "no " << codec << " caller in " << room;
    return json::object();
  }
  std::vector<std::string> roomEvents(const std::string& room) {
    std::vector<std::string> types;
    for (const auto& e : readEvents(server_->httpPort(), adminToken(), "0", 1500ms)) {
      if (e["room"] == room) {
        types.push_back(e["type"]);
      }
    }
    return types;
  }
};

TEST_F(SipMeetingTest, TheModeratorPinMakesAModeratorAndMuteOnEntryMutesTheOthers) {
  createRoom(
      {{"name", "board"}, {"pin", "1111"}, {"moderator_pin", "9999"}, {"mute_on_entry", true}});
  const auto room = ApiClient(server_->httpPort(), adminToken()).get("/v1/rooms/board").json();
  EXPECT_TRUE(room["has_moderator_pin"]);
  EXPECT_TRUE(room["mute_on_entry"]);
  EXPECT_FALSE(room.contains("moderator_pin")) << "a PIN is never read back";

  Caller chair = dial("board;pin=9999", "opus", 500);
  Caller member = dial("board;pin=1111", "PCMU", 800);
  int status = 0;
  dial("board;pin=5555", "PCMA", 300, &status);
  EXPECT_EQ(status, 403) << "a PIN that is neither";
  EXPECT_EQ(participantWith("board", "opus")["role"], "moderator");
  EXPECT_FALSE(participantWith("board", "opus")["muted"]);
  EXPECT_EQ(participantWith("board", "PCMU")["role"], "participant");
  EXPECT_TRUE(participantWith("board", "PCMU")["muted"]) << "mute_on_entry";

  runFrames({chair.media.get(), member.media.get()}, 50);
  EXPECT_GT(level(member, 500), kHeard) << "the moderator is heard";
  EXPECT_LT(level(chair, 800), kNotHeard) << "the participant joined muted";

  // A locked room still lets its moderator in, and nobody else.
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.patch("/v1/rooms/board", R"({"locked":true})").status, 200);
  Caller second_chair = dial("board;pin=9999", "G722", 1200);
  dial("board;pin=1111", "PCMA", 300, &status);
  EXPECT_EQ(status, 403);
}

TEST_F(SipMeetingTest, TheModeratorPinKeyedInMakesAModeratorWhateverItsLength) {
  createRoom(
      {{"name", "keyed"}, {"pin", "1111"}, {"moderator_pin", "246810"}, {"mute_on_entry", true}});
  Caller member = dial("keyed;pin=1111", "opus", 500);
  Caller chair = dial("keyed", "PCMU", 800);  // asked for a PIN by DTMF
  // The participant's 4 digits are a prefix of nothing here; the moderator's 6 are checked at
  // their own length, not refused at the fourth.
  for (const int digit : {2, 4, 6, 8, 1, 0}) {
    chair.media->sendDtmf(digit, 101);
    runFrames({member.media.get(), chair.media.get()}, 3);
  }
  runFrames({member.media.get(), chair.media.get()}, 50);
  const auto p = participantWith("keyed", "PCMU");
  EXPECT_EQ(p["role"], "moderator");
  EXPECT_FALSE(p["muted"]) << "mute_on_entry is for participants";
  EXPECT_FALSE(p["awaiting_pin"]);
  EXPECT_GT(level(member, 800), kHeard) << "the moderator is heard";
}

TEST_F(SipMeetingTest, AWaitingRoomMixesNobodyUntilTheModeratorIsIn) {
  createRoom({{"name", "standup"}, {"moderator_pin", "2468"}, {"wait_for_moderator", true}});
  Caller a = dial("standup", "opus", 700);
  Caller b = dial("standup", "PCMU", 300);
  runFrames({a.media.get(), b.media.get()}, 60);
  EXPECT_LT(level(b, 700), kNotHeard) << "nobody is mixed before the moderator";
  EXPECT_LT(level(a, 300), kNotHeard);
  EXPECT_FALSE(participantWith("standup", "opus")["muted"])
      << "waiting is not a mute someone asked for";

  Caller chair = dial("standup;pin=2468", "G722", 1100);
  runFrames({a.media.get(), b.media.get(), chair.media.get()}, 80);
  EXPECT_GT(level(b, 700), kHeard) << "the meeting started";
  EXPECT_GT(level(a, 300), kHeard);
  EXPECT_GT(level(a, 1100), kHeard) << "the moderator is heard";
  const auto events = roomEvents("standup");
  EXPECT_NE(std::find(events.begin(), events.end(), "room.meeting_started"), events.end());

  // Its moderator gone, the room waits again.
  EXPECT_EQ(chair.sip->bye().status, 200);
  runFrames({a.media.get(), b.media.get()}, 60);
  EXPECT_LT(level(b, 700), kNotHeard) << "waiting again for a moderator";
}

TEST_F(SipMeetingTest, TheRoomEndsWhenItsLastModeratorLeaves) {
  createRoom({{"name", "lecture"},
              {"moderator_pin", "1357"},
              {"end_with_last_moderator", true},
              {"end_grace_s", 1}});
  Caller chair = dial("lecture;pin=1357", "opus", 500);
  Caller student = dial("lecture", "PCMU", 800);
  runFrames({chair.media.get(), student.media.get()}, 25);
  EXPECT_EQ(chair.sip->bye().status, 200);
  // The closing tones, then the end: at least 2 s, checked once a second.
  EXPECT_TRUE(student.sip->awaitRequest("BYE", 10s)) << "the room ends with its moderator";
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE codec = 'PCMU'"),
            "moderator_left");
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE codec = 'opus'"), "bye");
}

TEST_F(SipMeetingTest, AModeratorWhoComesBackInTheGraceKeepsTheRoom) {
  createRoom({{"name", "clinic"},
              {"moderator_pin", "8642"},
              {"end_with_last_moderator", true},
              {"end_grace_s", 5}});
  Caller chair = dial("clinic;pin=8642", "opus", 500);
  Caller patient = dial("clinic", "PCMU", 800);
  EXPECT_EQ(chair.sip->bye().status, 200);
  Caller back = dial("clinic;pin=8642", "G722", 1100);
  EXPECT_FALSE(patient.sip->awaitRequest("BYE", 7s)) << "the moderator came back in time";
  EXPECT_EQ(participantsOf("clinic").size(), 2U);
}

TEST_F(SipMeetingTest, AListenerHearsTheRoomAndIsNeverMixed) {
  Caller a = dial("gallery", "opus", 500);
  Caller b = dial("gallery", "PCMU", 800);
  const ApiClient api(server_->httpPort(), adminToken());
  const auto path = "/v1/rooms/gallery/participants/" +
                    std::to_string(participantWith("gallery", "PCMU")["id"].get<std::uint64_t>());
  const auto made = api.patch(path, R"({"role":"listener"})");
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(made.json()["role"], "listener");
  EXPECT_FALSE(made.json()["muted"]) << "a listener is not muted: it is not mixed at all";
  // Not even when unmuted.
  ASSERT_EQ(api.patch(path, R"({"muted":false})").status, 200);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_LT(level(a, 800), kNotHeard) << "a listener is never mixed";
  EXPECT_GT(level(b, 500), kHeard) << "a listener hears the room";

  ASSERT_EQ(api.patch(path, R"({"role":"participant"})").status, 200);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_GT(level(a, 800), kHeard) << "a participant again";
  const auto refused = api.patch(path, R"({"role":"boss"})");
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.json()["field"], "role");
  const auto events = roomEvents("gallery");
  EXPECT_EQ(std::count(events.begin(), events.end(), "participant.role_changed"), 2);
}

}  // namespace
}  // namespace mcu::test
