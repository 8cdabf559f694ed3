// REST and SIP together: what the API shows and does reaches the live calls (list, mute,
// deafen, kick, move, dial-out, policy changes), checked by listening to the callers.
#include <csignal>
#include <thread>

#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

using SipRestTest = SipCallTest;

TEST_F(SipRestTest, RestListsMutesAndKicksLiveParticipants) {
  const ApiClient api(server_->httpPort(), createToken(db_.url(), "admin", "live-admin"));
  Caller a = dial("live", "opus", 500);
  Caller b = dial("live", "PCMU", 800);
  runFrames({a.media.get(), b.media.get()}, 50);
  ASSERT_GT(level(b, 500), kHeard);

  const auto list = api.get("/v1/rooms/live/participants");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto items = list.json()["items"];
  ASSERT_EQ(items.size(), 2U);
  std::uint64_t a_id = 0;
  for (const auto& p : items) {
    if (p["codec"] == "opus") {
      a_id = p["id"].get<std::uint64_t>();
    }
  }
  ASSERT_NE(a_id, 0U);
  EXPECT_EQ(items[0]["display_name"], "Test") << "the From display name, without its quotes";
  EXPECT_EQ(items[0]["from_uri"], "sip:tester@127.0.0.1");
  const std::string a_path = "/v1/rooms/live/participants/" + std::to_string(a_id);
  EXPECT_EQ(api.get("/v1/rooms/live").json()["live"]["participants"], 2);
  EXPECT_EQ(api.get("/v1/rooms?active=true").json()["items"].size(), 1U);

  // An id 2^32 above a live one names no participant: it must not wrap onto that one.
  const std::string wrapped =
      "/v1/rooms/live/participants/" + std::to_string(a_id + (std::uint64_t{1} << 32U));
  EXPECT_EQ(api.patch(wrapped, R"({"muted":true})").status, 404);
  EXPECT_EQ(api.get(wrapped).status, 404);
  EXPECT_EQ(api.post(wrapped + "/move", R"({"room":"elsewhere"})").status, 404);
  EXPECT_EQ(api.del(wrapped).status, 404);
  EXPECT_EQ(api.get(a_path).json()["muted"], false) << "the live participant is untouched";
  EXPECT_FALSE(a.sip->awaitRequest("BYE", 100ms)) << "and still in its call";

  const auto muted = api.patch(a_path, R"({"muted":true})");
  ASSERT_EQ(muted.status, 200) << muted.body;
  EXPECT_EQ(muted.json()["muted"], true);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_LT(level(b, 500), kNotHeard) << "a muted participant is not heard";
  EXPECT_GT(level(a, 800), kHeard) << "but still hears the room";
  ASSERT_EQ(api.patch(a_path, R"({"muted":false})").status, 200);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_GT(level(b, 500), kHeard) << "heard again after unmute";
  ASSERT_EQ(api.patch(a_path, R"({"deaf":true})").status, 200);
  runFrames({a.media.get(), b.media.get()}, 5);
  const std::size_t received_before = a.media->received().size();
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_GE(a.media->received().size() - received_before, 25U) << "packets keep coming";
  EXPECT_LT(level(a, 800), kNotHeard) << "a deafened participant hears silence";
  EXPECT_GT(level(b, 500), kHeard) << "but is still heard";
  ASSERT_EQ(api.patch(a_path, R"({"deaf":false,"output_gain":0.5})").status, 200);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_GT(level(a, 800), kHeard) << "hears again";
  EXPECT_EQ(api.patch(a_path, R"({"input_gain":9})").status, 422);
  EXPECT_EQ(api.patch("/v1/rooms/live/participants/999", R"({"muted":true})").status, 404);

  EXPECT_EQ(api.del(a_path).status, 204);
  EXPECT_TRUE(a.sip->awaitRequest("BYE", 5s)) << "a kick is a BYE";
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE codec = 'opus'"), "kicked");
  EXPECT_EQ(api.get(a_path).status, 404);

  // Deleting the room ends the calls still in it.
  EXPECT_EQ(api.del("/v1/rooms/live").status, 204);
  EXPECT_TRUE(b.sip->awaitRequest("BYE", 5s));
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE codec = 'PCMU'"), "room_deleted");
}

