// The web console: GET / serves its page and /console/<file> its scripts and styles, all
// compiled in. The page holds no secret; it signs in with an API token that it keeps in the
// tab's sessionStorage and sends as a Bearer header, so no cookie ever authenticates a request
// by itself and a forged cross-site request carries no credential (no CSRF to defend). A strict
// Content-Security-Policy (scripts from this origin only, no inline code, no framing) limits
// what an injected string could do; the scripts insert text, never markup.
#pragma once

#include <httplib.h>

namespace mcu::api {

void registerConsoleRoutes(httplib::Server& server);

}  // namespace mcu::api
