// The whole room tick (levels -> speaker choice -> decode -> mix-minus -> fan-out) with members
// and encoders of the test's own: no sockets, no GStreamer, no threads. It proves the product's
// cost claims end to end, tick by tick: N listeners on two codec configurations with K talkers
// cost exactly K personal + 2 shared encodes, and a listener's audio is never decoded. A room
// spread over two threads is run here as its two parts, phase by phase, in one thread.
#include "mixer/engine/room_mixer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "tests/unit/mixer/fake_mix_member.h"

namespace mcu::mixer {
namespace {

using fakes::CountingEncoder;
using fakes::FakeMember;
using fakes::heardSample;

codec::CodecSpec opus() { return {.kind = codec::CodecKind::kOpus, .payload_type = 111}; }
codec::CodecSpec pcmu() { return {.kind = codec::CodecKind::kPcmu, .payload_type = 0}; }

constexpr RoomId kRoom{7};
constexpr int kLoudDbov = 20;

class RoomMixerTest : public ::testing::Test {
 protected:
  std::unique_ptr<RoomMixer> makePart(const std::shared_ptr<RoomLink>& link, int thread) {
    return std::make_unique<RoomMixer>(
        kRoom, RoomMediaConfig{.max_speakers = 3},
        [this](const codec::CodecSpec& /*spec*/) {
          ++encoders_made_;
          return std::make_unique<CountingEncoder>(shared_encodes_);
        },
        link, thread);
  }

  // A room spread over two threads: its home part (thread 0, which chooses and sums) and a
  // shard (thread 1) that joined at tick 0.
  struct Parts {
    std::unique_ptr<RoomMixer> home;
    std::unique_ptr<RoomMixer> shard;
  };
  Parts spreadRoom() {
    const auto link = std::make_shared<RoomLink>(0);
    Parts parts{makePart(link, 0), makePart(link, 1)};
    link->join(1, 0);
    return parts;
  }

  FakeMember& add(RoomMixer& part, std::uint32_t id, codec::CodecSpec spec) {
    auto member = std::make_unique<FakeMember>(ParticipantId(id), spec, personal_encodes_);
    member->ssrc = 1000 + id;
    FakeMember& raw = *member;
    members_.push_back(&raw);
    part.add(std::move(member));
    return raw;
  }

  static void talk(FakeMember& m, std::int16_t sample) {
    m.level_dbov = kLoudDbov;
    m.sample = sample;
  }

