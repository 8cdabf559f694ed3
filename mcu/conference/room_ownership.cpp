#include "mcu/conference/room_ownership.h"

#include "mcu/common/check.h"
#include "mcu/common/log.h"

namespace mcu::conference {
namespace {
constexpr const char* kComponent = "cluster";

RoomPlace placed(RoomPlace::Where where, std::int64_t epoch = 0, bool fresh = false) {
  RoomPlace place;
  place.where = where;
  place.epoch = epoch;
  place.fresh = fresh;
  return place;
}
}  // namespace

RoomOwnership::RoomOwnership(store::RoomLeases& leases, Loop& loop, std::chrono::milliseconds lease,
                             const Clock& clock)
    : leases_(leases), loop_(loop), clock_(clock), lease_(lease) {}

void RoomOwnership::renew() {
  MCU_DCHECK(loop_.isInLoopThread());
  if (renewing_) {
    return;
  }
  renewing_ = true;
  const Clock::TimePoint sent = clock_.now();
  leases_.renew(lease_, [this, sent](store::RoomLeases::Renewal renewal) {
    loop_.post([this, sent, renewal] { renewed(sent, renewal); });
  });
}

void RoomOwnership::renewed(Clock::TimePoint sent, store::RoomLeases::Renewal renewal) {
  renewing_ = false;
  dropClaimsIfFenced();
  if (!renewal.ok) {
    log::warn(kComponent, "lease_not_renewed");
    return;
  }
  if (renewal.draining && !draining_) {
    drain();  // asked over REST on another node: the row is the message
  }
  if (sent + lease_ > leased_until_) {
    leased_until_ = sent + lease_;
  }
  if (fenced_ && clock_.now() < leased_until_) {
    fenced_ = false;
    log::info(kComponent, "lease_held");
  }
}

void RoomOwnership::dropClaimsIfFenced() const {
  if (fenced_ || clock_.now() < leased_until_) {
    return;
  }
  fenced_ = true;
  ++lease_losses_;
  log::warn(kComponent, "lease_lost")
      .kv("rooms", static_cast<std::uint64_t>(owned_.size()))
      .kv("action", "no new callers until the lease is renewed and each room claimed again");
  owned_.clear();
  rooms_owned_ = 0;
}

bool RoomOwnership::leased() const {
  dropClaimsIfFenced();
  return !fenced_;
}

bool RoomOwnership::takingCalls() const { return leased() && !draining_; }

void RoomOwnership::drain() {
  MCU_DCHECK(loop_.isInLoopThread());
  if (draining_) {
    return;
  }
  draining_ = true;
  leases_.setState("draining");
  log::info(kComponent, "node_draining").kv("rooms", static_cast<std::uint64_t>(owned_.size()));
}

std::int64_t RoomOwnership::epochOf(const std::string& room) const {
  dropClaimsIfFenced();
  const auto it = owned_.find(room);
  return it == owned_.end() ? 0 : it->second;
}

void RoomOwnership::claim(const std::string& room, std::function<void(const RoomPlace&)> done) {
  MCU_DCHECK(loop_.isInLoopThread());
  if (!leased()) {
    done(placed(RoomPlace::Where::kFenced));
    return;
  }
  if (const auto it = owned_.find(room); it != owned_.end()) {
    done(placed(RoomPlace::Where::kHere, it->second));
    return;
  }
  // A draining node still takes callers into its own rooms (its calls finish there, the room
  // is not split), never into new ones: the proxy tries another node.
  if (draining_) {
    done(placed(RoomPlace::Where::kFenced));
    return;
  }
  auto& waiting = claiming_[room];
  waiting.push_back(std::move(done));
  if (waiting.size() > 1) {
    return;  // one claim per room at a time; its answer is everyone's
  }
  ++claims_;
  leases_.claim(room, [this, room](const store::ClaimReply& reply) {
    loop_.post([this, room, reply] { claimed(room, reply); });
  });
}

void RoomOwnership::claimed(const std::string& room, const store::ClaimReply& reply) {
  RoomPlace place;
  switch (reply.kind) {
    case store::ClaimReply::Kind::kOwned:
      if (leased()) {
        place = placed(RoomPlace::Where::kHere, reply.epoch, true);
        owned_[room] = reply.epoch;
        rooms_owned_ = owned_.size();
      } else {
        place.where = RoomPlace::Where::kFenced;  // lapsed meanwhile: the claim may be stale
      }
      if (reply.calls_closed > 0) {
        log::info(kComponent, "room_rehomed")
            .kv("room", room)
            .kv("epoch", reply.epoch)
            .kv("calls_closed", static_cast<std::uint64_t>(reply.calls_closed));
      }
      break;
    case store::ClaimReply::Kind::kElsewhere:
      place = {.where = RoomPlace::Where::kElsewhere,
               .epoch = reply.epoch,
               .owner_node = reply.owner_node,
               .owner_sip = reply.owner_sip};
      break;
    case store::ClaimReply::Kind::kNotLeased:
      place.where = RoomPlace::Where::kFenced;
      break;
    case store::ClaimReply::Kind::kFailed:
      break;
  }
  auto waiting = std::move(claiming_[room]);
  claiming_.erase(room);
  for (auto& done : waiting) {
    done(place);
  }
}

}  // namespace mcu::conference
