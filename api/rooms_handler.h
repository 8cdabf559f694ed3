// /v1/rooms: the rooms in PostgreSQL, each with its live summary from the conference.
// Writes bump the room's version (its ETag); PATCH and DELETE honour If-Match; a change is
// handed to the conference so the next INVITE sees it.
#pragma once

#include <httplib.h>

#include "api/api_context.h"
#include "api/auth.h"

namespace mcu::api {

void registerRoomRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth);

}  // namespace mcu::api
