// /v1/rooms/{name}/participants: the live calls of a room, from the conference (control
// thread) through ConferenceClient; PATCH for mute, deaf and gains, DELETE to kick (BYE).
#pragma once

#include <httplib.h>

#include "api/api_context.h"
#include "api/auth.h"

namespace mcu::api {

void registerParticipantRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth);

}  // namespace mcu::api
