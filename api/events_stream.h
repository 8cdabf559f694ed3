// GET /v1/events: Server-Sent Events from the event log. A client names the last event it saw
// (Last-Event-ID header, or ?after=) and gets everything after it from PostgreSQL, then new
// events as they are written; without one it starts at the newest. Each stream holds one
// HTTP worker thread, so their number is capped. A stream opened with ?levels=ROOM also carries
// that room's live audio levels and line quality, up to four times a second, as `levels`
// messages without an id: telemetry for a console's meters, not events, so never stored or
// replayed. Each message holds only the participants whose figures changed since the last.
// POST /v1/events/tickets trades a token for a single-use ticket that opens one stream.
#pragma once

#include <httplib.h>

#include <atomic>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/event_tickets.h"

namespace mcu::api {

struct EventStreams {
  std::atomic<int> open{0};
  std::atomic<bool> stopping{false};
  EventTickets tickets;
};

void registerEventRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth,
                         EventStreams& streams);

}  // namespace mcu::api
