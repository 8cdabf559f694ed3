// A listening address as users write it: "0.0.0.0:5060", "[::1]:8080", "mcu.example.org:5061".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcu {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;

  // Literal IPv6 hosts are bracketed so the result can be put in a URI.
  std::string toString() const;
  bool operator==(const HostPort&) const = default;
};

// Returns an explanation of what is wrong, or the parsed value.
struct HostPortParse {
  std::optional<HostPort> value;
  std::string problem;
};
HostPortParse parseHostPort(std::string_view text);

}  // namespace mcu
