// A dialog that carries several callers (RFC 3264 §8.1, §8.2), as a trunk or gateway sends it:
// one audio line per caller, each a participant with its own port, record and mix; a
// re-INVITE that adds a line adds a caller, a line set to port 0 takes its caller out, lines
// over rooms.max_lines_per_dialog get port 0, and removing every line ends the dialog.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

// An offer of one PCMU line per port (0: that line disabled), in order.
std::string linesOffer(const std::vector<std::uint16_t>& ports) {
  std::string sdp = "v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=trunk\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";
  for (const auto port : ports) {
    sdp += "m=audio " + std::to_string(port) +
           " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\na=sendrecv\r\n";
  }
  return sdp;
}

// The port of every m=audio line of an answer, in order.
std::vector<std::uint16_t> answerPorts(const std::string& sdp) {
  std::vector<std::uint16_t> ports;
  for (auto at = sdp.find("m=audio "); at != std::string::npos; at = sdp.find("m=audio ", at + 1)) {
    ports.push_back(static_cast<std::uint16_t>(std::stoi(sdp.substr(at + 8))));
  }
  return ports;
}

class SipLinesTest : public SipCallTest {
 protected:
  void SetUp() override { start({{"MCU_ROOMS_MAX_LINES_PER_DIALOG", "3"}}); }
  std::unique_ptr<RtpPeer> peer(double hz) {
    return std::make_unique<RtpPeer>(gst_, CodecSpec{.kind = CodecKind::kPcmu, .payload_type = 0},
                                     hz);
  }
  // The `line` of each participant of `room` whose dialog is `call_id`, sorted.
  std::vector<int> linesOf(const std::string& room, const std::string& call_id) {
    std::vector<int> lines;
    for (const auto& p : participantsOf(room)) {
      if (p["call_id"] == call_id) {
        lines.push_back(p["line"].get<int>());
      }
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }
};

TEST_F(SipLinesTest, EachLineIsACallerAndReInvitesAddAndRemoveThem) {
  // Four talk at once at one point: every one of them is mixed (max_speakers 0).
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.post("/v1/rooms", R"({"name":"trunked","mixing":{"max_speakers":0}})").status, 201);
  Caller carol = dial("trunked", "PCMU", 1100);
  auto a = peer(500);
  auto b = peer(800);
  SipUac trunk(server_->sipPort());
  const auto answered = trunk.invite("trunked", linesOffer({a->port(), b->port()}));
  ASSERT_EQ(answered.status, 200) << answered.message;
  auto ports = answerPorts(answered.body);
  ASSERT_EQ(ports.size(), 2U) << answered.body;
  ASSERT_NE(ports[0], 0);
  ASSERT_NE(ports[1], 0);
  EXPECT_NE(ports[0], ports[1]) << "each caller its own RTP port";
  a->setServerPort(ports[0]);
  b->setServerPort(ports[1]);

