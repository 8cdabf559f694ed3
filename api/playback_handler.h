// /v1/rooms/{name}/playback and /v1/rooms/{name}/participants/{id}/playback: an admin plays a
// file of the prompt directory (prompts.dir) to a room or to one caller, and stops it. The file
// is decoded here, in the HTTP worker, the first time it is played (conference/prompt_library.h).
#pragma once

#include <httplib.h>

#include "api/api_context.h"
#include "api/auth.h"

namespace mcu::api {

void registerPlaybackRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth);

}  // namespace mcu::api