  // One tick of a room on one thread.
  void tick(RoomMixer& room) {
    room.pull(tick_, tick_ * 20'000, nullptr);
    EXPECT_TRUE(room.mix(tick_, RoomLink::Clock::now(), nullptr));
    ++tick_;
  }

  std::int64_t tick_ = 0;
  int shared_encodes_ = 0;
  int personal_encodes_ = 0;
  int encoders_made_ = 0;
  std::vector<FakeMember*> members_;  // Borrowed: owned by the parts.
};

TEST_F(RoomMixerTest, NListenersOnTwoConfigurationsWithKTalkersCostKPersonalPlusTwoSharedEncodes) {
  constexpr int kTalkers = 3;
  constexpr int kListeners = 200;
  auto room = makePart(std::make_shared<RoomLink>(0), 0);
  for (std::uint32_t id = 1; id <= kTalkers + kListeners; ++id) {
    FakeMember& m = add(*room, id, id % 2 == 0 ? opus() : pcmu());
    if (id <= kTalkers) {
      talk(m, static_cast<std::int16_t>(100 * id));
    }
  }
  // The speaker choice smooths levels: a talker is loud enough to be chosen on its second tick.
  tick(*room);
  tick(*room);
  for (int t = 0; t < 50; ++t) {
    const int personal_before = personal_encodes_;
    const int shared_before = shared_encodes_;
    tick(*room);
    ASSERT_EQ(personal_encodes_ - personal_before, kTalkers) << "tick " << tick_;
    ASSERT_EQ(shared_encodes_ - shared_before, 2) << "tick " << tick_;
  }
  EXPECT_EQ(encoders_made_, 2) << "one shared encoder per configuration, made once";
  for (const FakeMember* m : members_) {
    EXPECT_EQ(m->pulls, 52) << "participant " << m->id();
    EXPECT_EQ(m->sent, 52) << "participant " << m->id();
    if (m->id().value() <= kTalkers) {
      EXPECT_TRUE(m->selected && m->talking) << "participant " << m->id();
      EXPECT_EQ(m->decodes, 51) << "a talker is decoded once a tick from when it is chosen";
    } else {
      EXPECT_FALSE(m->selected || m->talking) << "participant " << m->id();
      EXPECT_EQ(m->decodes, 0) << "a listener's audio is never decoded: participant " << m->id();
    }
  }
}

TEST_F(RoomMixerTest, TalkersHearEachOtherButNotThemselvesAndListenersHearEveryTalker) {
  auto room = makePart(std::make_shared<RoomLink>(0), 0);
  FakeMember& alice = add(*room, 1, opus());
  FakeMember& bob = add(*room, 2, opus());
  FakeMember& listener = add(*room, 3, pcmu());
  talk(alice, 1000);
  talk(bob, 2000);
  for (int t = 0; t < 10; ++t) {  // past the new speakers' fade-in
    tick(*room);
  }
  EXPECT_EQ(heardSample(alice.last_payload), 2000);
  EXPECT_EQ(alice.last_contributors, (std::vector<std::uint32_t>{1002}));
  EXPECT_EQ(heardSample(bob.last_payload), 1000);
  EXPECT_EQ(bob.last_contributors, (std::vector<std::uint32_t>{1001}));
  EXPECT_EQ(heardSample(listener.last_payload), 3000);
  EXPECT_EQ(listener.last_contributors, (std::vector<std::uint32_t>{1001, 1002}));

  bob.mixable = false;  // muted: no longer chosen, and it fades out of the others' mix
  for (int t = 0; t < 10; ++t) {
    tick(*room);
  }
  EXPECT_EQ(heardSample(listener.last_payload), 1000);
  EXPECT_EQ(heardSample(bob.last_payload), 1000) << "a muted caller still hears the room";
  EXPECT_TRUE(alice.last_contributors.empty()) << "alone in the mix, Alice hears no one";
}

TEST_F(RoomMixerTest, ARoomOnTwoThreadsChoosesOnceAndEveryPartHearsTheOthersTalker) {
  auto [home, shard] = spreadRoom();
  FakeMember& home_talker = add(*home, 1, opus());
  FakeMember& home_listener = add(*home, 2, opus());
  FakeMember& shard_talker = add(*shard, 3, opus());
  FakeMember& shard_listener = add(*shard, 4, opus());
  talk(home_talker, 1000);
  talk(shard_talker, 3000);
  for (int t = 0; t < 10; ++t) {
    // Phase 1 on every thread, then the home's mix, then the shard's relay (room_link.h).
    shard->pull(tick_, tick_ * 20'000, nullptr);
    home->pull(tick_, tick_ * 20'000, nullptr);
    const auto deadline = RoomLink::Clock::now() + std::chrono::seconds(1);
    ASSERT_TRUE(home->mix(tick_, deadline, nullptr)) << "tick " << tick_;
    ASSERT_TRUE(shard->relay(tick_, deadline, nullptr)) << "tick " << tick_;
    ++tick_;
  }
  EXPECT_EQ(heardSample(home_talker.last_payload), 3000);
  EXPECT_EQ(heardSample(shard_talker.last_payload), 1000);
  EXPECT_EQ(heardSample(home_listener.last_payload), 4000);
  EXPECT_EQ(heardSample(shard_listener.last_payload), 4000);
  EXPECT_EQ(shard_listener.last_contributors, (std::vector<std::uint32_t>{1001, 1003}))
      << "a shard's members are sent the whole room's CSRCs";
  EXPECT_TRUE(shard_talker.selected && shard_talker.talking)
      << "the shard learns the home's choice with the mix";
  EXPECT_EQ(shard_listener.decodes, 0);
  EXPECT_EQ(home_listener.decodes, 0);
  EXPECT_EQ(home->counters().shared_encodes + shard->counters().shared_encodes, 20U)
      << "each part encodes its listeners' mix once a tick";
}

TEST_F(RoomMixerTest, AShardThatIsLateCostsItsMembersAFrameAndTheRoomPlaysOn) {
  auto [home, shard] = spreadRoom();
  FakeMember& home_talker = add(*home, 1, opus());
  FakeMember& shard_listener = add(*shard, 2, opus());
  talk(home_talker, 1000);
  // The shard never publishes tick 0: the home mixes without it when its deadline passes.
  home->pull(0, 0, nullptr);
  EXPECT_FALSE(home->mix(0, RoomLink::Clock::now(), nullptr));
  EXPECT_EQ(home_talker.sent, 1) << "the home's own members are sent their frame";
  // The shard, later still, finds tick 0's mix after all (it was published).
  shard->pull(0, 0, nullptr);
  EXPECT_TRUE(shard->relay(0, RoomLink::Clock::now(), nullptr));
  EXPECT_EQ(shard_listener.sent, 1);
  // Tick 1's mix never comes: its members skip a frame instead of waiting.
  shard->pull(1, 20'000, nullptr);
  EXPECT_FALSE(shard->relay(1, RoomLink::Clock::now(), nullptr));
  EXPECT_EQ(shard_listener.skipped, 1);
  EXPECT_EQ(shard_listener.sent, 1);
}

}  // namespace
}  // namespace mcu::mixer
