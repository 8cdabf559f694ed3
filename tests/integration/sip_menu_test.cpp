// The keypad menu (issue 15 item 5) with real callers over SIP and RTP: RFC 4733 keys toggle a
// caller's mute (heard, then not, then heard), raise its hand (and SIP INFO keys too) (seen over
// REST and as events), step its listen and talk volume; a moderator's keys lock the room and mute
// everyone else, a participant's same keys do nothing; *2 tells the caller how many are in (by
// tones here, the voice being off in these tests); a room moves a key over REST and the old one
// is dead.
#include "tests/integration/call_fixture.h"
#include "tests/support/eventually.h"

namespace mcu::test {
namespace {

using nlohmann::json;

// RFC 4733 event codes.
constexpr int kStar = 10;

class SipMenuTest : public SipCallTest {
 protected:
  // Presses `*digit` (or `#digit` with prefix 11) while the callers' RTP keeps flowing.
  void press(Caller& who, int digit, const std::vector<Caller*>& everyone, int prefix = kStar) {
    std::vector<RtpPeer*> peers;
    for (Caller* c : everyone) {
      peers.push_back(c->media.get());
    }
    who.media->sendDtmf(prefix, 101);
    runFrames(peers, 3);
    who.media->sendDtmf(digit, 101);
    runFrames(peers, 10);
  }
  json participant(const std::string& room, const std::string& codec) {
    for (const auto& p : participantsOf(room)) {
      if (p["codec"] == codec) {
        return p;
      }
    }
    ADD_FAILURE() << "no " << codec << " caller in " << room;
    return json::object();
  }
  json room(const std::string& name) {
    return ApiClient(server_->httpPort(), adminToken()).get("/v1/rooms/" + name).json();
  }
};

TEST_F(SipMenuTest, StarSixMutesAndUnmutesStarOneRaisesTheHandAndVolumesStep) {
  Caller a = dial("keys", "opus", 500);
  Caller b = dial("keys", "PCMU", 800);
  const std::vector<Caller*> both{&a, &b};
  runFrames({a.media.get(), b.media.get()}, 30);
  EXPECT_GT(level(b, 500), kHeard);

  press(a, 6, both);
  EXPECT_TRUE(participant("keys", "opus")["muted"]);
  runFrames({a.media.get(), b.media.get()}, 40);
  EXPECT_LT(level(b, 500), kNotHeard) << "*6 muted the caller";
  press(a, 6, both);
  EXPECT_FALSE(participant("keys", "opus")["muted"]);
  runFrames({a.media.get(), b.media.get()}, 40);
  EXPECT_GT(level(b, 500), kHeard) << "*6 again unmuted it";

  press(b, 1, both);
  EXPECT_TRUE(participant("keys", "PCMU")["hand_raised"]);
  press(b, 7, both);
  press(b, 3, both);
  const auto stepped = participant("keys", "PCMU");
  EXPECT_GT(stepped["output_gain"].get<double>(), 1.1) << "*7 turned what it hears up";
  EXPECT_LT(stepped["input_gain"].get<double>(), 0.9) << "*3 turned its voice down";
  // SIP INFO (application/dtmf-relay) keys are the same keys: *1 lowers it, *1 raises it again.
  for (int i = 0; i < 2; ++i) {
    for (const char* signal : {"*", "1"}) {
      EXPECT_EQ(b.sip
                    ->info("application/dtmf-relay",
                           std::string("Signal=") + signal + "\r\nDuration=100\r\n")
                    .status,
                200);
    }
    EXPECT_EQ(participant("keys", "PCMU")["hand_raised"], i == 1) << "INFO round " << i;
  }
  // An admin lowers the hand.
  const ApiClient api(server_->httpPort(), adminToken());
  const auto path = "/v1/rooms/keys/participants/" + std::to_string(stepped["id"].get<int>());
  EXPECT_FALSE(api.patch(path, R"({"hand_raised":false})").json()["hand_raised"]);
  int raised = 0;
  int lowered = 0;
  for (const auto& e : readEvents(server_->httpPort(), adminToken(), "0", 1500ms)) {
    raised += e["type"] == "participant.hand_raised" ? 1 : 0;
    lowered += e["type"] == "participant.hand_lowered" ? 1 : 0;
  }
  EXPECT_EQ(raised, 2);
  EXPECT_EQ(lowered, 2);
}

TEST_F(SipMenuTest, OnlyAModeratorsKeysLockTheRoomAndMuteTheOthers) {
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.post("/v1/rooms", R"({"name":"chair","moderator_pin":"4321"})").status, 201);
  Caller chair = dial("chair;pin=4321", "opus", 500);
  Caller other = dial("chair", "PCMU", 800);
  const std::vector<Caller*> both{&chair, &other};
  press(other, 5, both);
  press(other, 8, both);
  EXPECT_FALSE(room("chair")["locked"]) << "a participant's *5 does nothing";
  EXPECT_FALSE(participant("chair", "opus")["muted"]) << "nor its *8";