TEST_F(SipRestTest, AKickedCallerThatNeverAnswersTheByeIsGoneAtOnce) {
  const ApiClient api(server_->httpPort(), adminToken());
  Caller a = dial("kicked", "opus", 500);
  Caller b = dial("kicked", "PCMU", 800);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_GT(level(b, 500), kHeard);
  std::string a_path;
  for (const auto& p : participantsOf("kicked")) {
    if (p["codec"] == "opus") {
      a_path = "/v1/rooms/kicked/participants/" + std::to_string(p["id"].get<std::uint64_t>());
    }
  }
  ASSERT_FALSE(a_path.empty());
  EXPECT_EQ(api.del(a_path).status, 204);
  ASSERT_TRUE(a.sip->takeRequest("BYE", 5s)) << "a kick is a BYE (left unanswered here)";
  EXPECT_EQ(api.get(a_path).status, 404)
      << "out of the room at once, not after the BYE's 32 s of retransmissions";
  EXPECT_EQ(participantsOf("kicked").size(), 1U);
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_LT(level(b, 500), kNotHeard) << "and no longer heard, though it still sends";
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE codec = 'opus'"), "kicked");
  // A shutdown while its BYE is still unanswered: the kick stays its reason,
  // and the server does not wait for it (exit 0, not the watchdog's 1).
  server_->process().signal(SIGTERM);
  EXPECT_TRUE(b.sip->awaitRequest("BYE", 5s));
  EXPECT_EQ(server_->process().waitExit(15s), 0) << server_->process().output();
  EXPECT_EQ(db_.scalar("SELECT string_agg(leave_reason, ',' ORDER BY leave_reason) FROM calls"),
            "kicked,shutdown");
}

TEST_F(SipRestTest, RoomPolicyChangedOverRestAppliesToTheNextInvite) {
  const ApiClient api(server_->httpPort(), createToken(db_.url(), "admin", "policy-admin"));
  ASSERT_EQ(
      api.post("/v1/rooms", R"({"name":"board","pin":"2468","codec_preference":["PCMA"]})").status,
      201);
  int status = 0;
  dial("board;pin=1111", "PCMA", 500, &status);
  EXPECT_EQ(status, 403) << "the PIN set over REST";
  Caller in = dial("board;pin=2468", "PCMA", 500);
  ASSERT_EQ(api.patch("/v1/rooms/board", R"({"locked":true})").status, 200);
  dial("board;pin=2468", "PCMA", 500, &status);
  EXPECT_EQ(status, 403) << "locked over REST: the next INVITE is refused";
}

TEST_F(SipRestTest, MoveTakesALiveCallToAnotherRoomWithoutHangingUp) {
  const ApiClient api(server_->httpPort(), createToken(db_.url(), "admin", "move-admin"));
  Caller a = dial("one", "opus", 500);
  Caller b = dial("one", "PCMU", 800);
  Caller c = dial("two", "G722", 1100);
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 50);
  ASSERT_GT(level(a, 800), kHeard);
  const auto a_id = api.get("/v1/rooms/one/participants").json()["items"][0]["id"];
  const std::string a_path = "/v1/rooms/one/participants/" + a_id.dump();

  const auto moved = api.post(a_path + "/move", R"({"room":"two"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.json()["room"], "two");
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 60);
  expectHearsInFrames(a.media->lastAudio(600), {1100}, {800});  // it hears its new room
  expectHearsInFrames(c.media->lastAudio(600), {500}, {});      // and is heard there
  expectHearsInFrames(b.media->lastAudio(600), {}, {500});      // the old room no longer hears it
  EXPECT_FALSE(a.sip->awaitRequest("INVITE", 200ms)) << "same port: no re-INVITE was needed";
  EXPECT_EQ(api.get("/v1/rooms/two/participants").json()["items"].size(), 2U);
  EXPECT_EQ(db_.awaitScalar("SELECT r.name FROM calls c JOIN rooms r ON r.id = c.room_id"
                            " WHERE c.codec = 'opus'",
                            "two"),
            "two")
      << "the call record follows";

  const std::string moved_path = "/v1/rooms/two/participants/" + a_id.dump() + "/move";
  EXPECT_EQ(api.post(moved_path, R"({"room":"nowhere"})").status, 422);
  EXPECT_EQ(api.post(moved_path, R"({"to":"one"})").status, 400);
  ASSERT_EQ(api.patch("/v1/rooms/one", R"({"locked":true})").status, 200);
  EXPECT_EQ(api.post(moved_path, R"({"room":"one"})").status, 409) << "a locked room refuses";
  EXPECT_EQ(api.post(a_path + "/move", R"({"room":"two"})").status, 404) << "not in 'one' now";
}

