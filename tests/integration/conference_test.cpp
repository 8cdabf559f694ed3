// The conference in simulated time: its PIN deadline and its on-demand creation rate are
// crossed by advancing a ManualClock, not by waiting 30 s or a minute. Real parts around it:
// the media engine (no RTP flows), the store on the test's PostgreSQL.
#include "mcu/conference/conference.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mixer/engine/media_engine.h"
#include "tests/integration/simulated_conference.h"

namespace mcu::conference {
namespace {

using namespace std::chrono_literals;

class ConferenceTest : public ::testing::Test {
 protected:
  void SetUp() override { parts_.startDatabase(); }

  // One conference per test, with `config` and the test's clock; calls it ends are noted.
  Conference& make(ConferenceConfig config) {
    config.end_call = [this](mixer::ParticipantId id, LeaveReason reason) {
      ended_[id] = leaveReasonText(reason);
    };
    conference_ =
        std::make_unique<Conference>(*parts_.engine, parts_.store, std::move(config), clock_);
    return *conference_;
  }

  static JoinRequest caller(const std::string& room, const std::string& source = "10.0.0.1") {
    JoinRequest r;
    r.room = room;
    r.call_id = room + "-" + std::to_string(++calls_);
    r.from_uri = "sip:caller@example.com";
    r.media.codec = {.kind = mixer::codec::CodecKind::kPcmu, .payload_type = 0};
    r.media.remote = {"127.0.0.1", 9};  // discard: nothing is listened to here
    r.source = source;
    return r;
  }

  test::SimulatedConferenceParts parts_{41000, 41999};
  test::ManualClock& clock_ = parts_.clock;
  std::map<mixer::ParticipantId, std::string> ended_;
  std::unique_ptr<Conference> conference_;
  static inline int calls_ = 0;
};

TEST_F(ConferenceTest, ACallerWhoNeverKeysThePinIsEndedAtItsDeadlineNotBefore) {
  ConferenceConfig config;
  config.pin_timeout = 30s;
  Conference& conference = make(config);
  store::RoomRow board;
  board.name = "board";
  board.pin = "1234";
  conference.setRooms({board});
  const JoinResult slow = conference.join(caller("board"));
  ASSERT_EQ(slow.admission.status, 200);
  ASSERT_TRUE(slow.admission.pin_by_dtmf);
  clock_.advance(20s);
  const JoinResult quick = conference.join(caller("board"));
  ASSERT_TRUE(quick.admission.pin_by_dtmf);

  clock_.advance(9s);  // 29 s after the first answer
  conference.expirePins();
  EXPECT_TRUE(ended_.empty());
  for (const char digit : {'1', '2', '3', '4'}) {
    conference.onDtmf(quick.participant, digit);
  }
  clock_.advance(2s);  // 31 s: the first is past its deadline
  conference.expirePins();
  ASSERT_EQ(ended_.size(), 1U);
  EXPECT_EQ(ended_[slow.participant], "pin_timeout");
  clock_.advance(60s);
  conference.expirePins();
  EXPECT_EQ(ended_.size(), 1U) << "the one who keyed its PIN in stays";
}

TEST_F(ConferenceTest, OnDemandRoomsPerSourceAreCappedForAMinute) {
  ConferenceConfig config;
  config.on_demand_per_minute = 2;
  Conference& conference = make(config);
  EXPECT_EQ(conference.join(caller("scan-1")).admission.status, 200);
  EXPECT_EQ(conference.join(caller("scan-2")).admission.status, 200);
  EXPECT_EQ(conference.join(caller("scan-3")).admission.status, 403);
  EXPECT_EQ(conference.join(caller("scan-3", "10.0.0.2")).admission.status, 200)
      << "another source has its own allowance";
  EXPECT_EQ(conference.join(caller("scan-1")).admission.status, 200) << "joining is not creating";
  clock_.advance(59s);
  EXPECT_EQ(conference.join(caller("scan-4")).admission.status, 403);
  clock_.advance(2s);
  EXPECT_EQ(conference.join(caller("scan-4")).admission.status, 200) << "a minute later";
}

// The engine's RTP timeout ends a call the way a kick does: through the conference, which
// asks the SIP side for the BYE with the reason (server.cpp posts it here from the media
// thread); a timeout for a call already gone does nothing.
TEST_F(ConferenceTest, AnRtpTimeoutEndsTheCallThroughTheConference) {
  Conference& conference = make(ConferenceConfig{});
  const JoinResult quiet = conference.join(caller("hall"));
  const JoinResult talker = conference.join(caller("hall"));
  ASSERT_EQ(quiet.admission.status, 200);
  ASSERT_EQ(talker.admission.status, 200);
  conference.rtpTimedOut(quiet.participant);
  ASSERT_EQ(ended_.size(), 1U);
  EXPECT_EQ(ended_[quiet.participant], "rtp_timeout");
  conference.leave(quiet.participant, {LeaveCause::kRtpTimeout});  // its BYE's end
  conference.rtpTimedOut(quiet.participant);
  conference.rtpTimedOut(mixer::ParticipantId{424242});
  EXPECT_EQ(ended_.size(), 1U) << "nothing for a call that is gone or never was";
}

// A dialler that notes what it was asked to place, and what the conference held by then.
class NotingDialer final : public Dialer {
 public:
  explicit NotingDialer(const Conference& conference) : conference_(conference) {}
  std::optional<Admission> refusal() const override { return refused; }
  std::string newCallId() override { return "out-" + std::to_string(++ids_); }
  void place(const OutgoingCall& call) override {
    placed.push_back(call);
    participants_when_placed.push_back(conference_.participantCount());
  }

