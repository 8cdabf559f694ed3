// The cluster's ownership records (issue 16, migrations/0011): this node's lease in `nodes`,
// renewed by one statement whatever the number of rooms, and the claim of a room in
// `room_owners`. Every comparison of times is made by the database's clock, so the nodes'
// clocks never have to agree. Callbacks run on the database thread.
//
// Virtual so that RoomOwnership's unit test can answer for the database.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "mcu/store/db_worker.h"

namespace mcu::store {

struct ClaimReply {
  enum class Kind {
    kOwned,      // ours now, at `epoch` (the same epoch when it already was)
    kElsewhere,  // a node whose lease is live owns it: `owner_node` at `owner_sip`
    kNotLeased,  // our own lease has expired in the database: we may claim nothing
    kFailed,     // the database did not answer (queue full, error)
  };
  Kind kind = Kind::kFailed;
  std::int64_t epoch = 0;
  std::string owner_node;
  std::string owner_sip;
  std::size_t calls_closed = 0;  // a dead owner's open call rows closed as node_lost
};

class RoomLeases {
 public:
  RoomLeases(DbWorker& worker, std::string node_id) : worker_(worker), node_(std::move(node_id)) {}
  virtual ~RoomLeases() = default;
  RoomLeases(const RoomLeases&) = delete;
  RoomLeases& operator=(const RoomLeases&) = delete;

  // At start, before any claim: this node's row says where to reach it, and the rooms an
  // earlier run of it owned are given back (their calls died with it), epochs kept.
  virtual void join(std::string sip_address, std::string http_url);
  // Extends the lease to the database's now() + `lease`; `done` says whether it was written,
  // and whether the row says draining (set by POST /v1/nodes/{id}/drain on any node).
  struct Renewal {
    bool ok = false;
    bool draining = false;
  };
  virtual void renew(std::chrono::milliseconds lease, std::function<void(Renewal)> done);
  // Claims `room` if it is free, ours, or its owner's lease has expired; when it was another
  // node's, that node's open calls in the room are closed (node_lost) in the same transaction.
  virtual void claim(const std::string& room, std::function<void(ClaimReply)> done);
  // Calls still open on nodes whose lease expired more than `grace` ago are closed as
  // node_lost at that expiry: a dead node's rooms that nobody dials again, and a node that
  // never comes back, leave no call open for ever. (A node that restarts closes its own first,
  // as server_restart; a claim of one of its rooms closes that room's.)
  virtual void closeLostCalls(std::chrono::milliseconds grace);
  // `state`: "up" or "draining" (OPTIONS answers 503, no new calls are sent here).
  virtual void setState(const std::string& state);

 private:
  DbWorker& worker_;
  std::string node_;
};

}  // namespace mcu::store
