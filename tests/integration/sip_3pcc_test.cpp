// Third-party call control (RFC 3725, RFC 3264 §8): a controller re-INVITEs a participant's
// dialog to point our media at another endpoint, with an offer or without one. The participant
// stays the same (id, controls, RTP port, call record) and the audio follows.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

using mixer::codec::CodecKind;

class Sip3pccTest : public SipCallTest {
 protected:
  // The participant of `room` whose dialog has `call_id`, as REST shows it.
  nlohmann::json participantOf(const std::string& room, const std::string& call_id) {
    const auto items = participantsOf(room);
    for (const auto& p : items) {
      if (p["call_id"] == call_id) {
        return p;
      }
    }
    ADD_FAILURE() << "no participant with Call-ID " << call_id << " in " << items.dump();
    return {};
  }
  // "o=<user> <sess-id> <sess-version> ...": the session id and version of an SDP body.
  static std::pair<std::string, std::string> origin(const std::string& sdp) {
    const auto at = sdp.find("o=");
    std::istringstream line(sdp.substr(at, sdp.find('\r', at) - at));
    std::string user;
    std::string id;
    std::string version;
    line >> user >> id >> version;
    return {id, version};
  }
};

TEST_F(Sip3pccTest, AReInviteToAnotherEndpointKeepsTheParticipantItsControlsAndItsRecord) {
  Caller alice = dial("handoff", "PCMU", 500);
  Caller bob = dial("handoff", "PCMU", 800);
  runFrames({alice.media.get(), bob.media.get()}, 40);
  ASSERT_GT(level(bob, 500), kHeard);
  const auto before = participantOf("handoff", alice.sip->callId());
  const std::string path = "/v1/rooms/handoff/participants/" + before["id"].dump();
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.patch(path, R"({"deaf":true,"input_gain":2.0,"output_gain":0.5})").status, 200);

  // The controller moves Alice's leg to her desk phone: a new address, port and tone.
  RtpPeer desk(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 1100);
  const auto moved = alice.sip->reinvite(sdpOffer(desk.port(), "PCMU"));
  ASSERT_EQ(moved.status, 200) << moved.message;
  desk.setServerPort(sdpAudioPort(moved.body));
  EXPECT_EQ(sdpAudioPort(moved.body), alice.media->serverPort()) << "the same RTP port";
  // What was in flight before the switch may still play for a frame; listen after it.
  runFrames({alice.media.get(), bob.media.get(), &desk}, 30);
  const std::size_t mark = bob.media->audioMark();
  runFrames({alice.media.get(), bob.media.get(), &desk}, 30);
  const auto heard = bob.media->audioSince(mark);
  EXPECT_GT(goertzelDb(heard, 1100), kHeard) << "Bob hears the desk phone";
  EXPECT_LT(goertzelDb(heard, 500), kNotHeard) << "and no longer the old endpoint";

  const auto after = participantOf("handoff", alice.sip->callId());
  EXPECT_EQ(after["id"], before["id"]);
  EXPECT_EQ(after["deaf"], true);
  EXPECT_EQ(after["input_gain"], 2.0);
  EXPECT_EQ(after["output_gain"], 0.5);
  EXPECT_EQ(after["via"], "dial-in");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls"), "2") << "no new call record";
  EXPECT_EQ(alice.sip->bye().status, 200);
  EXPECT_EQ(bob.sip->bye().status, 200);
}

TEST_F(Sip3pccTest, AnOfferlessReInviteGetsOurCurrentOfferAndTheAckAnswerMovesTheMedia) {
  RtpPeer first(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  SipUac alice(server_->sipPort());
  const auto answered = alice.invite("flows", sdpOffer(first.port(), "PCMU"));
  ASSERT_EQ(answered.status, 200) << answered.message;
  first.setServerPort(sdpAudioPort(answered.body));
  Caller bob = dial("flows", "PCMU", 800);
  runFrames({&first, bob.media.get()}, 40);
  ASSERT_GT(level(bob, 500), kHeard);
  const auto id = participantOf("flows", alice.callId())["id"];

  // RFC 3725 flow I: INVITE without SDP; our 200 offers; the answer comes in the ACK.
  RtpPeer second(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 1100);
  const auto offered = alice.reinviteWithoutOffer(sdpOffer(second.port(), "PCMU"));
  ASSERT_EQ(offered.status, 200) << offered.message;
  EXPECT_NE(offered.body.find("m=audio " + std::to_string(sdpAudioPort(answered.body))),
            std::string::npos)
      << "our offer keeps the participant's port: " << offered.body;
  EXPECT_EQ(origin(offered.body).first, origin(answered.body).first) << "the same session";
  EXPECT_EQ(std::stoull(origin(offered.body).second), std::stoull(origin(answered.body).second) + 1)
      << "an offer of all our codecs differs from the answer we gave: one version up";
  second.setServerPort(sdpAudioPort(offered.body));
  runFrames({&first, bob.media.get(), &second}, 30);
  const std::size_t mark = bob.media->audioMark();
  runFrames({&first, bob.media.get(), &second}, 30);
  const auto heard = bob.media->audioSince(mark);
  EXPECT_GT(goertzelDb(heard, 1100), kHeard) << "the ACK's answer moved the media";
  EXPECT_LT(goertzelDb(heard, 500), kNotHeard);

  // Asked again, with nothing of ours changed: the same offer, the same version (RFC 3264
  // §8: the version moves only when the description does).
  const auto again = alice.reinviteWithoutOffer(sdpOffer(second.port(), "PCMU"));
  ASSERT_EQ(again.status, 200) << again.message;
  EXPECT_EQ(origin(again.body), origin(offered.body)) << offered.body << again.body;
  EXPECT_GT(goertzelDb(second.lastAudio(600), 800), kHeard) << "and the new endpoint hears Bob";
  EXPECT_EQ(participantOf("flows", alice.callId())["id"], id);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls"), "2");
  EXPECT_EQ(alice.bye().status, 200);
}

}  // namespace
}  // namespace mcu::test
