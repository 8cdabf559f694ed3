// INVITE with Replaces (RFC 3891) against the real server: a new dialog takes over a
// participant's seat (same participant, same call record, no gap for the room) and the old
// dialog gets BYE; an unknown dialog is 481 and early-only on a confirmed one 486.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

class SipReplacesTest : public SipCallTest {
 protected:
  static std::string replacesHeader(const SipUac& dialog, const std::string& extra = "") {
    return "Replaces: " + dialog.callId() + ";to-tag=" + dialog.remoteTag() +
           ";from-tag=" + dialog.localTag() + extra + "\r\n";
  }
};

TEST_F(SipReplacesTest, ANewDialogTakesOverTheSeatAndTheOldOneGetsBye) {
  Caller alice = dial("handover", "PCMU", 500);
  Caller bob = dial("handover", "PCMU", 800);
  runFrames({alice.media.get(), bob.media.get()}, 40);
  ASSERT_GT(level(bob, 500), kHeard);
  const std::string seat =
      db_.awaitScalar("SELECT id FROM calls WHERE call_id = '" + alice.sip->callId() + "'");
  ASSERT_FALSE(seat.empty());

  // Carol (another phone, another tone) replaces Alice's dialog, as an attended transfer does.
  RtpPeer carol_media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 1100);
  SipUac carol(server_->sipPort());
  carol.setExtraHeaders(replacesHeader(*alice.sip));
  const auto taken = carol.invite("handover", sdpOffer(carol_media.port(), "PCMU"));
  ASSERT_EQ(taken.status, 200) << taken.message << server_->process().output();
  carol_media.setServerPort(sdpAudioPort(taken.body));
  EXPECT_EQ(sdpAudioPort(taken.body), alice.media->serverPort())
      << "the participant keeps its RTP port";
  EXPECT_TRUE(alice.sip->awaitRequest("BYE", 5s)) << "the replaced dialog is ended";

  // Bob now hears Carol where Alice was; Alice, still sending, is not heard.
  runFrames({alice.media.get(), bob.media.get(), &carol_media}, 60);
  EXPECT_GT(level(bob, 1100), kHeard);
  EXPECT_LT(level(bob, 500), kNotHeard);
  EXPECT_GT(goertzelDb(carol_media.lastAudio(600), 800), kHeard) << "and Carol hears Bob";
  // Still the same participant and call record: two rows, Alice's still open.
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls"), "2");
  EXPECT_EQ(viasIn("handover"), (std::multiset<std::string>{"dial-in", "replaces"}));
  EXPECT_EQ(db_.scalar("SELECT left_at IS NULL FROM calls WHERE id = " + seat), "t");
  EXPECT_EQ(db_.awaitScalar("SELECT via FROM calls WHERE id = " + seat, "replaces"), "replaces")
      << "the seat's record says it was taken over";
  EXPECT_EQ(carol.bye().status, 200);
  EXPECT_EQ(db_.awaitScalar("SELECT left_at IS NOT NULL FROM calls WHERE id = " + seat, "t"), "t");
}

TEST_F(SipReplacesTest, UnknownDialogsAre481AndEarlyOnlyOnAConfirmedDialogIs486) {
  Caller alice = dial("strict", "PCMU", 500);
  SipUac stranger(server_->sipPort());
  stranger.setExtraHeaders("Replaces: nosuchcall@127.0.0.1;to-tag=a;from-tag=b\r\n");
  EXPECT_EQ(stranger.invite("strict", sdpOffer(9, "PCMU")).status, 481);
  SipUac early(server_->sipPort());
  early.setExtraHeaders(replacesHeader(*alice.sip, ";early-only"));
  EXPECT_EQ(early.invite("strict", sdpOffer(9, "PCMU")).status, 486);
  // Alice's call was not touched.
  EXPECT_EQ(alice.sip->bye().status, 200);
}

}  // namespace
}  // namespace mcu::test
