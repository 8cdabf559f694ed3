// RoomOwnership (issue 16): what a node may take callers into, judged from its lease without
// asking the database, with the database's answers given by the test and time by a manual
// clock.
#include "mcu/conference/room_ownership.h"

#include <gtest/gtest.h>

#include <deque>

#include "tests/support/manual_clock.h"

namespace mcu::conference {
namespace {

using namespace std::chrono_literals;
using Where = RoomPlace::Where;

// Posted tasks wait until the test runs them: the database's answers arrive when it says.
class QueueLoop final : public Loop {
 public:
  void post(std::function<void()> task) override { tasks_.push_back(std::move(task)); }
  bool isInLoopThread() const override { return true; }
  TimerId runAfter(std::chrono::milliseconds, std::function<void()>) override { return 0; }
  TimerId runEvery(std::chrono::milliseconds, std::function<void()>) override { return 0; }
  void cancel(TimerId) override {}
  void runPending() {
    while (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      task();
    }
  }

 private:
  std::deque<std::function<void()>> tasks_;
};

// The database, as the test answers for it: requests are held until answered.
class HeldLeases final : public store::RoomLeases {
 public:
  explicit HeldLeases(store::DbWorker& worker) : RoomLeases(worker, "n1") {}
  void renew(std::chrono::milliseconds, std::function<void(Renewal)> done) override {
    renewals.push_back(std::move(done));
  }
  void claim(const std::string& room, std::function<void(store::ClaimReply)> done) override {
    claims.emplace_back(room, std::move(done));
  }
  void setState(const std::string& state) override { states.push_back(state); }
  std::vector<std::function<void(Renewal)>> renewals;
  std::vector<std::pair<std::string, std::function<void(store::ClaimReply)>>> claims;
  std::vector<std::string> states;
};

store::ClaimReply owned(std::int64_t epoch) {
  store::ClaimReply reply;
  reply.kind = store::ClaimReply::Kind::kOwned;
  reply.epoch = epoch;
  return reply;
}

class RoomOwnershipTest : public ::testing::Test {
 protected:
  // Renews and has the database say yes at once.
  void renewNow() {
    ownership_.renew();
    ASSERT_FALSE(leases_.renewals.empty());
    auto done = std::move(leases_.renewals.back());
    leases_.renewals.pop_back();
    done({.ok = true, .draining = false});
    loop_.runPending();
  }
  // Asks where `room` is; the answer, if one came (at once or after runPending()).
  std::vector<RoomPlace>& ask(const std::string& room) {
    ownership_.claim(room, [this](const RoomPlace& place) { answers_.push_back(place); });
    return answers_;
  }

