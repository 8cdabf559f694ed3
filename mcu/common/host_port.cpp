#include "mcu/common/host_port.h"

#include <charconv>

namespace mcu {

std::string HostPort::toString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

HostPortParse parseHostPort(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return {std::nullopt, "expected [ipv6]:port"};
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return {std::nullopt, "expected host:port"};
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return {std::nullopt, "an IPv6 host must be bracketed: [ipv6]:port"};
    }
  }
  if (host.empty()) {
    return {std::nullopt, "host is empty"};
  }
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '_';
    if (!ok) {
      return {std::nullopt, "host contains an invalid character"};
    }
  }
  long port = -1;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end) {
    return {std::nullopt, "port is not a number"};
  }
  if (port < 1 || port > 65535) {
    return {std::nullopt, "port " + std::string(port_text) + " out of range 1-65535"};
  }
  return {HostPort{std::string(host), static_cast<std::uint16_t>(port)}, {}};
}

}  // namespace mcu
