// The calls' own deadlines in simulated time: RFC 4028 session expiry and Timer H are dated by
// the clock handed to the SIP stack, so a ManualClock crosses 60 s in one step. Everything else
// is real and in this process: sofia-sip on loopback, a SIP client over UDP, the conference,
// the media engine and the call records in PostgreSQL. (Sofia's own timers, such as our
// refreshes as refresher, keep real time: sip_call_test.cpp waits for those.)
#include <gtest/gtest.h>

#include <thread>

#include "mcu/app/cpu_admission.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/conference_client.h"
#include "mcu/sip/sip_stack.h"
#include "mixer/engine/media_engine.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/simulated_conference.h"
#include "tests/integration/sip_uac.h"
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
  clock_.advance(50s);
  ASSERT_EQ(uac.reinvite(test::sdpOffer(9, "PCMU")).status, 200) << "the caller's refresh";
  clock_.advance(59s);  // 59 s after the refresh, 109 s after the start
  EXPECT_FALSE(uac.awaitRequest("BYE", 400ms)) << "ended before RFC 4028's 60 s";
  clock_.advance(2s);
  EXPECT_TRUE(uac.awaitRequest("BYE", 10s)) << "the expired session was not ended";
  EXPECT_EQ(leaveReason(), "session_expired");
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