  store::DbWorker worker_{store::DbWorkerConfig{}, {}, {}};
  HeldLeases leases_{worker_};
  QueueLoop loop_;
  test::ManualClock clock_;
  RoomOwnership ownership_{leases_, loop_, 3000ms, clock_};
  std::vector<RoomPlace> answers_;
};

TEST_F(RoomOwnershipTest, NoCallerIsTakenBeforeTheFirstRenewal) {
  EXPECT_FALSE(ownership_.takingCalls());
  ASSERT_EQ(ask("r").size(), 1U);
  EXPECT_EQ(answers_[0].where, Where::kFenced);
  EXPECT_TRUE(leases_.claims.empty()) << "a node without a lease asks for nothing";
}

TEST_F(RoomOwnershipTest, ARoomIsClaimedOnceAndItsConcurrentCallersShareTheAnswer) {
  renewNow();
  ASSERT_TRUE(ownership_.takingCalls());
  ask("r");
  ask("r");
  ASSERT_EQ(leases_.claims.size(), 1U) << "one claim per room at a time";
  EXPECT_TRUE(answers_.empty());
  leases_.claims[0].second(owned(4));
  loop_.runPending();
  ASSERT_EQ(answers_.size(), 2U);
  for (const auto& place : answers_) {
    EXPECT_EQ(place.where, Where::kHere);
    EXPECT_EQ(place.epoch, 4);
    EXPECT_TRUE(place.fresh);
  }
  ask("r");
  ASSERT_EQ(answers_.size(), 3U) << "a room already ours is answered at once";
  EXPECT_EQ(answers_[2].where, Where::kHere);
  EXPECT_FALSE(answers_[2].fresh);
  EXPECT_EQ(leases_.claims.size(), 1U);
  EXPECT_EQ(ownership_.epochOf("r"), 4);
}

TEST_F(RoomOwnershipTest, ARoomOfAnotherLiveNodeIsPlacedThere) {
  renewNow();
  ask("r");
  store::ClaimReply reply;
  reply.kind = store::ClaimReply::Kind::kElsewhere;
  reply.owner_node = "n2";
  reply.owner_sip = "127.0.0.12:5060";
  leases_.claims[0].second(reply);
  loop_.runPending();
  ASSERT_EQ(answers_.size(), 1U);
  EXPECT_EQ(answers_[0].where, Where::kElsewhere);
  EXPECT_EQ(answers_[0].owner_sip, "127.0.0.12:5060");
  EXPECT_EQ(ownership_.epochOf("r"), 0);
}

TEST_F(RoomOwnershipTest, ALapsedLeaseForgetsEveryClaimUntilRenewedAndClaimedAgain) {
  renewNow();
  ask("r");
  leases_.claims[0].second(owned(1));
  loop_.runPending();
  clock_.advance(2999ms);
  EXPECT_TRUE(ownership_.takingCalls());
  clock_.advance(2ms);
  EXPECT_FALSE(ownership_.takingCalls()) << "no renewal for a whole lease: fenced";
  EXPECT_EQ(ownership_.epochOf("r"), 0);
  EXPECT_EQ(ownership_.leaseLosses(), 1U);
  ask("r");
  EXPECT_EQ(answers_.back().where, Where::kFenced);
  renewNow();
  ask("r");
  EXPECT_EQ(leases_.claims.size(), 2U) << "another node may own it now: asked again";
}

TEST_F(RoomOwnershipTest, ALateRenewalCountsFromWhenItWasSent) {
  ownership_.renew();
  ownership_.renew();
  ASSERT_EQ(leases_.renewals.size(), 1U) << "one renewal on its way at a time";
  clock_.advance(3001ms);  // the database hung longer than the lease
  leases_.renewals[0]({.ok = true, .draining = false});
  loop_.runPending();
  EXPECT_FALSE(ownership_.takingCalls())
      << "the lease it wrote ended by our clock: another node may have claimed our rooms";
}

TEST_F(RoomOwnershipTest, AClaimThatComesBackAfterTheLeaseLapsedIsNotTaken) {
  renewNow();
  ask("r");
  clock_.advance(3001ms);
  leases_.claims[0].second(owned(2));
  loop_.runPending();
  ASSERT_EQ(answers_.size(), 1U);
  EXPECT_EQ(answers_[0].where, Where::kFenced);
  EXPECT_EQ(ownership_.epochOf("r"), 0);
}

TEST_F(RoomOwnershipTest, ARowMarkedDrainingByAnotherNodeDrainsThisOne) {
  renewNow();
  ownership_.renew();
  leases_.renewals.back()({.ok = true, .draining = true});
  loop_.runPending();
  EXPECT_TRUE(ownership_.draining());
  EXPECT_FALSE(ownership_.takingCalls());
}

TEST_F(RoomOwnershipTest, ADrainingNodeKeepsItsRoomsAndTakesNoNewOne) {
  renewNow();
  ask("mine");
  leases_.claims[0].second(owned(1));
  loop_.runPending();
  ownership_.drain();
  EXPECT_EQ(leases_.states, std::vector<std::string>{"draining"});
  EXPECT_FALSE(ownership_.takingCalls()) << "OPTIONS says 503: the proxy sends no new calls";
  ask("mine");
  EXPECT_EQ(answers_.back().where, Where::kHere) << "its room's callers still join it";
  ask("new");
  EXPECT_EQ(answers_.back().where, Where::kFenced);
  EXPECT_EQ(leases_.claims.size(), 1U);
}

}  // namespace
}  // namespace mcu::conference
