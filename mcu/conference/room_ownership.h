// Which rooms this node may take callers into, in a cluster (issue 16). A room lives on one
// node: the one that holds its claim in PostgreSQL (store::RoomLeases). This node may claim
// only while its own lease is live, and it knows that without asking the database: a renewal
// sent at t extends the lease in the database to (its now) + lease, which is later than
// t + lease here, so until t + lease no other node can have taken a room from us. When that
// passes without a renewal the node is fenced: it forgets every claim (another node may own
// those rooms by now) and takes no new caller until a renewal succeeds and each room is
// claimed again. Calls already up keep their audio.
//
// Control loop only, but for the answers of the database, which are posted to it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mcu/common/clock.h"
#include "mcu/common/loop.h"
#include "mcu/store/room_leases.h"

namespace mcu::conference {

struct RoomPlace {
  enum class Where {
    kHere,       // claimed by this node at `epoch`
    kElsewhere,  // owned by the live node `owner_node`, reached at `owner_sip` (host:port)
    kFenced,     // this node's lease is not live: it may not take the room
    kUnknown,    // the database did not answer
  };
  Where where = Where::kUnknown;
  std::int64_t epoch = 0;
  std::string owner_node;
  std::string owner_sip;
  bool fresh = false;  // kHere: claimed just now (the room's policy may have changed elsewhere)
};

class RoomOwnership {
 public:
  RoomOwnership(store::RoomLeases& leases, Loop& loop, std::chrono::milliseconds lease,
                const Clock& clock = steadyClock());

  // Every lease / 3 on the loop: one statement, whatever the number of rooms. A renewal still
  // on its way is not sent twice (a database that hangs would otherwise pile them up).
  void renew();
  // The lease is live here, and the node is not draining: it takes new callers.
  bool takingCalls() const;
  bool leased() const;
  // From now on OPTIONS says 503 (the proxy sends no new calls) and the row says draining;
  // rooms already here keep taking their callers, so a room is never split by a drain.
  void drain();
  bool draining() const { return draining_; }
  // Where `room` lives; `done` runs on the loop, at once when the room is already ours.
  void claim(const std::string& room, std::function<void(const RoomPlace&)> done);
  // The epoch this node holds `room` at (0: not ours).
  std::int64_t epochOf(const std::string& room) const;
  // Any thread (/metrics): as of the loop's last look.
  bool leasedNow() const { return !fenced_.load(); }
  std::size_t roomsOwned() const { return rooms_owned_.load(); }
  std::uint64_t claimsMade() const { return claims_.load(); }
  std::uint64_t leaseLosses() const { return lease_losses_.load(); }

 private:
  void renewed(Clock::TimePoint sent, store::RoomLeases::Renewal renewal);
  void claimed(const std::string& room, const store::ClaimReply& reply);
  // Forgets the claims once the lease has lapsed (checked lazily on every question).
  void dropClaimsIfFenced() const;

  // Borrowed.
  store::RoomLeases& leases_;
  Loop& loop_;
  const Clock& clock_;
  // Owned.
  std::chrono::milliseconds lease_;
  Clock::TimePoint leased_until_{};
  bool renewing_ = false;
  bool draining_ = false;
  mutable std::map<std::string, std::int64_t> owned_;
  std::map<std::string, std::vector<std::function<void(const RoomPlace&)>>> claiming_;
  // Written on the loop, read by /metrics too.
  mutable std::atomic<bool> fenced_{true};
  mutable std::atomic<std::size_t> rooms_owned_{0};
  std::atomic<std::uint64_t> claims_{0};
  mutable std::atomic<std::uint64_t> lease_losses_{0};
};

}  // namespace mcu::conference
