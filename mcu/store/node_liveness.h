// This node's row in `nodes`: a heartbeat while it runs, and at start-up the calls it left
// open when it died (kill -9, power loss) closed as `server_restart` at the last time it was
// known alive. Without it a crashed node's calls stay "ongoing" in /v1/calls for ever.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "mcu/store/db_worker.h"

namespace mcu::store {

class NodeLiveness {
 public:
  NodeLiveness(DbWorker& worker, std::string node_id, std::string sip_address)
      : worker_(worker), node_id_(std::move(node_id)), sip_address_(std::move(sip_address)) {}

  // Queued before any call of this run is recorded (the queue runs in order): closes the
  // calls an earlier run of this node left open, then marks the node started. `done` gets
  // how many were closed, on the database thread.
  void recover(std::function<void(std::size_t)> done);
  // Once every few seconds: the time a crash will be dated to.
  void heartbeat();

 private:
  DbWorker& worker_;
  std::string node_id_;
  std::string sip_address_;
};

}  // namespace mcu::store