  std::optional<Admission> refused;
  std::vector<OutgoingCall> placed;
  std::vector<std::size_t> participants_when_placed;

 private:
  const Conference& conference_;
  int ids_ = 0;
};

// Dial-out admits the participant first and then hands the admitted call to the dialler (the
// SIP side), which no longer joins it back into the conference on the conference's stack;
// the answer comes later as progress.
TEST_F(ConferenceTest, DialOutAdmitsTheCallThenHandsItToTheDialer) {
  Conference& conference = make(ConferenceConfig{});
  store::RoomRow hall;
  hall.name = "hall";
  conference.setRooms({hall});
  EXPECT_EQ(conference.dialOut("hall", "sip:bob@127.0.0.1").status, 503) << "no dialler";

  NotingDialer dialer(conference);
  conference.setDialer(&dialer);
  EXPECT_EQ(conference.dialOut("nowhere", "sip:bob@127.0.0.1").status, 404);
  dialer.refused = Admission{503, "the server is shutting down"};
  EXPECT_EQ(conference.dialOut("hall", "sip:bob@127.0.0.1").status, 503);
  EXPECT_TRUE(dialer.placed.empty());
  EXPECT_EQ(conference.participantCount(), 0U) << "a refused dial-out admits no one";

  dialer.refused.reset();
  const DialOutResult placed = conference.dialOut("hall", "sip:bob@127.0.0.1",
                                                  "Replaces: x;to-tag=1;from-tag=2\r\n", "refer");
  ASSERT_EQ(placed.status, 202) << placed.reason;
  ASSERT_TRUE(placed.participant.has_value());
  ASSERT_EQ(dialer.placed.size(), 1U);
  const OutgoingCall& call = dialer.placed[0];
  EXPECT_EQ(dialer.participants_when_placed[0], 1U) << "admitted before it is placed";
  EXPECT_EQ(call.participant, placed.participant->id);
  EXPECT_EQ(call.room, "hall");
  EXPECT_EQ(call.uri, "sip:bob@127.0.0.1");
  EXPECT_EQ(call.call_id, "out-1");
  EXPECT_EQ(call.headers, "Replaces: x;to-tag=1;from-tag=2\r\n");
  EXPECT_NE(call.local_port, 0) << "the offer needs our RTP port";
  EXPECT_EQ(placed.participant->state, CallState::kCalling);
  EXPECT_EQ(placed.participant->via, "refer");
  EXPECT_EQ(placed.participant->call_id, "out-1");

  conference.dialProgress(call.participant, CallState::kRinging, 180);
  const auto ringing = conference.participant("hall", call.participant);
  ASSERT_TRUE(ringing.has_value());
  EXPECT_EQ(ringing->state, CallState::kRinging);
  EXPECT_EQ(ringing->sip_status, 180);
  conference.setDialer(nullptr);
}

}  // namespace
}  // namespace mcu::conference
