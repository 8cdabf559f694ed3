// The cluster's nodes as the REST API lists them (GET /v1/nodes) and drains them
// (POST /v1/nodes/{id}/drain): the `nodes` rows with their leases and how many rooms each owns.
// A drain is a row change: the node reads it at its next lease renewal, whichever node the
// request came to.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mcu/store/db_result.h"
#include "mcu/store/db_worker.h"

namespace mcu::store {

struct NodeRecord {
  std::string id;
  std::string sip_address;
  std::string http_url;
  std::string state;                       // up | draining
  bool alive = false;                      // its lease is live by the database's clock
  std::optional<std::string> lease_until;  // null: never held one (not in a cluster)
  std::int64_t rooms = 0;                  // rooms it owns
};

// Where a room lives, for a REST command that must reach its node.
struct RoomOwnerRecord {
  std::string node;
  std::string http_url;
  bool alive = false;  // the owner's lease is live
};

class NodeRecords {
 public:
  NodeRecords(DbWorker& worker, std::chrono::milliseconds timeout)
      : worker_(worker), timeout_(timeout) {}
  DbResult<std::vector<NodeRecord>> list();
  // The node that owns `room` (nullopt: none has claimed it, or it was given back).
  DbResult<std::optional<RoomOwnerRecord>> ownerOf(const std::string& room);
  // Marks node `id` draining; nullopt when there is no such node.
  DbResult<std::optional<NodeRecord>> drain(const std::string& id);

 private:
  DbWorker& worker_;
  std::chrono::milliseconds timeout_;
};

}  // namespace mcu::store
