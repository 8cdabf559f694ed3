// REFER to the focus (RFC 3515, RFC 4579 §5.5, RFC 4488) against the real server: a
// participant's REFER dials the target into its room and NOTIFYs the progress, ;method=BYE
// drops a participant, a controller outside any dialog may do the same from an allowed
// address, and bad REFERs are refused with nothing dialled. The target is a sipp UAS.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

struct Notified {
  std::string fragment;  // the sipfrag status line
  std::string subscription_state;
  std::string event;
};

class SipReferTest : public SipCallTest {
 protected:
  void SetUp() override {}

  // The NOTIFYs of one REFER, each answered 200, until the one that ends the subscription.
  static std::vector<Notified> notifiesUntilTerminated(SipUac& referrer) {
    std::vector<Notified> seen;
    std::set<std::string> cseqs;  // retransmissions are answered again, counted once
    while (seen.empty() || seen.back().subscription_state.rfind("terminated", 0) != 0) {
      const auto notify = referrer.takeRequest("NOTIFY", 15s);
      if (!notify) {
        break;
      }
      referrer.respond(*notify, 200);
      if (!cseqs.insert(headerValue(*notify, "CSeq")).second) {
        continue;
      }
      const auto body = notify->substr(notify->find("\r\n\r\n") + 4);
      seen.push_back({body.substr(0, body.find("\r\n")), headerValue(*notify, "Subscription-State"),
                      headerValue(*notify, "Event")});
    }
    return seen;
  }

  // A sipp UAS that answers one call and hangs up on the server's BYE.
  struct Callee {
    std::uint16_t port = freeUdpTcpPort();
    TempPath messages{"refer-callee-msgs"};
    std::unique_ptr<ChildProcess> process;
    std::string uri(const std::string& params = "") const {
      return "sip:carol@127.0.0.1:" + std::to_string(port) + params;
    }
  };
  std::unique_ptr<Callee> startCallee() {
    auto callee = std::make_unique<Callee>();
    callee->process = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/sipp", "-sf",
                                 std::string(MCU_SIPP_DIR) + "/uas_answer.xml", "-i", "127.0.0.1",
                                 "-p", std::to_string(callee->port), "-mi", "127.0.0.1", "-m", "1",
                                 "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_msg",
                                 "-message_file", callee->messages.path()},
        std::map<std::string, std::string>{}, tempPath("sipp-refer-callee"));
    EXPECT_TRUE(test::awaitListening(callee->port, 10s)) << "sipp never bound its port";
    return callee;
  }
  std::string dialledOut() {
    return db_.scalar("SELECT count(*) FROM calls WHERE direction = 'out'");
  }
};

TEST_F(SipReferTest, AParticipantsReferDialsTheTargetInAndItsByeReferDropsIt) {
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}});
  Caller alice = dial("sales", "PCMU", 500);
  auto carol = startCallee();

  const auto accepted = alice.sip->refer("Refer-To: <" + carol->uri() + ">\r\n");
  ASSERT_EQ(accepted.status, 202) << accepted.message;
  const auto progress = notifiesUntilTerminated(*alice.sip);
  ASSERT_GE(progress.size(), 2U) << server_->process().output();
  EXPECT_EQ(progress.front().fragment, "SIP/2.0 100 Trying");
  // "refer", or "refer;id=<CSeq>" as RFC 3515 §2.4.6 lets a dialog carry several.
  EXPECT_EQ(progress.front().event.rfind("refer", 0), 0U) << progress.front().event;
  EXPECT_EQ(progress.front().subscription_state.rfind("active", 0), 0U)
      << progress.front().subscription_state;
  EXPECT_EQ(progress.back().fragment, "SIP/2.0 200 OK");
  EXPECT_EQ(progress.back().subscription_state.rfind("terminated", 0), 0U);
  // The focus dialled Carol as a focus (RFC 4579 §5.3) and she is in the room.
  const std::string trace = readFile(carol->messages.path());
  const auto invite = trace.find("INVITE sip:carol@");
  ASSERT_NE(invite, std::string::npos) << trace;
  EXPECT_NE(headerValue(trace.substr(invite), "Contact").find(";isfocus"), std::string::npos)
      << trace.substr(invite, 800);
  EXPECT_EQ(db_.awaitScalar(
                "SELECT count(*) FROM calls WHERE direction = 'out' AND left_at IS NULL", "1"),
            "1");
  // REST shows how each came in.
  EXPECT_EQ(viasIn("sales"), (std::multiset<std::string>{"dial-in", "refer"}));
  EXPECT_EQ(db_.scalar("SELECT string_agg(via, ',' ORDER BY id) FROM calls"), "dial-in,refer")
      << "and so do the call records";

  // ;method=BYE naming her takes her out again (RFC 4579 §5.11).
  const auto removed = alice.sip->refer("Refer-To: <" + carol->uri(";method=BYE") + ">\r\n");
  ASSERT_EQ(removed.status, 202) << removed.message;
  const auto done = notifiesUntilTerminated(*alice.sip);
  ASSERT_FALSE(done.empty());
  EXPECT_EQ(done.back().fragment, "SIP/2.0 200 OK");
  const auto exit = carol->process->waitExit(15s);
  ASSERT_TRUE(exit.has_value()) << "sipp never got its BYE";
  EXPECT_EQ(*exit, 0) << carol->process->output();
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE direction = 'out' AND left_at IS NOT "
                            "NULL",
                            "1"),
            "1");
}