  // Two callers in one dialog: each hears the other and Carol, not itself; Carol hears both.
  runFrames({a.get(), b.get(), carol.media.get()}, 75);
  expectHearsInFrames(a->lastAudio(1000), {800, 1100}, {500});
  expectHearsInFrames(b->lastAudio(1000), {500, 1100}, {800});
  expectHearsInFrames(carol.media->lastAudio(1000), {500, 800}, {1100});
  EXPECT_EQ(linesOf("trunked", trunk.callId()), (std::vector<int>{0, 1}));
  EXPECT_EQ(viasIn("trunked"), (std::multiset<std::string>{"dial-in", "dial-in", "line"}));
  // The event stream says which dialog and line a further caller is.
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM events WHERE type = 'participant.joined'"
                            " AND payload->>'line' = '1' AND payload->>'call_id' = '" +
                                trunk.callId() + "'",
                            "1"),
            "1");

  // A re-INVITE adds two lines: the first is a caller, the second is one over the limit of 3.
  auto c = peer(1700);
  auto d = peer(300);
  const auto added = trunk.reinvite(linesOffer({a->port(), b->port(), c->port(), d->port()}));
  ASSERT_EQ(added.status, 200) << added.message;
  ports = answerPorts(added.body);
  ASSERT_EQ(ports.size(), 4U) << added.body;
  EXPECT_EQ(ports[0], a->serverPort()) << "a line keeps its port";
  EXPECT_EQ(ports[1], b->serverPort());
  ASSERT_NE(ports[2], 0);
  EXPECT_EQ(ports[3], 0) << "over rooms.max_lines_per_dialog";
  c->setServerPort(ports[2]);
  runFrames({a.get(), b.get(), c.get(), carol.media.get()}, 75);
  expectHearsInFrames(c->lastAudio(1000), {500, 800, 1100}, {1700});
  expectHearsInFrames(a->lastAudio(1000), {800, 1100, 1700}, {500});
  EXPECT_EQ(linesOf("trunked", trunk.callId()), (std::vector<int>{0, 1, 2}));

  // Line 1 set to port 0: its caller leaves (its record closes), the others go on.
  const auto removed = trunk.reinvite(linesOffer({a->port(), 0, c->port(), 0}));
  ASSERT_EQ(removed.status, 200) << removed.message;
  ports = answerPorts(removed.body);
  ASSERT_EQ(ports.size(), 4U) << removed.body;
  EXPECT_EQ(ports[1], 0);
  EXPECT_EQ(linesOf("trunked", trunk.callId()), (std::vector<int>{0, 2}));
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE leg_index = 1", "line_removed"),
            "line_removed");
  runFrames({a.get(), b.get(), c.get(), carol.media.get()}, 60);
  expectHearsInFrames(carol.media->lastAudio(1000), {500, 1700}, {800});

  // Every line removed: answered in kind, then the server ends the dialog, and every record.
  const auto none = trunk.reinvite(linesOffer({0, 0, 0, 0}));
  ASSERT_EQ(none.status, 200) << none.message;
  EXPECT_EQ(answerPorts(none.body), (std::vector<std::uint16_t>{0, 0, 0, 0})) << none.body;
  EXPECT_TRUE(trunk.awaitRequest("BYE", 5s));
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE call_id = '" + trunk.callId() +
                                "' AND left_at IS NULL",
                            "0"),
            "0");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls WHERE call_id = '" + trunk.callId() + "'"), "3")
      << "lines 0, 1 and 2 each had their record";
  EXPECT_EQ(carol.sip->bye().status, 200);
}

TEST_F(SipLinesTest, KickingALinesCallerLeavesTheDialogAndItsOtherCallers) {
  auto a = peer(500);
  auto b = peer(800);
  SipUac trunk(server_->sipPort());
  const auto answered = trunk.invite("kicks", linesOffer({a->port(), b->port()}));
  ASSERT_EQ(answered.status, 200) << answered.message;
  std::string second;
  for (const auto& p : participantsOf("kicks")) {
    if (p["line"] == 1) {
      second = p["id"].dump();
    }
  }
  ASSERT_FALSE(second.empty());
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.del("/v1/rooms/kicks/participants/" + second).status, 204);
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE leg_index = 1", "kicked"),
            "kicked");
  EXPECT_EQ(linesOf("kicks", trunk.callId()), (std::vector<int>{0}));
  // The dialog goes on; the kicked line is answered with port 0 from then on.
  const auto again = trunk.reinvite(linesOffer({a->port(), b->port()}));
  ASSERT_EQ(again.status, 200) << again.message;
  const auto ports = answerPorts(again.body);
  ASSERT_EQ(ports.size(), 2U) << again.body;
  EXPECT_EQ(ports[0], answerPorts(answered.body)[0]);
  EXPECT_EQ(ports[1], 0);
  EXPECT_EQ(linesOf("kicks", trunk.callId()), (std::vector<int>{0}));
  EXPECT_EQ(trunk.bye().status, 200);
}

TEST_F(SipLinesTest, AnSrtpLineAndItsPlainTwinOnOnePortAreOneCaller) {
  // A best-effort SRTP offer repeats its one stream as RTP/AVP on the same port: over plain
  // UDP the SAVP line is declined, and over TLS it would be the same caller twice. Here two
  // RTP/AVP lines on one address and port: one caller, the twin declined.
  auto a = peer(500);
  SipUac phone(server_->sipPort());
  const auto answered = phone.invite("twins", linesOffer({a->port(), a->port()}));
  ASSERT_EQ(answered.status, 200) << answered.message;
  const auto ports = answerPorts(answered.body);
  ASSERT_EQ(ports.size(), 2U) << answered.body;
  EXPECT_NE(ports[0], 0);
  EXPECT_EQ(ports[1], 0);
  EXPECT_EQ(linesOf("twins", phone.callId()), (std::vector<int>{0}));
  EXPECT_EQ(phone.bye().status, 200);
}

}  // namespace
}  // namespace mcu::test
