// /v1/calls: call history from PostgreSQL, newest first, by cursor.
#pragma once

#include <httplib.h>

#include "api/api_context.h"
#include "api/auth.h"

namespace mcu::api {

void registerCallRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth);

}  // namespace mcu::api