// An attended transfer into the room (RFC 3891 §7.1): the target is asked, in our INVITE, to
// let it replace the dialog the Refer-To names.
TEST_F(SipReferTest, AReferTargetsReplacesHeaderGoesIntoOurInvite) {
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}});
  Caller alice = dial("sales", "PCMU", 500);
  auto carol = startCallee();
  const auto accepted =
      alice.sip->refer("Refer-To: <" + carol->uri() +
                       "?Replaces=held-call%40127.0.0.1%3Bto-tag%3Dcarol1%3Bfrom-tag%3Dbob1>\r\n");
  ASSERT_EQ(accepted.status, 202) << accepted.message;
  const auto progress = notifiesUntilTerminated(*alice.sip);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().fragment, "SIP/2.0 200 OK");
  const std::string trace = readFile(carol->messages.path());
  const auto invite = trace.find("INVITE sip:carol@");
  ASSERT_NE(invite, std::string::npos) << trace;
  EXPECT_EQ(headerValue(trace.substr(invite), "Replaces"),
            "held-call@127.0.0.1;to-tag=carol1;from-tag=bob1")
      << trace.substr(invite, 900);
}

TEST_F(SipReferTest, BadRefersAreRefusedAndNothingIsDialled) {
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}});
  Caller alice = dial("sales", "PCMU", 500);
  const std::string us = "sip:sales@127.0.0.1:" + std::to_string(server_->sipPort());
  EXPECT_EQ(alice.sip->refer("").status, 400) << "no Refer-To (RFC 3515 §2.4.2)";
  EXPECT_EQ(alice.sip->refer("Refer-To: <tel:+15551234>\r\n").status, 488) << "not SIP";
  EXPECT_EQ(alice.sip->refer("Refer-To: <sip:bob@evil.example.com>\r\n").status, 403)
      << "outside dialout.allow: no toll fraud by transfer";
  EXPECT_EQ(alice.sip->refer("Refer-To: <" + us + ">\r\n").status, 403) << "a loop to ourselves";
  EXPECT_EQ(alice.sip->refer("Refer-To: <sip:x@127.0.0.1:5999;method=SUBSCRIBE>\r\n").status, 488);
  // Removing someone who is not there: the REFER is taken, the BYE it asks for fails.
  EXPECT_EQ(alice.sip->refer("Refer-To: <sip:nobody@127.0.0.1:5999;method=BYE>\r\n").status, 202);
  const auto nobody = notifiesUntilTerminated(*alice.sip);
  ASSERT_FALSE(nobody.empty());
  EXPECT_EQ(nobody.back().fragment, "SIP/2.0 404 Not Found");
  // Outside a dialog, only configured sources may REFER (none here).
  SipUac stranger(server_->sipPort());
  EXPECT_EQ(stranger.referOutOfDialog("sales", "Refer-To: <sip:carol@127.0.0.1:5999>\r\n").status,
            403);
  EXPECT_EQ(dialledOut(), "0");
  // The caller's own call went on through all of it.
  EXPECT_EQ(alice.sip->bye().status, 200);
}

TEST_F(SipReferTest, AControllerOutsideAnyDialogAddsAParticipantFromAnAllowedAddress) {
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}, {"MCU_SIP_REFER_SOURCES", "127.0.0.1"}});
  Caller alice = dial("sales", "PCMU", 500);
  auto carol = startCallee();
  SipUac controller(server_->sipPort());
  EXPECT_EQ(
      controller.referOutOfDialog("nosuchroom", "Refer-To: <" + carol->uri() + ">\r\n").status,
      404);
  const auto accepted =
      controller.referOutOfDialog("sales", "Refer-To: <" + carol->uri() + ">\r\n");
  ASSERT_EQ(accepted.status, 202) << accepted.message;
  const auto progress = notifiesUntilTerminated(controller);
  ASSERT_FALSE(progress.empty()) << server_->process().output();
  EXPECT_EQ(progress.front().fragment, "SIP/2.0 100 Trying");
  EXPECT_EQ(progress.back().fragment, "SIP/2.0 200 OK")
      << server_->process().output() << readFile(carol->messages.path());
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE direction = 'out'", "1"), "1");
}

TEST_F(SipReferTest, RefersBeyondThePendingCapGet503) {
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}, {"MCU_SIP_MAX_PENDING_REFERS", "1"}});
  Caller alice = dial("sales", "PCMU", 500);
  // A target that takes the INVITE and never answers: the first REFER stays pending.
  const auto silent = mixer::UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(silent.valid());
  const std::string target =
      "Refer-To: <sip:slow@127.0.0.1:" + std::to_string(silent.localPort()) + ">\r\n";
  EXPECT_EQ(alice.sip->refer(target).status, 202);
  const auto second = alice.sip->refer(target);
  EXPECT_EQ(second.status, 503);
  EXPECT_FALSE(headerValue(second.message, "Retry-After").empty()) << second.message;
}

TEST_F(SipReferTest, ReferSubFalseIsAcceptedWithoutNotifies) {
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"}});
  Caller alice = dial("sales", "PCMU", 500);
  auto carol = startCallee();
  const auto accepted =
      alice.sip->refer("Refer-To: <" + carol->uri() + ">\r\nRefer-Sub: false\r\n");
  ASSERT_EQ(accepted.status, 202) << accepted.message;
  EXPECT_EQ(headerValue(accepted.message, "Refer-Sub"), "false") << accepted.message;
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE direction = 'out'", "1"), "1");
  EXPECT_FALSE(alice.sip->takeRequest("NOTIFY", 1s).has_value()) << "RFC 4488: no subscription";
}

}  // namespace
}  // namespace mcu::test
