// Which address our SDP names for the RTP sockets, and which peers those sockets can reach.
#pragma once

#include <string>

#include "mcu/sip/sdp_negotiator.h"

namespace mcu::sip {

struct MediaAddressConfig {
  std::string advertised;  // c= address; empty: the bind address, or the route toward the caller
  std::string bind = "0.0.0.0";  // where the RTP sockets are bound (media.bind)

  // What our SDP names for a caller at `remote`: never an address the sockets are not bound to.
  std::string addressToward(const std::string& remote) const;
  // The families the RTP sockets can send to: a socket bound to an IPv4 address (or 0.0.0.0)
  // cannot reach an IPv6 peer, nor the reverse.
  MediaFamilies families() const;
};

// "0.0.0.0", "::" (or empty): a listener or socket bound to every address of the host.
bool isWildcardHost(const std::string& host);

// The address of this host on the route toward `remote` (what a caller can reach us on).
std::string localAddressToward(const std::string& remote);

}  // namespace mcu::sip
