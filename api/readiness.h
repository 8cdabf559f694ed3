// What /readyz reports: one named check per dependency, given by the server's wiring so that
// api/ needs to know nothing of SIP or SQL.
#pragma once

#include <algorithm>
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

// Ready: every check is ok (/readyz 200, the mcu_ready metric 1).
inline bool allReady(const std::vector<ReadinessCheck>& checks) {
  return std::all_of(checks.begin(), checks.end(), [](const ReadinessCheck& c) { return c.ok; });
}

}  // namespace mcu::api
