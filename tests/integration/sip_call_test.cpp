// Dial-in against the real server, real PostgreSQL and real audio: callers INVITE a room with
// SDP, send their tones over RTP, and listen (Goertzel) to what the server mixes for them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <memory>
#include <pqxx/pqxx>
#include <set>

#include "tests/integration/api_client.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sip_uac.h"
#include "tests/support/listening.h"
#include "tests/support/net.h"
#include "tests/support/rtp_peer.h"

namespace mcu::test {
namespace {

using mixer::codec::CodecKind;
using mixer::codec::CodecSpec;
using namespace std::chrono_literals;

constexpr double kHeard = kHeardDb;
constexpr double kNotHeard = kNotHeardDb;

struct Caller {
  std::unique_ptr<RtpPeer> media;
  std::unique_ptr<SipUac> sip;
};

class SipCallTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void start(std::map<std::string, std::string> env) {
    env["MCU_MEDIA_BIND"] = "127.0.0.1";
    env["MCU_MEDIA_ADDRESS"] = "127.0.0.1";
    server_ = std::make_unique<ServerProcess>(db_.url(), env);
    ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  }
  // Dials `room` with one codec; on success the caller's media is aimed at the answer's port.
  Caller dial(const std::string& room, const std::string& codec, double tone_hz,
              int* status = nullptr) {
    static const std::map<std::string, CodecSpec> kSpecs{
        {"opus", {.kind = CodecKind::kOpus, .payload_type = 111}},
        {"PCMU", {.kind = CodecKind::kPcmu, .payload_type = 0}},
        {"PCMA", {.kind = CodecKind::kPcma, .payload_type = 8}},
        {"G722", {.kind = CodecKind::kG722, .payload_type = 9}}};
    Caller c;
    c.media = std::make_unique<RtpPeer>(gst_, kSpecs.at(codec), tone_hz);
    c.sip = std::make_unique<SipUac>(server_->sipPort());
    const auto reply = c.sip->invite(room, sdpOffer(c.media->port(), codec));
    if (status != nullptr) {
      *status = reply.status;
    } else {
      EXPECT_EQ(reply.status, 200) << reply.message;
    }
    if (reply.status == 200) {
      c.media->setServerPort(sdpAudioPort(reply.body));
    }
    return c;
  }
  // Runs a scenario of tests/sipp against the server, one call at a time; `extra` adds sipp
  // options (transport, call count, injection file...).
  CommandResult runSipp(const std::string& scenario, const std::string& room,
                        const std::vector<std::string>& extra) {
    std::vector<std::string> args{"/usr/bin/sipp",
                                  "-sf",
                                  std::string(MCU_SOURCE_DIR) + "/tests/sipp/" + scenario,
                                  "-s",
                                  room,
                                  "-i",
                                  "127.0.0.1",
                                  "-p",
                                  "0",
                                  "-mi",
                                  "127.0.0.1",
                                  "-nostdin",
                                  "-timeout",
                                  "30s",
                                  "-timeout_error"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("127.0.0.1:" + std::to_string(server_->sipPort()));
    return runCommand(args, 40s);
  }
  // tests/sipp/join_leave.xml: `calls` callers into `room`, each with 5 s of PCMA.
  CommandResult sippJoinLeave(const std::string& room, const std::string& transport, int calls) {
    return runSipp("join_leave.xml", room,
                   {"-t", transport, "-m", std::to_string(calls), "-r", std::to_string(calls), "-d",
                    "5000", "-trace_err"});
  }
  static double level(const Caller& c, double hz, int ms = 600) {
    return goertzelDb(c.media->lastAudio(ms), hz);
  }

  TestDatabase db_;
  mixer::codec::GstPipelineHost gst_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(SipCallTest, ThreeCodecsHearEachOtherNotThemselvesAndHoldWorks) {
  Caller a = dial("standup", "opus", 500);
  Caller b = dial("standup", "PCMU", 800);
  Caller c = dial("standup", "G722", 1100);
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 75);
  expectHears(a.media->lastAudio(600), {800, 1100}, {500});
  expectHears(b.media->lastAudio(600), {500, 1100}, {800});
  expectHears(c.media->lastAudio(600), {500, 800}, {1100});
  // C puts the call on hold: the others stop hearing it, and it is sent nothing.
  const auto hold = c.sip->reinvite(sdpOffer(c.media->port(), "G722", "sendonly"));
  ASSERT_EQ(hold.status, 200) << hold.message;
  EXPECT_NE(hold.body.find("a=recvonly"), std::string::npos) << hold.body;
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 10);
  const std::size_t c_before = c.media->received().size();
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 40);
  EXPECT_LT(level(a, 1100), kNotHeard);
  EXPECT_EQ(c.media->received().size(), c_before);
  // Resume: heard again.
  const auto resume = c.sip->reinvite(sdpOffer(c.media->port(), "G722", "sendrecv"));
  ASSERT_EQ(resume.status, 200);
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 50);
  EXPECT_GT(level(a, 1100), kHeard);
  EXPECT_GT(level(c, 500), kHeard);
  for (Caller* caller : {&a, &b, &c}) {
    EXPECT_EQ(caller->sip->bye().status, 200);
  }
}

