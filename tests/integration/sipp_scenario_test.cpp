// The dial-in behaviours as sipp scenarios (tests/sipp/*.xml) against the real server and
// PostgreSQL: what a SIP test engineer would run against it. The tests that listen to the
// audio of the same behaviours are in sip_call_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

class SippScenarioTest : public SipCallTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
    SipCallTest::SetUp();
  }
  static std::string injection(const std::string& name) {
    return std::string(MCU_SIPP_DIR) + "/" + name;
  }
  // The room's participant events in order, as stored for the REST event stream.
  std::string participantEvents(const std::string& room) const {
    return db_.scalar(
        "SELECT string_agg(e.type, ',' ORDER BY e.id) FROM events e JOIN rooms r ON "
        "r.id = e.room_id WHERE r.name = '" +
        room + "' AND e.type LIKE 'participant.%'");
  }
};

TEST_F(SippScenarioTest, OfferlessInviteGetsTheOfferInThe200AndTheAnswerInTheAck) {
  const auto result = runSipp("offerless.xml", "offerless", {"-m", "1", "-trace_err"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(db_.awaitScalar("SELECT codec || ' ' || leave_reason FROM calls WHERE left_at IS "
                            "NOT NULL"),
            "PCMA bye")
      << "the codec comes from the answer in the ACK";
}

TEST_F(SippScenarioTest, HoldInactiveAndResumeOnANewPortAreAnsweredAndRecorded) {
  const auto result = runSipp("hold_resume.xml", "holding", {"-m", "1", "-trace_err"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  db_.awaitScalar("SELECT leave_reason FROM calls WHERE left_at IS NOT NULL");
  EXPECT_EQ(participantEvents("holding"),
            "participant.joined,participant.held,participant.resumed,participant.left");
}

TEST_F(SippScenarioTest, CancelBeforeTheAnswerEndsTheInviteWith487) {
  RoomLookupHold hold(db_.url());
  const auto result = runSipp("cancel.xml", "cancelled", {"-m", "1", "-trace_err"});
  hold.release();
  EXPECT_EQ(result.exit_code, 0) << result.output << server_->process().output();
  std::this_thread::sleep_for(2s);  // past the look-up's deadline: nothing joins late
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls"), "0");
}

TEST_F(SippScenarioTest, RoomPoliciesRefuseWith403And404And486) {
  db_.exec("INSERT INTO rooms (name, locked) VALUES ('vault', true)");
  db_.exec("INSERT INTO rooms (name, max_participants) VALUES ('tiny', 1)");
  db_.exec("INSERT INTO rooms (name, pin_hash) VALUES ('secret', '1234')");
  Caller first = dial("tiny", "PCMU", 500);  // fills the room of one
  const TempPath messages("sipp-refused");
  const auto result = runSipp("dial_refused.xml", "refused",
                              {"-inf", injection("dial_refused.csv"), "-m", "4", "-l", "1",
                               "-trace_msg", "-message_file", messages.path()});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const auto answers = sippFinalAnswers(messages.path());
  ASSERT_EQ(answers.size(), 4U) << readFile(messages.path());
  const std::vector<std::string> expected{"SIP/2.0 403", "SIP/2.0 403", "SIP/2.0 486",
                                          "SIP/2.0 404"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(answers[i].rfind(expected[i], 0), 0U) << answers[i];
  }
  EXPECT_NE(headerValue(answers[2], "Warning").find("full"), std::string::npos) << answers[2];
}

TEST_F(SippScenarioTest, PinInTheUriOrByDtmfLetsTheCallerIn) {
  db_.exec("INSERT INTO rooms (name, pin_hash) VALUES ('board', '1234')");
  const auto result = runSipp("pin.xml", "board",
                              {"-inf", injection("pin.csv"), "-m", "2", "-l", "1", "-trace_err"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(server_->process().waitForOutput("event=pin_accepted", 2s))
      << "the PIN keyed by DTMF was not accepted:\n"
      << server_->process().output();
  EXPECT_EQ(db_.awaitScalar("SELECT string_agg(leave_reason, ',') FROM calls WHERE left_at IS "
                            "NOT NULL",
                            "bye,bye"),
            "bye,bye");
}

TEST_F(SippScenarioTest, SessionTimerWithTheCallerAsRefresherIsConfirmedAndRefreshed) {
  const auto result = runSipp("session_timer.xml", "timed", {"-m", "1", "-trace_err"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(SippScenarioTest, CallerSendingNoRtpIsEndedByTheServerWithBye) {
  server_.reset();
  start({{"MCU_MEDIA_RTP_TIMEOUT_S", "2"}});
  const auto result = runSipp("rtp_timeout.xml", "mute-line", {"-m", "1", "-trace_err"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE left_at IS NOT NULL"),
            "rtp_timeout");
}

}  // namespace
}  // namespace mcu::test
