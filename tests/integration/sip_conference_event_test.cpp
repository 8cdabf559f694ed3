// The RFC 4575 conference event package against the real server: a subscriber to a room gets
// its full state, then a partial document (version + 1) for each join, mute, hold and leave,
// every body valid against the RFC's own schema (tests/data/rfc4575, checked by xmllint);
// withdrawing, expiry and the room's deletion end the subscription as RFC 6665 says, and bad
// subscriptions are refused with the status RFC 6665 gives them.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

constexpr const char* kXmllint = "/usr/bin/xmllint";

struct Notified {
  std::string state;  // Subscription-State
  std::string body;
  int version = -1;  // of the conference-info document; -1 when there is none
};

class SipConferenceEventTest : public SipCallTest {
 protected:
  // Each test starts the server with the settings it needs.
  void SetUp() override { ASSERT_TRUE(requireTool(kXmllint)); }

  // The next NOTIFY on the subscriber's dialog (answered 200; a retransmission is answered
  // and skipped), checked against the schema when it has a body.
  static Notified next(SipUac& subscriber, std::set<std::string>& seen) {
    for (;;) {
      const auto notify = subscriber.takeRequest("NOTIFY", 10s);
      if (!notify) {
        ADD_FAILURE() << "no NOTIFY came";
        return {};
      }
      subscriber.respond(*notify, 200);
      if (!seen.insert(headerValue(*notify, "CSeq")).second) {
        continue;
      }
      EXPECT_EQ(headerValue(*notify, "Event"), "conference");
      EXPECT_NE(headerValue(*notify, "Contact").find(";isfocus"), std::string::npos) << *notify;
      Notified n{headerValue(*notify, "Subscription-State"),
                 notify->substr(notify->find("\r\n\r\n") + 4)};
      if (!n.body.empty()) {
        EXPECT_EQ(headerValue(*notify, "Content-Type"), "application/conference-info+xml");
        expectValid(n.body);
        std::smatch m;
        if (std::regex_search(n.body, m, std::regex("<conference-info [^>]*version=\"(\\d+)\""))) {
          n.version = std::stoi(m[1]);
        }
      }
      return n;
    }
  }
  static void expectValid(const std::string& body) {
    const TempPath file("conference-info");
    std::ofstream(file.path()) << body;
    const auto checked = runCommand(
        {kXmllint, "--nonet", "--noout", "--schema",
         std::string(MCU_SOURCE_DIR) + "/tests/data/rfc4575/conference-info.xsd", file.path()},
        20s);
    EXPECT_EQ(checked.exit_code, 0) << checked.output << "\n" << body;
  }
  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
      ++n;
    }
    return n;
  }
  ApiClient admin() { return {server_->httpPort(), adminToken()}; }
  // The id of the participant of `room` that REST lists last (the latest to join).
  std::string participantId(const std::string& room) {
    const auto items = participantsOf(room);
    return items.empty() ? "" : std::to_string(items.back()["id"].get<std::uint64_t>());
  }
};

