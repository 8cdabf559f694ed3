// The calls' own deadlines in simulated time: RFC 4028 session expiry and Timer H are dated by
// the clock handed to the SIP stack, so a ManualClock crosses 60 s in one step. Everything else
// is real and in this process: sofia-sip on loopback, a SIP client over UDP, the conference,
// the media engine and the call records in PostgreSQL. Sofia's own timers (retransmissions,
// nua's refresh draw) keep real time; the test never waits long enough for them to matter.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "mcu/app/cpu_admission.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/conference_client.h"
#include "mcu/sip/sip_stack.h"
#include "mixer/engine/media_engine.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/simulated_conference.h"
#include "tests/integration/sip_uac.h"
#include "tests/support/eventually.h"
#include "tests/support/net.h"

namespace mcu::sip {
namespace {

using namespace std::chrono_literals;

class SipTimersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    parts_.startDatabase();
    if (HasFatalFailure()) {
      return;
    }
    sip_.enableCalls(conference_, {mixer::codec::CodecKind::kPcmu}, {"127.0.0.1", "127.0.0.1"});
    conference_.setEndCall([this](mixer::ParticipantId id, conference::LeaveReason reason) {
      sip_.endCall(id, reason);
    });
    ASSERT_TRUE(sip_.start().ok());
  }
  void TearDown() override { sip_.stop(); }

  // The server has taken the callers' ACKs: a caller still "connecting" when the test moves
  // the clock past Timer H (32 s) would be ended as ack_timeout (seen under a CPU hog).
  void awaitJoined(const std::string& room, std::size_t callers) {
    conference::ConferenceClient client(sip_.controlLoop(), conference_, 10s);
    const bool joined = test::eventually(
        [&] {
          const auto views = client.participants(room);
          return views && *views && (*views)->size() == callers &&
                 std::all_of((*views)->begin(), (*views)->end(), [](const auto& v) {
                   return v.state == conference::CallState::kJoined;
                 });
        },
        10s);
    ASSERT_TRUE(joined) << "the server did not take the ACKs in " << room;
  }

  std::string leaveReason() const {
    return parts_.database.awaitScalar("SELECT leave_reason FROM calls WHERE left_at IS NOT NULL");
  }

  test::SimulatedConferenceParts parts_{42000, 42999};
  test::ManualClock& clock_ = parts_.clock;
  conference::Conference conference_{*parts_.engine, parts_.store, conference::ConferenceConfig{},
                                     clock_};
  const std::uint16_t port_ = test::freeUdpTcpPort();
  SipStack sip_{{HostPort{"127.0.0.1", port_}, std::nullopt, "", 30, "", 120}, clock_};
};

