// /v1/nodes: the cluster's nodes (GET) and the drain of one for an upgrade (POST .../drain):
// it answers OPTIONS 503, so Kamailio sends it no new calls, while its calls go on.
#pragma once

#include <httplib.h>

#include "api/api_context.h"
#include "api/auth.h"

namespace mcu::api {

void registerNodeRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth);

}  // namespace mcu::api
