// Recordings over REST (issue 15 item 4): an admin starts and stops recording a live room
// (POST/DELETE /v1/rooms/{name}/recordings[/{id}]); anyone with a token lists them
// (GET /v1/recordings[?room=], GET /v1/recordings/{id}) and downloads one (.../audio, with
// Range); an admin deletes one (its file and row). Files live in recordings.dir, named by the
// row ("<room>-<id>.ogg").
#pragma once

#include <httplib.h>

#include "api/api_context.h"
#include "api/auth.h"

namespace mcu::api {

void registerRecordingRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth);

}  // namespace mcu::api
