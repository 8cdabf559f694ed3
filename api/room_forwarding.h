// In a cluster, a REST command on a live room is carried out by the node that owns the room
// (its participants, playback and recordings are there): a request that reaches another node
// is forwarded to the owner's internal URL and its answer returned as it is. While the owner
// is dead and the room not yet re-homed (its next caller does that), the answer is 503 with
// Retry-After. Reads of stored state (rooms, calls, events, recordings) are served by any node.
#pragma once

#include <httplib.h>

#include "api/api_context.h"

namespace mcu::api {

// True when `req` was answered here (forwarded, or refused for now); false: serve it locally.
bool forwardToRoomOwner(const ApiContext& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace mcu::api
