// What /readyz reports: one named check per dependency, given by the server's wiring so that
// api/ needs to know nothing of SIP or SQL.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mcu::api {

struct ReadinessCheck {
  std::string name;  // "database", "sip", "shutdown"
  bool ok = false;
  std::string detail;  // shown to operators when not ok
};

using ReadinessProbe = std::function<std::vector<ReadinessCheck>()>;

}  // namespace mcu::api