TEST_F(SipRestTest, DialOutRingsJoinsAndIsKickedOrFailsWithTheSipStatus) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  server_.reset();
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}});
  const std::string token = createToken(db_.url(), "admin", "dial-admin");
  const ApiClient api(server_->httpPort(), token);
  Caller inside = dial("sales", "opus", 500);

  // The far end: sipp as a UAS on a free port, answering once.
  const std::uint16_t callee_port = freeUdpTcpPort();
  const TempPath messages("dialout-msgs");
  ChildProcess callee(
      {"/usr/bin/sipp", "-sf", std::string(MCU_SIPP_DIR) + "/uas_answer.xml", "-i", "127.0.0.1",
       "-p", std::to_string(callee_port), "-mi", "127.0.0.1", "-m", "1", "-nostdin", "-timeout",
       "30s", "-timeout_error", "-trace_msg", "-message_file", messages.path()},
      {}, tempPath("sipp-uas"));
  ASSERT_TRUE(awaitListening(callee_port, 10s)) << "sipp never bound its port";
  const std::string uri = "sip:callee@127.0.0.1:" + std::to_string(callee_port);

  EXPECT_EQ(api.post("/v1/rooms/sales/participants", R"({"uri":"sip:x@evil.example.com"})").status,
            403)
      << "not in the allow-list: no toll fraud";
  EXPECT_EQ(api.post("/v1/rooms/sales/participants", R"({"uri":"tel:+15551234"})").status, 422);
  EXPECT_EQ(api.post("/v1/rooms/nowhere/participants", R"({"uri":")" + uri + R"("})").status, 404);
  const auto dialled = api.post("/v1/rooms/sales/participants", R"({"uri":")" + uri + R"("})");
  ASSERT_EQ(dialled.status, 202) << dialled.body;
  EXPECT_EQ(dialled.json()["state"], "calling");
  EXPECT_EQ(dialled.json()["direction"], "out");
  const std::string path = dialled.header("Location");
  ASSERT_FALSE(path.empty());

  std::string state;
  for (int i = 0; i < 200 && state != "joined"; ++i) {  // 20 s at most
    std::this_thread::sleep_for(100ms);
    state = api.get(path).json().value("state", "");
  }
  ASSERT_EQ(state, "joined") << server_->process().output();
  EXPECT_EQ(api.get(path).json()["codec"], "PCMA") << "the answer's codec";
  EXPECT_EQ(api.get(path).json()["sip_status"], 200);
  // The events say so, in order.
  std::vector<std::string> states;
  for (const auto& e : readEvents(server_->httpPort(), token, "0", 1000ms)) {
    if (e["type"] == "participant.dialout") {
      states.push_back(e["data"]["state"]);
      EXPECT_EQ(e["data"].value("via", ""), "dial-out") << e.dump();
    }
  }
  EXPECT_EQ(states, (std::vector<std::string>{"calling", "ringing", "joined"}));
  // The dialled party hears the room (its RTP arrives at sipp; the room's caller hears it).
  runFrames({inside.media.get()}, 60);
  EXPECT_GT(db_.awaitScalar("SELECT count(*) FROM calls WHERE direction = 'out'"
                            " AND codec = 'PCMA'",
                            "1"),
            "0");
  EXPECT_EQ(api.del(path).status, 204) << "a kick of a dialled call";
  const auto exit = callee.waitExit(10s);
  ASSERT_TRUE(exit.has_value()) << "the callee got no BYE";
  EXPECT_EQ(*exit, 0) << callee.output();
  const std::string invite = readFile(messages.path());
  const std::string call_id =
      db_.awaitScalar("SELECT call_id FROM calls WHERE direction = 'out' AND left_at IS NOT NULL");
  EXPECT_NE(invite.find("Call-ID: " + call_id), std::string::npos)
      << "the record's Call-ID is the one on the wire: " << call_id;
  EXPECT_NE(invite.find("From: <sip:sales@127.0.0.1"), std::string::npos);

  // A busy callee: the dial-out fails with 486, visible on GET.
  const std::uint16_t busy_port = freeUdpTcpPort();
  ChildProcess busy(
      {"/usr/bin/sipp", "-sf", std::string(MCU_SIPP_DIR) + "/uas_busy.xml", "-i", "127.0.0.1", "-p",
       std::to_string(busy_port), "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error"},
      {}, tempPath("sipp-busy"));
  ASSERT_TRUE(awaitListening(busy_port, 10s)) << "sipp never bound its port";
  const auto failed =
      api.post("/v1/rooms/sales/participants",
               R"({"uri":"sip:busy@127.0.0.1:)" + std::to_string(busy_port) + R"("})");
  ASSERT_EQ(failed.status, 202) << failed.body;
  const std::string failed_path = failed.header("Location");
  for (int i = 0; i < 200 && state != "failed"; ++i) {  // 20 s at most
    std::this_thread::sleep_for(100ms);
    state = api.get(failed_path).json().value("state", "");
  }
  EXPECT_EQ(state, "failed");
  EXPECT_EQ(api.get(failed_path).json()["sip_status"], 486);
  EXPECT_EQ(api.get("/v1/rooms/sales/participants").json()["items"].size(), 1U)
      << "a failed dial-out is not in the room";
  EXPECT_EQ(busy.waitExit(10s).value_or(-1), 0) << busy.output();
}

