// GET /v1/events: Server-Sent Events from the event log. A client names the last event it saw
// (Last-Event-ID header, or ?after=) and gets everything after it from PostgreSQL, then new
// events as they are written; without one it starts at the newest. Each stream holds one
// HTTP worker thread, so their number is capped.
#pragma once

#include <httplib.h>

#include <atomic>

#include "api/api_context.h"
#include "api/auth.h"

namespace mcu::api {

struct EventStreams {
  std::atomic<int> open{0};
  std::atomic<bool> stopping{false};
};

void registerEventRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth,
                         EventStreams& streams);

}  // namespace mcu::api