  press(chair, 5, both);
  EXPECT_TRUE(room("chair")["locked"]) << "the moderator's *5 locks (and stores it)";
  int status = 0;
  dial("chair", "PCMA", 300, &status);
  EXPECT_EQ(status, 403);
  press(chair, 8, both);
  EXPECT_TRUE(participant("chair", "PCMU")["muted"]) << "*8 mutes everyone else";
  EXPECT_FALSE(participant("chair", "opus")["muted"]) << "but not the moderator";
  runFrames({chair.media.get(), other.media.get()}, 40);
  EXPECT_LT(level(chair, 800), kNotHeard);
}

// How many separate bursts of `hz` the audio holds, by 20 ms frames (the count's tones are
// 150 ms long and 150 ms apart). On a busy machine a late or lost frame clicks (broadband, one
// frame) or drops out of a tone: a burst counts once the tone was heard in 3 frames, and ends
// only after 3 frames (60 ms) without it, shorter than the count's gaps.
int burstsOf(const std::vector<std::int16_t>& audio, double hz) {
  constexpr std::size_t kFrame = 960;
  constexpr int kFramesToCount = 3;
  constexpr int kQuietFramesToEnd = 3;
  int bursts = 0;
  int heard = 0;  // frames of the current burst with the tone; 0: not in one
  int quiet = 0;
  for (std::size_t at = 0; at + kFrame <= audio.size(); at += kFrame) {
    const double db = goertzelDb(std::span(audio).subspan(at, kFrame), hz);
    if (db > kHeardDb && ++heard == kFramesToCount) {
      ++bursts;
    }
    quiet = db > kNotHeardDb ? 0 : quiet + 1;
    if (quiet >= kQuietFramesToEnd) {
      heard = 0;
    }
  }
  return bursts;
}

// The bursts `caller` heard since `mark`, once the count is over: it runs the callers until it
// heard at least `expected` and then 400 ms without one (longer than any gap of the count),
// for at most 5 s. A busy machine may start the count late; a fixed window then cut it short.
int countHeard(const Caller& caller, std::size_t mark, int expected,
               const std::vector<RtpPeer*>& peers) {
  constexpr std::size_t kQuiet = 48 * 400;
  for (int turn = 0; turn < 25; ++turn) {
    runFrames(peers, 10);
    const auto audio = caller.media->audioSince(mark);
    if (audio.size() > kQuiet && burstsOf(audio, 1200) >= expected &&
        goertzelDb(std::span(audio).last(kQuiet), 1200) < kNotHeardDb) {
      break;
    }
  }
  return burstsOf(caller.media->audioSince(mark), 1200);
}

TEST_F(SipMenuTest, StarTwoTellsTheCallerAloneHowManyAreIn) {
  Caller a = dial("count", "PCMU", 500);
  Caller b = dial("count", "PCMU", 800);
  Caller c = dial("count", "PCMU", 300);
  const std::vector<Caller*> all{&a, &b, &c};
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 20);
  const auto mark_a = a.media->audioMark();
  const auto mark_b = b.media->audioMark();
  press(a, 2, all);
  EXPECT_EQ(countHeard(a, mark_a, 3, {a.media.get(), b.media.get(), c.media.get()}), 3)
      << "three callers: three tones";
  EXPECT_EQ(burstsOf(b.media->audioSince(mark_b), 1200), 0) << "said to the caller who asked";

  EXPECT_EQ(c.sip->bye().status, 200);
  // The stack answers the BYE before the room lets the caller go: count once it has.
  ASSERT_TRUE(eventually([&] { return participantsOf("count").size() == 2; }, 5s));
  const auto again = a.media->audioMark();
  press(a, 2, {&a, &b});
  EXPECT_EQ(countHeard(a, again, 2, {a.media.get(), b.media.get()}), 2) << "one left: two";
}

TEST_F(SipMenuTest, ARoomMovesAKeyAndRefusesABadMap) {
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.post("/v1/rooms", R"({"name":"moved","dtmf_menu":{"mute":"#2","hand":""}})").status,
            201);
  const auto menu = room("moved")["dtmf_menu"];
  EXPECT_EQ(menu["mute"], "#2");
  EXPECT_EQ(menu["hand"], "");
  EXPECT_EQ(menu["listen_up"], "*7") << "what the room does not name keeps its default";
  Caller a = dial("moved", "opus", 500);
  Caller b = dial("moved", "PCMU", 800);
  const std::vector<Caller*> both{&a, &b};
  press(a, 6, both);
  press(a, 1, both);
  EXPECT_FALSE(participant("moved", "opus")["muted"]) << "*6 is no longer mute";
  EXPECT_FALSE(participant("moved", "opus")["hand_raised"]) << "the hand is off";
  press(a, 2, both, 11);
  EXPECT_TRUE(participant("moved", "opus")["muted"]) << "#2 is";

  // An unknown action is an unknown field (400, like any); a bad key or a clash is 422.
  const std::vector<std::pair<const char*, int>> bad{{R"({"dtmf_menu":{"mute":"6"}})", 422},
                                                     {R"({"dtmf_menu":{"dance":"*2"}})", 400},
                                                     {R"({"dtmf_menu":{"mute":"*1"}})", 422},
                                                     {R"({"dtmf_menu":{"mute":7}})", 422}};
  for (const auto& [body, status] : bad) {
    const auto refused = api.patch("/v1/rooms/moved", body);
    EXPECT_EQ(refused.status, status) << body << " " << refused.body;
    EXPECT_TRUE(refused.json().value("field", "").starts_with("dtmf_menu")) << body;
  }
  ASSERT_EQ(api.patch("/v1/rooms/moved", R"({"dtmf_menu":null})").status, 200);
  EXPECT_EQ(room("moved")["dtmf_menu"]["mute"], "*6") << "null: the defaults again";
}

}  // namespace
}  // namespace mcu::test