TEST_F(SipCallTest, SippCallerJoinsSendsAudioAndLeaves) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  const auto result = sippJoinLeave("sipp-room", "u1", 3);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const std::string count = db_.awaitScalar(
      "SELECT count(*) FROM calls WHERE leave_reason = 'bye'"
      " AND codec = 'PCMA' AND (stats->>'packets_in')::int > 100",
      "3");
  EXPECT_EQ(count, "3") << "three calls with 5 s of audio each, ended by BYE";
  // sipp's recording has 30 ms packets: they must play in turn, not two in three concealed.
  EXPECT_EQ(db_.scalar("SELECT max((stats->>'lost')::float / (stats->>'packets_in')::float)"
                       " < 0.1 FROM calls"),
            "t")
      << db_.scalar("SELECT string_agg(stats::text, ' ') FROM calls");
}

TEST_F(SipCallTest, UpdateHoldsAndResumesLikeAReinvite) {
  Caller a = dial("updates", "opus", 500);
  Caller b = dial("updates", "opus", 800);
  runFrames({a.media.get(), b.media.get()}, 30);
  const auto hold = b.sip->update(sdpOffer(b.media->port(), "opus", "inactive"));
  ASSERT_EQ(hold.status, 200) << hold.message;
  EXPECT_NE(hold.body.find("a=inactive"), std::string::npos) << hold.body;
  runFrames({a.media.get(), b.media.get()}, 40);
  EXPECT_LT(level(a, 800, 400), kNotHeard);
  const auto resume = b.sip->update(sdpOffer(b.media->port(), "opus"));
  ASSERT_EQ(resume.status, 200);
  runFrames({a.media.get(), b.media.get()}, 40);
  EXPECT_GT(level(a, 800, 400), kHeard);
}

