// Which SIP URIs REST dial-out and REFER may call: the URI must be sip: or sips: with a plain host,
// and the host must match the configured allow-list (exact names or addresses, or "*.domain").
// Pure, so the rules are tested without a server.
#pragma once

#include <optional>
#include <string>

namespace mcu {

// The problem with `uri` under `allow` (config dialout.allow), or nullopt when it may be called.
struct DialRefusal {
  int status;  // 422 not a usable SIP URI, 403 not allowed
  std::string detail;
};
std::optional<DialRefusal> checkDialTarget(const std::string& uri, const std::string& allow);

}  // namespace mcu
