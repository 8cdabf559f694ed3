// The tick's fan-out without sockets or GStreamer: recipients and encoders are the test's own,
// so the product's cost claim is checked exactly, tick by tick: N listeners on C codec
// configurations with K talkers cost K personal + C shared encodes, whatever N is.
#include "mixer/engine/mix_fan_out.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/unit/mixer/fake_mix_member.h"

namespace mcu::mixer {
namespace {

using core::literals::operator""_pid;

codec::CodecSpec opus() { return {.kind = codec::CodecKind::kOpus, .payload_type = 111}; }
codec::CodecSpec pcmu() { return {.kind = codec::CodecKind::kPcmu, .payload_type = 0}; }

using fakes::CountingEncoder;
using fakes::FakeMember;

class MixFanOutTest : public ::testing::Test {
 protected:
  MixFanOutTest()
      : fan_out_([this](const codec::CodecSpec& spec) {
          ++encoders_made_[spec.kind];
          return std::make_unique<CountingEncoder>(shared_encodes_);
        }) {}

  FakeMember& add(std::uint32_t id, codec::CodecSpec spec) {
    members_.push_back(std::make_unique<FakeMember>(ParticipantId(id), spec, personal_encodes_));
    recipients_.push_back(members_.back().get());
    return *members_.back();
  }

  // A tick in which `talkers` are summed: listeners hear sample 100, talker t hears 10 + t.
  MixOutput tickWith(const std::vector<std::uint32_t>& talkers) {
    MixOutput out;
    out.mix.full.fill(100);
    for (const std::uint32_t t : talkers) {
      core::TalkerMix mix{.id = ParticipantId(t)};
      mix.pcm.fill(static_cast<std::int16_t>(10 + t));
      out.mix.talkers.push_back(mix);
      out.contributor_ids.push_back(ParticipantId(t));
      out.contributor_ssrcs.push_back(1000 + t);
      out.contributor_levels.push_back(30);
    }
    return out;
  }

  int shared_encodes_ = 0;
  int personal_encodes_ = 0;
  std::map<codec::CodecKind, int> encoders_made_;
  std::vector<std::unique_ptr<FakeMember>> members_;
  std::vector<MixRecipient*> recipients_;
  MixFanOut fan_out_;
};

TEST_F(MixFanOutTest, NListenersOnTwoConfigurationsWithKTalkersCostKPlusTwoEncodesATick) {
  constexpr int kTalkers = 3;
  constexpr int kListeners = 200;
  for (std::uint32_t id = 1; id <= kTalkers + kListeners; ++id) {
    add(id, id % 2 == 0 ? opus() : pcmu());
  }
  for (int tick = 1; tick <= 5; ++tick) {
    fan_out_.send(tickWith({1, 2, 3}), recipients_);
    EXPECT_EQ(personal_encodes_, kTalkers * tick) << "tick " << tick;
    EXPECT_EQ(shared_encodes_, 2 * tick) << "tick " << tick;
  }
  EXPECT_EQ(fan_out_.counters().personal_encodes, 15U);
  EXPECT_EQ(fan_out_.counters().shared_encodes, 10U);
  EXPECT_EQ(encoders_made_, (std::map<codec::CodecKind, int>{{codec::CodecKind::kOpus, 1},
                                                             {codec::CodecKind::kPcmu, 1}}))
      << "one shared encoder per configuration, made once";
  for (const auto& m : members_) {
    EXPECT_EQ(m->sent, 5) << "participant " << m->id();
  }
}

TEST_F(MixFanOutTest, ListenersHearTheFullMixAndTalkersTheirOwnWithoutThemselves) {
  FakeMember& talker = add(7, opus());
  FakeMember& other_talker = add(8, opus());
  FakeMember& listener = add(9, opus());
  FakeMember& second_listener = add(10, opus());
  fan_out_.send(tickWith({7, 8}), recipients_);
  EXPECT_EQ(talker.last_payload.at(0), 17) << "the sum minus itself";
  EXPECT_EQ(talker.last_contributors, (std::vector<std::uint32_t>{1008}));
  EXPECT_EQ(other_talker.last_contributors, (std::vector<std::uint32_t>{1007}));
  EXPECT_EQ(listener.last_payload.at(0), 100);
  EXPECT_EQ(listener.last_payload, second_listener.last_payload) << "one encode, shared";
  EXPECT_EQ(listener.last_contributors, (std::vector<std::uint32_t>{1007, 1008}));
}

TEST_F(MixFanOutTest, GainDeafnessPromptsDtmfAndSilentMembersChangeWhatIsEncoded) {
  add(1, opus());                      // talker: personal
  add(2, opus());                      // plain listener: shared A
  add(3, opus()).gain = 0.5F;          // its own gain: shared B
  add(4, opus()).is_deaf = true;       // deaf: shared silence C
  add(5, opus()).is_deaf = true;       // ... the same C
  add(6, opus()).prompt = true;        // its own prompt: personal
  add(7, opus()).dtmf = true;          // an RFC 4733 packet this tick: no encode
  add(8, opus()).wants_audio = false;  // held: skipped, no encode
  fan_out_.send(tickWith({1}), recipients_);
  EXPECT_EQ(personal_encodes_, 2);
  EXPECT_EQ(shared_encodes_, 3);
  EXPECT_EQ(members_[1]->last_payload.at(0), 100);
  EXPECT_EQ(members_[2]->last_payload.at(0), 50) << "half gain";
  EXPECT_EQ(members_[3]->last_payload.at(0), 0) << "deaf: silence";
  EXPECT_TRUE(members_[3]->last_contributors.empty()) << "and no one named as heard";
  EXPECT_EQ(members_[5]->last_payload.at(0), 101) << "the mix and its prompt";
  EXPECT_EQ(members_[6]->sent, 0);
  EXPECT_EQ(members_[7]->sent, 0);
  EXPECT_EQ(members_[7]->skipped, 1);
}

}  // namespace
}  // namespace mcu::mixer
