// RFC 4575 documents as the notifier writes them: users grouped by address, each endpoint's
// status and media direction, what a partial document says of a leaver, and names that would
// break XML written safely. The schema check of the same documents is in the integration test.
#include "mcu/conference/conference_info.h"

#include <gtest/gtest.h>

namespace mcu::conference {
namespace {

ParticipantView participant(std::uint32_t id, const std::string& uri, const std::string& name) {
  ParticipantView p;
  p.id = mixer::ParticipantId(id);
  p.from_uri = uri;
  p.display_name = name;
  p.joined_at = "2026-12-02T12:00:00.000Z";
  return p;
}

ConferenceInfoRoom room(std::size_t users) {
  ConferenceInfoRoom r;
  r.entity = "sip:board@192.0.2.1";
  r.name = "board";
  r.user_count = users;
  return r;
}

bool has(const std::string& doc, const std::string& what) {
  return doc.find(what) != std::string::npos;
}

TEST(ConferenceInfoTest, AFullDocumentGroupsEndpointsByAddressInOrderOfArrival) {
  auto bob = participant(2, "sip:bob@example.com", "Bob");
  bob.muted = true;
  auto carol = participant(3, "sip:alice@example.com", "Alice's phone 2");
  carol.on_hold = true;
  const std::string doc = conferenceInfoFull(
      room(3), {participant(1, "sip:alice@example.com", "Alice"), bob, carol}, 7);
  EXPECT_TRUE(has(doc, "entity=\"sip:board@192.0.2.1\" state=\"full\" version=\"7\"")) << doc;
  EXPECT_TRUE(has(doc, "<user-count>3</user-count><active>true</active>")) << doc;
  const auto alice_at = doc.find("<user entity=\"sip:alice@example.com\"");
  const auto bob_at = doc.find("<user entity=\"sip:bob@example.com\"");
  ASSERT_NE(alice_at, std::string::npos) << doc;
  ASSERT_NE(bob_at, std::string::npos) << doc;
  EXPECT_LT(alice_at, bob_at);
  // Alice's second endpoint sits in her user, before Bob's.
  const auto second = doc.find("entity=\"sip:alice@example.com;participant=3\"");
  EXPECT_GT(second, alice_at);
  EXPECT_LT(second, bob_at);
  EXPECT_TRUE(has(doc, "<status>muted-via-focus</status>")) << doc;
  EXPECT_TRUE(has(doc, "<status>recvonly</status>")) << doc;  // Bob, muted: only hears
  EXPECT_TRUE(has(doc, "<status>on-hold</status>")) << doc;
  EXPECT_TRUE(has(doc, "<status>inactive</status>")) << doc;  // on hold: neither way
}

TEST(ConferenceInfoTest, APartialDocumentDeletesTheUserOnlyWithItsLastEndpoint) {
  const std::string doc = conferenceInfoPartial(room(1),
                                                {{.id = mixer::ParticipantId{4},
                                                  .aor = "sip:alice@example.com",
                                                  .now = std::nullopt,
                                                  .last_of_user = false},
                                                 {.id = mixer::ParticipantId{5},
                                                  .aor = "sip:bob@example.com",
                                                  .now = std::nullopt,
                                                  .last_of_user = true}},
                                                9);
  EXPECT_TRUE(has(doc, "state=\"partial\" version=\"9\"")) << doc;
  EXPECT_TRUE(has(doc,
                  "<user entity=\"sip:alice@example.com\" state=\"partial\">"
                  "<endpoint entity=\"sip:alice@example.com;participant=4\" "
                  "state=\"deleted\"/></user>"))
      << doc;
  EXPECT_TRUE(has(doc, "<user entity=\"sip:bob@example.com\" state=\"deleted\"/>")) << doc;
  EXPECT_FALSE(has(doc, "<conference-description>")) << doc;  // unchanged: not repeated
}

TEST(ConferenceInfoTest, DialledCallsShowTheirProgressAndHowTheyCameIn) {
  auto ringing = participant(6, "sip:carol@example.com", "");
  ringing.state = CallState::kRinging;
  ringing.direction = "out";
  ringing.via = "refer";
  ringing.ssrc = 305419896;
  const std::string doc = conferenceInfoPartial(room(1),
                                                {{.id = mixer::ParticipantId{6},
                                                  .aor = ringing.from_uri,
                                                  .now = ringing,
                                                  .last_of_user = false}},
                                                2);
  EXPECT_TRUE(has(doc, "<status>alerting</status>")) << doc;
  EXPECT_TRUE(has(doc, "<joining-method>dialed-out</joining-method>")) << doc;
  EXPECT_TRUE(has(doc, "<reason>refer</reason>")) << doc;
  EXPECT_TRUE(has(doc, "<src-id>305419896</src-id>")) << doc;  // the CSRC the mixes carry
  EXPECT_FALSE(has(doc, "<display-text>")) << doc;             // no name: none invented
}

TEST(ConferenceInfoTest, NamesAndAddressesCannotBreakTheDocument) {
  const std::string doc = conferenceInfoFull(
      room(1), {participant(1, "sip:a&b@example.com?x=\"y\"", "<b>\"Tom\" & 'Jerry'\x01")}, 1);
  EXPECT_TRUE(has(doc,
                  "<display-text>&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;?"
                  "</display-text>"))
      << doc;
  // The participant id goes before the URI's headers, so the entity stays one URI.
  EXPECT_TRUE(has(doc, "entity=\"sip:a&amp;b@example.com;participant=1?x=&quot;y&quot;\"")) << doc;
}

}  // namespace
}  // namespace mcu::conference