TEST_F(SipConferenceEventTest, ASubscriberSeesTheRoomThenEachChangeAsAValidPartialDocument) {
  start({});
  Caller alice = dial("board", "PCMU", 500);
  SipUac subscriber(server_->sipPort());
  const auto accepted = subscriber.subscribe("board",
                                             "Event: conference\r\nExpires: 600\r\n"
                                             "Accept: application/conference-info+xml\r\n");
  ASSERT_EQ(accepted.status, 200) << accepted.message;
  EXPECT_NE(headerValue(accepted.message, "Contact").find("<sip:board@"), std::string::npos);
  EXPECT_NE(headerValue(accepted.message, "Contact").find(";isfocus"), std::string::npos)
      << accepted.message;
  const int expires = std::stoi(headerValue(accepted.message, "Expires"));
  EXPECT_GT(expires, 0);
  EXPECT_LE(expires, 600);
  std::set<std::string> seen;

  // The full state: the room, one user with one endpoint, connected, dialled in.
  const Notified full = next(subscriber, seen);
  EXPECT_EQ(full.state.rfind("active;expires=", 0), 0U) << full.state;
  EXPECT_EQ(full.version, 1);
  EXPECT_NE(full.body.find("state=\"full\""), std::string::npos) << full.body;
  EXPECT_NE(full.body.find("entity=\"sip:board@127.0.0.1"), std::string::npos) << full.body;
  EXPECT_NE(full.body.find("<user-count>1</user-count>"), std::string::npos) << full.body;
  EXPECT_EQ(count(full.body, "<endpoint "), 1U) << full.body;
  EXPECT_NE(full.body.find("<status>connected</status>"), std::string::npos) << full.body;
  EXPECT_NE(full.body.find("<joining-method>dialed-in</joining-method>"), std::string::npos);

  // Bob joins: a partial document with his endpoint only, and the count.
  Caller bob = dial("board", "PCMA", 700);
  const Notified joined = next(subscriber, seen);
  EXPECT_EQ(joined.version, 2);
  EXPECT_NE(joined.body.find("state=\"partial\""), std::string::npos) << joined.body;
  EXPECT_NE(joined.body.find("<user-count>2</user-count>"), std::string::npos) << joined.body;
  EXPECT_EQ(count(joined.body, "<endpoint "), 1U) << joined.body;
  const std::string bob_id = participantId("board");
  ASSERT_FALSE(bob_id.empty());
  EXPECT_NE(joined.body.find(";participant=" + bob_id + "\""), std::string::npos) << joined.body;

  // An admin mutes Bob: the focus mutes him, he only receives.
  const auto muted = admin().patch("/v1/rooms/board/participants/" + bob_id, R"({"muted":true})");
  ASSERT_EQ(muted.status, 200) << muted.body;
  const Notified mute = next(subscriber, seen);
  EXPECT_EQ(mute.version, 3);
  EXPECT_NE(mute.body.find("<status>muted-via-focus</status>"), std::string::npos) << mute.body;
  EXPECT_NE(mute.body.find("<status>recvonly</status>"), std::string::npos) << mute.body;

  // Alice puts the room on hold.
  const auto hold = alice.sip->reinvite(sdpOffer(alice.media->port(), "PCMU", "sendonly"));
  ASSERT_EQ(hold.status, 200) << hold.message;
  const Notified held = next(subscriber, seen);
  EXPECT_EQ(held.version, 4);
  EXPECT_NE(held.body.find("<status>on-hold</status>"), std::string::npos) << held.body;

  // Bob hangs up: his user is deleted (he had one endpoint).
  ASSERT_EQ(bob.sip->bye().status, 200);
  const Notified left = next(subscriber, seen);
  EXPECT_EQ(left.version, 5);
  EXPECT_NE(left.body.find("<user-count>1</user-count>"), std::string::npos) << left.body;
  EXPECT_EQ(count(left.body, "state=\"deleted\""), 1U) << left.body;

  // Refreshed: 200 with the new expiry, and a NOTIFY that says the subscription is active.
  const auto refreshed = subscriber.resubscribe("Event: conference\r\nExpires: 300\r\n");
  EXPECT_EQ(refreshed.status, 200) << refreshed.message;
  EXPECT_LE(std::stoi(headerValue(refreshed.message, "Expires")), 300);
  const Notified again = next(subscriber, seen);
  EXPECT_EQ(again.state.rfind("active;expires=", 0), 0U) << again.state;

  // Withdrawn: 200, then a last NOTIFY that says terminated.
  const auto withdrawn = subscriber.resubscribe("Event: conference\r\nExpires: 0\r\n");
  EXPECT_EQ(withdrawn.status, 200) << withdrawn.message;
  const Notified last = next(subscriber, seen);
  EXPECT_EQ(last.state.rfind("terminated", 0), 0U) << last.state;
  EXPECT_EQ(alice.sip->bye().status, 200);
}