// ;transport=tcp in a dial-out URI is honoured: the callee listens on TCP only (sipp -t t1),
// so its 486 can only come back if the INVITE went over TCP.
TEST_F(SipRestTest, DialOutToATransportTcpUriGoesOverTcp) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  server_.reset();
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}});
  const ApiClient api(server_->httpPort(), createToken(db_.url(), "admin", "tcp-admin"));
  Caller inside = dial("tcpout", "PCMU", 500);
  const std::uint16_t port = freeUdpTcpPort();
  ChildProcess busy({"/usr/bin/sipp", "-sf", std::string(MCU_SIPP_DIR) + "/uas_busy.xml", "-t",
                     "t1", "-i", "127.0.0.1", "-p", std::to_string(port), "-m", "1", "-nostdin",
                     "-timeout", "30s", "-timeout_error"},
                    {}, tempPath("sipp-busy-tcp"));
  ASSERT_TRUE(awaitListening(port, 10s)) << "sipp never bound its port";
  const auto dialled =
      api.post("/v1/rooms/tcpout/participants",
               R"({"uri":"sip:busy@127.0.0.1:)" + std::to_string(port) + R"(;transport=tcp"})");
  ASSERT_EQ(dialled.status, 202) << dialled.body;
  std::string state;
  for (int i = 0; i < 100 && state != "failed"; ++i) {
    std::this_thread::sleep_for(100ms);
    state = api.get(dialled.header("Location")).json().value("state", "");
  }
  EXPECT_EQ(state, "failed");
  EXPECT_EQ(api.get(dialled.header("Location")).json()["sip_status"], 486)
      << "the callee's own answer, over TCP";
  EXPECT_EQ(busy.waitExit(10s).value_or(-1), 0) << busy.output();
}

}  // namespace
}  // namespace mcu::test

namespace mcu::test {
namespace {

// An on-demand room ends with its last caller and is made again by the next: a caller that
// comes while the end is still queued must still get its call record (the room's look-up had
// found the old row, and the end then deleted it under the new call).
TEST_F(SipCallTest, EveryCallOfAnOnDemandRoomThatEndsAndComesBackIsRecorded) {
  constexpr int kCalls = 30;
  for (int i = 0; i < kCalls; ++i) {
    Caller c = dial("churn", "PCMU", 600);
    ASSERT_EQ(c.sip->bye().status, 200);
  }
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE room_name = 'churn'",
                            std::to_string(kCalls)),
            std::to_string(kCalls));
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE room_name = 'churn'"
                            " AND left_at IS NULL",
                            "0"),
            "0");
}

}  // namespace
}  // namespace mcu::test