// RFC 4028 §10: the caller refreshes and stops doing so; we end the session at
// SE - min(32, SE/3) = 60 s after the last refresh, with BYE, and record why.
TEST_F(SipTimersTest, ASessionItsCallerStopsRefreshingEndsSixtySecondsAfterTheLastRefresh) {
  test::SipUac uac(port_);
  uac.setExtraHeaders("Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n");
  const auto reply = uac.invite("expiring", test::sdpOffer(9, "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  awaitJoined("expiring", 1);
  clock_.advance(50s);
  ASSERT_EQ(uac.reinvite(test::sdpOffer(9, "PCMU")).status, 200) << "the caller's refresh";
  clock_.advance(59s);  // 59 s after the refresh, 109 s after the start
  EXPECT_FALSE(uac.awaitRequest("BYE", 400ms)) << "ended before RFC 4028's 60 s";
  clock_.advance(2s);
  EXPECT_TRUE(uac.awaitRequest("BYE", 10s)) << "the expired session was not ended";
  EXPECT_EQ(leaveReason(), "session_expired");
}

// RFC 4028 §9/§10: a caller that asks us to refresh (refresher=uas) gets a re-INVITE when half
// the interval agreed has gone (45 of 90 s; a caller keeping §10 gives up at 60), asking for
// that interval. It offers nothing, so the caller's 200 offers and the ACK answers. A
// re-INVITE of the caller's crossing ours is glare: 491. A caller that allows UPDATE is
// refreshed by UPDATE. The next refresh is due half an interval after the last one.
TEST_F(SipTimersTest, AsRefresherTheServerRefreshesAtHalfTheIntervalAndAnswersGlareWith491) {
  // The deadlines are checked every 100 ms of real time (kDeadlineCheck), on the new time.
  const auto advance = [&](std::chrono::seconds by) { clock_.advance(by); };
  test::SipUac uac(port_);
  test::SipUac modern(port_);
  uac.setExtraHeaders("Supported: timer\r\nSession-Expires: 90;refresher=uas\r\n");
  modern.setExtraHeaders(
      "Supported: timer\r\nSession-Expires: 90;refresher=uas\r\n"
      "Allow: INVITE, ACK, BYE, CANCEL, UPDATE\r\n");
  const auto reply = uac.invite("refreshed", test::sdpOffer(9, "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  EXPECT_NE(test::headerValue(reply.message, "Session-Expires").find("refresher=uas"),
            std::string::npos)
      << reply.message;
  ASSERT_EQ(modern.invite("refreshed", test::sdpOffer(9, "PCMU")).status, 200);
  awaitJoined("refreshed", 2);

  advance(44s);
  EXPECT_FALSE(uac.awaitRequest("INVITE", 300ms)) << "refreshed before half the interval";
  advance(1s);
  const auto refresh = uac.takeRequest("INVITE", 5s);
  ASSERT_TRUE(refresh.has_value()) << "no session refresh at half the interval";
  EXPECT_TRUE(modern.awaitRequest("UPDATE", 5s)) << "a caller allowing UPDATE is refreshed by it";
  EXPECT_EQ(test::sdpAudioPort(*refresh), 0) << "the refresh re-INVITE offers nothing";
  EXPECT_EQ(test::headerValue(*refresh, "Session-Expires").rfind("90", 0), 0U)
      << "the refresh asks for the interval agreed, not ours (1800):\n"
      << *refresh;
  EXPECT_EQ(uac.reinvite(test::sdpOffer(9, "PCMU")).status, 491);
  uac.respond(*refresh, 200, test::sdpOffer(9, "PCMU"));
  const auto ack = uac.takeRequest("ACK", 5s);
  ASSERT_TRUE(ack.has_value()) << "the refresh's 2xx was not ACKed";
  EXPECT_NE(test::sdpAudioPort(*ack), 0) << "the ACK must answer the offer in our 2xx:\n" << *ack;
  const auto after = uac.reinvite(test::sdpOffer(9, "PCMU"));
  EXPECT_EQ(after.status, 200) << after.message;
  // Nor is a refresh by UPDATE, once answered, a pending re-INVITE of ours.
  const auto modern_after = modern.reinvite(test::sdpOffer(9, "PCMU"));
  EXPECT_EQ(modern_after.status, 200) << modern_after.message;

  // Each refresh (ours, or the caller's re-INVITE just now) puts the next off by half an
  // interval.
  advance(44s);
  EXPECT_FALSE(uac.awaitRequest("INVITE", 300ms)) << "refreshed again too soon";
  EXPECT_FALSE(modern.awaitRequest("UPDATE", 300ms)) << "refreshed again too soon";
  advance(1s);
  EXPECT_TRUE(uac.awaitRequest("INVITE", 5s)) << "no second refresh";
  EXPECT_TRUE(modern.awaitRequest("UPDATE", 5s)) << "no second refresh by UPDATE";
  EXPECT_EQ(uac.bye().status, 200);
  EXPECT_EQ(modern.bye().status, 200);
}

// RFC 3261 §13.3.1.4: an answer never acknowledged ends 64 x T1 = 32 s after it was sent.
TEST_F(SipTimersTest, AnAnswerNeverAckedEndsAfterTimerHNotBefore) {
  test::SipUac ghost(port_);
  ghost.setAckInvites(false);
  const auto reply = ghost.invite("acks", test::sdpOffer(9, "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  clock_.advance(31s);
  EXPECT_FALSE(ghost.awaitRequest("BYE", 400ms)) << "ended before Timer H";
  clock_.advance(2s);
  EXPECT_TRUE(ghost.awaitRequest("BYE", 10s)) << "no BYE after Timer H";
  EXPECT_EQ(leaveReason(), "ack_timeout");
}

// Over its CPU budget the server refuses new calls (503 + Retry-After) and keeps the live
// ones; back under 90 % of it, it takes calls again. The CPU reading and the time are the
// test's, so no verdict depends on how busy the machine is (the server reads getrusage).
TEST_F(SipTimersTest, OverTheCpuBudgetNewCallsGet503UntilItFallsBack) {
  double cpu_s = 0.0;
  app::CpuAdmission admission(app::CpuBudget(20, [&cpu_s] { return cpu_s; }), clock_,
                              sip_.controlLoop(), conference_);
  // What REST asks the conference through: a question answered on the control thread, after
  // what was posted there before it (the verdicts).
  conference::ConferenceClient client(sip_.controlLoop(), conference_, 10s);
  // A second passes: the budget is sampled and its verdict has reached the conference.
  const auto second = [&](double used_s) {
    clock_.advance(1s);
    cpu_s += used_s;
    admission.sample();
    ASSERT_TRUE(client.totals().has_value()) << "the control thread did not answer";
  };
  admission.sample();  // the baseline
  test::SipUac live(port_);
  ASSERT_EQ(live.invite("hot", test::sdpOffer(9, "PCMU")).status, 200);
  second(0.15);  // 15 % of a core: under 20 %
  test::SipUac second_caller(port_);
  ASSERT_EQ(second_caller.invite("hot", test::sdpOffer(9, "PCMU")).status, 200);
  second(0.30);  // 30 %: over
  test::SipUac late(port_);
  const auto refused = late.invite("hot", test::sdpOffer(9, "PCMU"));
  EXPECT_EQ(refused.status, 503) << refused.message;
  EXPECT_EQ(test::headerValue(refused.message, "Retry-After"), "30");
  second(0.19);  // 19 %: still over, the way back is under 18 %
  test::SipUac still_late(port_);
  EXPECT_EQ(still_late.invite("hot", test::sdpOffer(9, "PCMU")).status, 503);
  EXPECT_FALSE(live.awaitRequest("BYE", 100ms)) << "a live call was ended by the overload";
  second(0.10);  // 10 %: back
  test::SipUac again(port_);
  EXPECT_EQ(again.invite("hot", test::sdpOffer(9, "PCMU")).status, 200) << "taken again";
  const auto totals = client.totals();
  ASSERT_TRUE(totals.has_value());
  EXPECT_EQ(totals->participants, 3U);
}

}  // namespace
}  // namespace mcu::sip