TEST_F(SipCallTest, SessionTimerIsAcceptedAndConfirmed) {
  SipUac uac(server_->sipPort());
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  uac.setExtraHeaders("Supported: timer\r\nSession-Expires: 120;refresher=uac\r\n");
  const auto reply = uac.invite("timers", sdpOffer(media.port(), "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  EXPECT_NE(headerValue(reply.message, "Session-Expires").find("120"), std::string::npos)
      << reply.message;
  EXPECT_NE(headerValue(reply.message, "Require").find("timer"), std::string::npos)
      << reply.message;
  EXPECT_EQ(uac.bye().status, 200);
}

// RFC 4028: when the caller makes us the refresher, we refresh at half the interval. Takes
// 45 s (90 s is the smallest interval the RFC allows), so it runs beside the others.
TEST_F(SipCallTest, ServerRefreshesTheSessionWhenItIsTheRefresher) {
  SipUac uac(server_->sipPort());
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  uac.setExtraHeaders("Supported: timer\r\nSession-Expires: 90;refresher=uas\r\n");
  const auto reply = uac.invite("refreshed", sdpOffer(media.port(), "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  EXPECT_NE(headerValue(reply.message, "Session-Expires").find("refresher=uas"), std::string::npos)
      << reply.message;
  EXPECT_TRUE(uac.awaitRequest("INVITE", 55s)) << "no session refresh from the server";
}

TEST_F(SipCallTest, LargeInviteOverUdpIsAnswered) {
  // Far past the 1300 bytes of RFC 3261 §18.1.1: a sender should have used TCP, but a
  // datagram this size arrives whole on loopback and must be taken, not dropped.
  SipUac uac(server_->sipPort());
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  std::string offer = sdpOffer(media.port(), "PCMU");
  for (int i = 0; i < 60; ++i) {
    offer += "a=x-filler-" + std::to_string(i) + ":" + std::string(90, 'x') + "\r\n";
  }
  ASSERT_GT(offer.size(), 6000U);
  const auto reply = uac.invite("large", offer);
  EXPECT_EQ(reply.status, 200) << reply.message;
  EXPECT_EQ(uac.bye().status, 200);
}

TEST_F(SipCallTest, SippCallerOverTcp) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  const auto result = sippJoinLeave("tcp-room", "t1", 1);
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(SipCallTest, TlsListenerAnswersOverTls) {
  ASSERT_TRUE(requireTool("/usr/bin/openssl")) << "openssl is missing";
  const TempPath certs("certs");
  const std::string& dir = certs.path();
  ::unlink(dir.c_str());
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  const auto made =
      runCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                  "-subj", "/CN=127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"},
                 60s);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  // sofia-sip wants the key and certificate together in agent.pem.
  std::ofstream(dir + "/agent.pem") << readFile(dir + "/key.pem") << readFile(dir + "/cert.pem");
  std::ofstream(dir + "/cafile.pem") << readFile(dir + "/cert.pem");
  const std::uint16_t tls_port = freeUdpTcpPort();
  server_.reset();
  start({{"MCU_SIP_TLS_LISTEN", "127.0.0.1:" + std::to_string(tls_port)},
         {"MCU_SIP_TLS_CERT_DIR", dir}});
  const std::string options = optionsRequest(9, "TLS");
  const std::string script =
      "(printf '%s' \"$REQ\"; sleep 2) | /usr/bin/openssl s_client -quiet "
      "-connect 127.0.0.1:" +
      std::to_string(tls_port) + " 2>/dev/null";
  const auto reply = runCommand({"/bin/sh", "-c", script}, 20s, {{"REQ", options}});
  EXPECT_NE(reply.output.find("SIP/2.0 200 OK"), std::string::npos) << reply.output;
}

TEST_F(SipCallTest, SippCodecChoiceForEachCodecAnd488ForNone) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  const TempPath message_file("sipp-codecs");
  const std::string& messages = message_file.path();
  const auto result = runSipp("codec_offer.xml", "codecs",
                              {"-inf", std::string(MCU_SOURCE_DIR) + "/tests/sipp/codec_offers.csv",
                               "-m", "5", "-l", "1", "-trace_msg", "-message_file", messages});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // The answers, in call order (-l 1: one call at a time), as sipp received them.
  std::string log = readFile(messages);
  std::erase(log, '\r');
  std::vector<std::string> answers;
  std::set<std::string> calls;  // the first final answer of each call; the rest are resends
  for (auto pos = log.find("message received"); pos != std::string::npos;
       pos = log.find("message received", pos + 1)) {
    const auto end = log.find("-----------------", pos);
    const std::string message = log.substr(pos, end - pos);
    const auto body = message.find("SIP/2.0 ");
    if (body == std::string::npos || message.find("CSeq: 1 INVITE") == std::string::npos ||
        (message.find("SIP/2.0 200") == std::string::npos &&
         message.find("SIP/2.0 488") == std::string::npos)) {
      continue;
    }
    if (calls.insert(headerValue(message.substr(body), "Call-ID")).second) {
      answers.push_back(message);
    }
  }
  ASSERT_EQ(answers.size(), 5U) << log;
  // Only the chosen codec is answered (no telephone-event was offered).
  const std::vector<std::string> expected{"RTP/AVP 96\n", "RTP/AVP 9\n", "RTP/AVP 0\n",
                                          "RTP/AVP 8\n"};
  const std::vector<std::string> rtpmap{"a=rtpmap:96 opus/48000/2", "a=rtpmap:9 G722/8000",
                                        "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NE(answers[i].find("SIP/2.0 200"), std::string::npos) << answers[i];
    EXPECT_NE(answers[i].find(expected[i]), std::string::npos) << answers[i];
    EXPECT_NE(answers[i].find(rtpmap[i]), std::string::npos) << answers[i];
  }
  EXPECT_NE(answers[4].find("SIP/2.0 488"), std::string::npos) << answers[4];
}

TEST_F(SipCallTest, NoCommonCodecGets488WithAWarning) {
  SipUac uac(server_->sipPort());
  const std::string g729 =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
  const auto reply = uac.invite("standup", g729);
  EXPECT_EQ(reply.status, 488);
  EXPECT_NE(headerValue(reply.message, "Warning").find("no common codec"), std::string::npos)
      << reply.message;
}

TEST_F(SipCallTest, OfferlessInviteGetsOurOfferAndTheAnswerInTheAck) {
  Caller talker = dial("3pcc", "opus", 700);
  RtpPeer listener(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 0);
  listener.setSilent(true);
  SipUac uac(server_->sipPort());
  const auto reply = uac.invite("3pcc", std::nullopt, sdpOffer(listener.port(), "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  EXPECT_NE(reply.body.find("RTP/AVP 111 9 0 8"), std::string::npos) << reply.body;
  listener.setServerPort(sdpAudioPort(reply.body));
  runFrames({talker.media.get(), &listener}, 60);
  EXPECT_GT(goertzelDb(listener.lastAudio(600), 700), kHeard);
  EXPECT_EQ(uac.bye().status, 200);
}

TEST_F(SipCallTest, CallsAreRecordedWithTheirEnd) {
  Caller a = dial("recorded", "PCMA", 500);
  runFrames({a.media.get()}, 30);  // past the first statistics publication (every 200 ms)
  EXPECT_EQ(a.sip->bye().status, 200);
  const std::string left = db_.awaitScalar(
      "SELECT leave_reason FROM calls c JOIN rooms r ON r.id = c.room_id"
      " WHERE r.name = 'recorded' AND c.left_at IS NOT NULL");
  EXPECT_EQ(left, "bye");
  EXPECT_EQ(db_.scalar("SELECT codec FROM calls"), "PCMA");
  EXPECT_EQ(db_.scalar("SELECT on_demand FROM rooms WHERE name = 'recorded'"), "t");
  EXPECT_EQ(db_.scalar("SELECT (stats->>'packets_in')::int > 0 FROM calls"), "t");
}

TEST_F(SipCallTest, RoomPoliciesFromTheDatabase) {
  db_.exec("INSERT INTO rooms (name, locked) VALUES ('vault', true)");
  db_.exec("INSERT INTO rooms (name, max_participants) VALUES ('tiny', 1)");
  db_.exec("INSERT INTO rooms (name, pin_hash) VALUES ('secret', '1234')");
  // Policies are read at start-up: restart on the same database.
  server_.reset();
  start({});
  std::this_thread::sleep_for(300ms);
  int status = 0;
  dial("vault", "PCMU", 500, &status);
  EXPECT_EQ(status, 403);
  Caller first = dial("tiny", "PCMU", 500);
  dial("tiny", "PCMU", 500, &status);
  EXPECT_EQ(status, 486);
  dial("secret;pin=9999", "PCMU", 500, &status);
  EXPECT_EQ(status, 403) << "a wrong PIN in the Request-URI";
  dial("secret;pin=1234", "PCMU", 500, &status);
  EXPECT_EQ(status, 200);
  dial("bad*room", "PCMU", 500, &status);
  EXPECT_EQ(status, 404);
}

TEST_F(SipCallTest, PinByDtmfLetsTheCallerInAndThreeWrongOnesEndTheCall) {
  db_.exec("INSERT INTO rooms (name, pin_hash) VALUES ('board', '1234')");
  server_.reset();
  start({});
  std::this_thread::sleep_for(300ms);
  Caller member = dial("board;pin=1234", "opus", 500);
  Caller guest = dial("board", "opus", 800);  // no PIN: answered, asked for it by DTMF
  runFrames({member.media.get(), guest.media.get()}, 30);
  EXPECT_GT(level(guest, 1400, 400), kHeard) << "the PIN prompt (two high beeps)";
  EXPECT_LT(level(guest, 500, 400), kNotHeard) << "the room is not heard before the PIN";
  EXPECT_LT(level(member, 800, 400), kNotHeard) << "nor is the guest heard in the room";
  for (const int digit : {1, 2, 3, 4}) {
    guest.media->sendDtmf(digit, 101);
    runFrames({member.media.get(), guest.media.get()}, 3);
  }
  runFrames({member.media.get(), guest.media.get()}, 50);
  EXPECT_GT(level(guest, 500), kHeard)
      << "in the room after the PIN" << server_->process().output();
  EXPECT_GT(level(member, 800), kHeard);

  Caller intruder = dial("board", "opus", 1100);
  for (int attempt = 0; attempt < 3; ++attempt) {
    for (const int digit : {9, 9, 9, 9}) {
      intruder.media->sendDtmf(digit, 101);
      runFrames({intruder.media.get()}, 3);
    }
  }
  EXPECT_TRUE(intruder.sip->awaitRequest("BYE", 5s));
  const std::string reason =
      db_.awaitScalar("SELECT leave_reason FROM calls WHERE left_at IS NOT NULL");
  EXPECT_EQ(reason, "pin_failed");
}

TEST_F(SipCallTest, UnknownRoomIs404WhenOnDemandIsOff) {
  server_.reset();
  start({{"MCU_ROOMS_ON_DEMAND", "false"}});
  int status = 0;
  dial("nowhere", "PCMU", 500, &status);
  EXPECT_EQ(status, 404);
}

TEST_F(SipCallTest, SilentCallIsEndedAfterTheRtpTimeout) {
  server_.reset();
  start({{"MCU_MEDIA_RTP_TIMEOUT_S", "1"}});
  Caller a = dial("quiet", "PCMU", 500);
  runFrames({a.media.get()}, 10);  // some RTP, then nothing
  EXPECT_TRUE(a.sip->awaitRequest("BYE", 5s)) << server_->process().output();
  const std::string reason =
      db_.awaitScalar("SELECT leave_reason FROM calls WHERE left_at IS NOT NULL");
  EXPECT_EQ(reason, "rtp_timeout");
}

TEST_F(SipCallTest, OverTheParticipantBudgetNewCallsGet503AndOthersKeepTalking) {
  server_.reset();
  start({{"MCU_ROOMS_MAX_PARTICIPANTS", "2"}, {"MCU_SIP_RETRY_AFTER_S", "17"}});
  Caller a = dial("busy", "opus", 500);
  Caller b = dial("busy", "opus", 800);
  SipUac third(server_->sipPort());
  const auto refused = third.invite("busy", sdpOffer(9, "opus"));
  EXPECT_EQ(refused.status, 503) << refused.message;
  EXPECT_EQ(headerValue(refused.message, "Retry-After"), "17");
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_GT(level(a, 800), kHeard);
  EXPECT_GT(level(b, 500), kHeard);
}

TEST_F(SipCallTest, OverTheCpuBudgetNewCallsGet503UntilItFallsBack) {
  server_.reset();
  start({{"MCU_ROOMS_CPU_BUDGET_PERCENT", "2"}, {"MCU_SIP_RETRY_AFTER_S", "9"}});
  // Eight Opus talkers use more than 2 % of a core (decoding, mixing, encoding).
  std::vector<Caller> callers;
  std::vector<RtpPeer*> peers;
  for (int i = 0; i < 8; ++i) {
    callers.push_back(dial("hot", "opus", 400 + 100 * i));
    peers.push_back(callers.back().media.get());
  }
  ASSERT_TRUE(server_->process().waitForOutput("event=cpu_budget_exceeded", 50ms) || [&] {
    for (int i = 0; i < 20; ++i) {
      runFrames(peers, 25);
      if (server_->process().waitForOutput("event=cpu_budget_exceeded", 50ms)) {
        return true;
      }
    }
    return false;
  }()) << server_->process().output();
  SipUac late(server_->sipPort());
  const auto refused = late.invite("hot", sdpOffer(9, "opus"));
  EXPECT_EQ(refused.status, 503) << refused.message;
  EXPECT_EQ(headerValue(refused.message, "Retry-After"), "9");
  runFrames(peers, 50);
  EXPECT_GT(level(callers[0], 500), kHeard) << "live calls keep their audio";
  for (auto& c : callers) {
    c.sip->bye();
  }
  EXPECT_TRUE(server_->process().waitForOutput("event=cpu_budget_ok", 5s));
  int status = 0;
  dial("hot", "opus", 500, &status);
  EXPECT_EQ(status, 200) << "taken again once the load is gone";
}

TEST_F(SipCallTest, ReinviteChangingTheCodecKeepsBothWaysOfAudio) {
  Caller a = dial("recodec", "opus", 500);
  Caller b = dial("recodec", "PCMU", 800);
  runFrames({a.media.get(), b.media.get()}, 40);
  ASSERT_GT(level(a, 800), kHeard);
  // b's phone switches to Opus (a new stream on a new port, as a re-INVITE says).
  RtpPeer opus_b(gst_, {.kind = CodecKind::kOpus, .payload_type = 111}, 800);
  const auto reply = b.sip->reinvite(sdpOffer(opus_b.port(), "opus"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  EXPECT_NE(reply.body.find("opus/48000"), std::string::npos) << reply.body;
  opus_b.setServerPort(b.media->serverPort());
  runFrames({a.media.get(), &opus_b}, 60);
  EXPECT_GT(level(a, 800), kHeard) << "b is heard in its new codec";
  EXPECT_GT(goertzelDb(opus_b.lastAudio(600), 500), kHeard) << "and hears a in it";
}

TEST_F(SipCallTest, MediaFollowsAnAddressChangeAtOnce) {
  Caller a = dial("moving", "opus", 500);
  Caller b = dial("moving", "opus", 800);
  runFrames({a.media.get(), b.media.get()}, 20);
  // B moves its media to a new socket (a new port in the re-INVITE's SDP).
  RtpPeer moved(gst_, {.kind = CodecKind::kOpus, .payload_type = 111}, 800);
  const auto reply = b.sip->reinvite(sdpOffer(moved.port(), "opus"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  moved.setServerPort(sdpAudioPort(reply.body));
  const std::size_t old_before = b.media->received().size();
  runFrames({a.media.get(), &moved}, 50);
  EXPECT_GT(goertzelDb(moved.lastAudio(600), 500), kHeard) << "the new address hears A";
  EXPECT_LE(b.media->received().size(), old_before + 2) << "the old address is no longer sent to";
  EXPECT_GT(level(a, 800), kHeard) << "A hears B from its new address";
}

TEST_F(SipCallTest, CallRecordsWaitOutADatabaseOutage) {
  // The server reaches PostgreSQL through a relay the test closes and reopens.
  server_.reset();
  TcpRelay relay([&] {
    const auto at = db_.url().find('@');
    return static_cast<std::uint16_t>(std::stoi(db_.url().substr(db_.url().find(':', at) + 1)));
  }());
  relay.open();
  std::map<std::string, std::string> env{{"MCU_MEDIA_BIND", "127.0.0.1"},
                                         {"MCU_MEDIA_ADDRESS", "127.0.0.1"}};
  server_ = std::make_unique<ServerProcess>(db_.urlThroughPort(relay.port()), env);
  ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  relay.close();  // PostgreSQL goes away
  for (int i = 0; i < 3; ++i) {
    Caller c = dial("outage", "PCMU", 500);
    runFrames({c.media.get()}, 5);
    EXPECT_EQ(c.sip->bye().status, 200) << "calls go on while the database is away";
  }
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls"), "0");
  relay.open();  // and comes back: everything queued is written
  const std::string count =
      db_.awaitScalar("SELECT count(*) FROM calls WHERE left_at IS NOT NULL", "3", 10s);
  EXPECT_EQ(count, "3") << server_->process().output();
}

TEST_F(SipCallTest, ShutdownEndsLiveCallsWithBye) {
  Caller a = dial("closing", "opus", 500);
  runFrames({a.media.get()}, 5);
  server_->process().signal(SIGTERM);
  EXPECT_TRUE(a.sip->awaitRequest("BYE", 5s));
  EXPECT_EQ(server_->process().waitExit(15s), 0) << server_->process().output();
  EXPECT_EQ(db_.scalar("SELECT leave_reason FROM calls"), "shutdown");
}

}  // namespace
}  // namespace mcu::test

namespace mcu::test {
namespace {

// REST and SIP together: what the API shows and does reaches the live calls.
TEST_F(SipCallTest, RestListsMutesAndKicksLiveParticipants) {
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
  EXPECT_EQ(a.media->received().size(), received_before)
      << "a deafened participant is sent nothing";
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

TEST_F(SipCallTest, RoomPolicyChangedOverRestAppliesToTheNextInvite) {
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

TEST_F(SipCallTest, MoveTakesALiveCallToAnotherRoomWithoutHangingUp) {
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
  expectHears(a.media->lastAudio(600), {1100}, {800});  // it hears its new room
  expectHears(c.media->lastAudio(600), {500}, {});      // and is heard there
  EXPECT_LT(level(b, 500), kNotHeard) << "the old room no longer hears it";
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

TEST_F(SipCallTest, DialOutRingsJoinsAndIsKickedOrFailsWithTheSipStatus) {
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
      {"/usr/bin/sipp", "-sf", std::string(MCU_SOURCE_DIR) + "/tests/sipp/uas_answer.xml", "-i",
       "127.0.0.1", "-p", std::to_string(callee_port), "-mi", "127.0.0.1", "-m", "1", "-nostdin",
       "-timeout", "30s", "-timeout_error", "-trace_msg", "-message_file", messages.path()},
      {}, tempPath("sipp-uas"));
  std::this_thread::sleep_for(300ms);  // sipp binds its port
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
  for (int i = 0; i < 50 && state != "joined"; ++i) {
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
      {"/usr/bin/sipp", "-sf", std::string(MCU_SOURCE_DIR) + "/tests/sipp/uas_busy.xml", "-i",
       "127.0.0.1", "-p", std::to_string(busy_port), "-m", "1", "-nostdin", "-timeout", "30s",
       "-timeout_error"},
      {}, tempPath("sipp-busy"));
  std::this_thread::sleep_for(300ms);
  const auto failed =
      api.post("/v1/rooms/sales/participants",
               R"({"uri":"sip:busy@127.0.0.1:)" + std::to_string(busy_port) + R"("})");
  ASSERT_EQ(failed.status, 202) << failed.body;
  const std::string failed_path = failed.header("Location");
  for (int i = 0; i < 50 && state != "failed"; ++i) {
    std::this_thread::sleep_for(100ms);
    state = api.get(failed_path).json().value("state", "");
  }
  EXPECT_EQ(state, "failed");
  EXPECT_EQ(api.get(failed_path).json()["sip_status"], 486);
  EXPECT_EQ(api.get("/v1/rooms/sales/participants").json()["items"].size(), 1U)
      << "a failed dial-out is not in the room";
  EXPECT_EQ(busy.waitExit(10s).value_or(-1), 0) << busy.output();
}

TEST_F(SipCallTest, RoomAddedInTheDatabaseAfterStartIsSeenByTheNextInvite) {
  // Not through this server's API (another node, or SQL): the INVITE asks the database.
  db_.exec("INSERT INTO rooms (name, locked) VALUES ('added-later', true)");
  int status = 0;
  dial("added-later", "PCMU", 500, &status);
  EXPECT_EQ(status, 403) << "its lock applies without a restart";
  Caller fresh = dial("brand-new", "PCMU", 500);
  EXPECT_EQ(db_.awaitScalar("SELECT on_demand FROM rooms WHERE name = 'brand-new'"), "t");
}

TEST_F(SipCallTest, CancelBeforeTheAnswerGets487AndNoCall) {
  // The test holds the rooms table locked, so the server's look-up of this new room waits:
  // the INVITE is not answered yet when the CANCEL comes.
  std::promise<void> locked;
  std::atomic<bool> release{false};
  std::thread holder([&] {
    pqxx::connection conn(db_.url());
    pqxx::work txn(conn);
    txn.exec("LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE");
    locked.set_value();
    for (int i = 0; i < 500 && !release.load(); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    txn.abort();
  });
  locked.get_future().wait();
  SipUac uac(server_->sipPort());
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  const auto [cancel, invite] =
      uac.inviteThenCancel("waiting-room", sdpOffer(media.port(), "PCMU"), 300ms);
  release = true;
  holder.join();
  EXPECT_EQ(cancel, 200) << server_->process().output();
  EXPECT_EQ(invite, 487) << "the INVITE ends as Request Terminated";
  std::this_thread::sleep_for(2s);  // past the look-up's deadline: nothing joins late
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls"), "0");
  EXPECT_TRUE(server_->process().waitForOutput("event=invite_cancelled", 1s));
}

}  // namespace
}  // namespace mcu::test