TEST_F(SipConferenceEventTest, TwoCallersWithOneAddressAreOneUserWithTwoEndpoints) {
  start({});
  Caller first = dial("desk", "PCMU", 500);
  Caller second = dial("desk", "PCMU", 700);  // same From URI: sip:tester@127.0.0.1
  SipUac subscriber(server_->sipPort());
  ASSERT_EQ(subscriber.subscribe("desk", "Event: conference\r\n").status, 200);
  std::set<std::string> seen;
  const Notified full = next(subscriber, seen);
  EXPECT_EQ(count(full.body, "<user "), 1U) << full.body;
  EXPECT_EQ(count(full.body, "<endpoint "), 2U) << full.body;

  // One leaves: its endpoint is deleted, the user stays.
  ASSERT_EQ(second.sip->bye().status, 200);
  const Notified left = next(subscriber, seen);
  EXPECT_NE(left.body.find("<user entity=\"sip:tester@127.0.0.1\" state=\"partial\">"),
            std::string::npos)
      << left.body;
  EXPECT_NE(left.body.find("<endpoint entity=\"sip:tester@127.0.0.1;participant="),
            std::string::npos)
      << left.body;
  EXPECT_EQ(count(left.body, "state=\"deleted\""), 1U) << left.body;
  EXPECT_EQ(first.sip->bye().status, 200);
}

TEST_F(SipConferenceEventTest, ExpiryAndTheRoomsDeletionEndTheSubscriptions) {
  start({});
  ASSERT_EQ(admin().post("/v1/rooms", R"({"name":"ops"})").status, 201);
  SipUac short_lived(server_->sipPort());
  ASSERT_EQ(short_lived.subscribe("ops", "Event: conference\r\nExpires: 2\r\n").status, 200);
  SipUac long_lived(server_->sipPort());
  ASSERT_EQ(long_lived.subscribe("ops", "Event: conference\r\nExpires: 600\r\n").status, 200);
  std::set<std::string> seen_short;
  std::set<std::string> seen_long;
  EXPECT_EQ(next(short_lived, seen_short).version, 1);
  EXPECT_EQ(next(long_lived, seen_long).version, 1);

  // Not refreshed: nua ends it when the 2 s run out.
  const Notified expired = next(short_lived, seen_short);
  EXPECT_EQ(expired.state, "terminated;reason=timeout");

  ASSERT_EQ(admin().del("/v1/rooms/ops").status, 204);
  const Notified gone = next(long_lived, seen_long);
  EXPECT_EQ(gone.state, "terminated;reason=noresource");
  // Both are forgotten: the gauge is back to 0.
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (server_->get("/metrics").body.find("mcu_sip_subscriptions 0\n") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(server_->get("/metrics").body.find("mcu_sip_subscriptions 0\n"), std::string::npos);
}

TEST_F(SipConferenceEventTest, BadSubscriptionsAreRefusedAndTheCapsHold) {
  start({{"MCU_SIP_MAX_SUBSCRIPTIONS_PER_SOURCE", "2"}});
  ASSERT_EQ(admin().post("/v1/rooms", R"({"name":"lobby"})").status, 201);
  SipUac probe(server_->sipPort());
  EXPECT_EQ(probe.subscribe("lobby", "Event: presence\r\n").status, 489);
  EXPECT_EQ(probe.subscribe("nowhere", "Event: conference\r\n").status, 404);
  const auto wrong_type = probe.subscribe("lobby", "Event: conference\r\nAccept: text/plain\r\n");
  EXPECT_EQ(wrong_type.status, 406) << wrong_type.message;
  EXPECT_EQ(probe.subscribe("lobby", "Event: conference;id=x\r\nExpires: 0\r\n").status, 200)
      << "a fetch (Expires: 0) is a subscription that ends with its first NOTIFY";

  SipUac one(server_->sipPort());
  SipUac two(server_->sipPort());
  SipUac three(server_->sipPort());
  EXPECT_EQ(one.subscribe("lobby", "Event: conference\r\n").status, 200);
  EXPECT_EQ(two.subscribe("lobby", "Event: conference\r\n").status, 200);
  const auto over = three.subscribe("lobby", "Event: conference\r\n");
  EXPECT_EQ(over.status, 503) << over.message;
  EXPECT_FALSE(headerValue(over.message, "Retry-After").empty()) << over.message;

  // What the server says it does: SUBSCRIBE and NOTIFY allowed, the conference package.
  const std::string options =
      udpExchange(server_->sipPort(), optionsRequest(6000, "UDP"), 2s).value_or("");
  EXPECT_NE(headerValue(options, "Allow").find("SUBSCRIBE"), std::string::npos) << options;
  EXPECT_NE(headerValue(options, "Allow").find("NOTIFY"), std::string::npos) << options;
  EXPECT_EQ(headerValue(options, "Allow-Events"), "conference") << options;
}

}  // namespace
}  // namespace mcu::test
