// The Contact we put in our responses and requests. A caller sends the rest of the dialog (ACK,
// BYE, re-INVITE) to it, so it must name a transport and a scheme the caller can use: the one
// the request came on (RFC 3261 §8.1.1.8, §12.1.1) — `sips:` only when the Request-URI or the
// top Record-Route is a SIPS URI, `;transport=` always (as Asterisk and FreeSWITCH write it).
// sofia's own choice put `sips:` in every 200 once TLS was on, and named no TCP transport.
#pragma once

#include <sofia-sip/sip.h>

#include <optional>
#include <string>

#include "mcu/common/host_port.h"

namespace mcu::sip {

enum class SipTransport { kUdp, kTcp, kTls };

struct SipListeners {
  HostPort listen;              // UDP and TCP
  std::optional<HostPort> tls;  // TLS, when configured
};

// The transport named by a Via protocol ("SIP/2.0/TCP") or a URI's transport parameter.
SipTransport transportNamed(const char* name);

// The Contact answering `request` (its top Via gives the transport), with `user` as the URI's
// user part and `;isfocus` (RFC 4579 §5.3: every room is a conference focus).
std::string contactForRequest(const SipListeners& listeners, const sip_t* request,
                              const std::string& user);
// The Contact of an INVITE we send to `target` (dial-out): its scheme and transport parameter.
std::string contactForTarget(const SipListeners& listeners, const url_t* target,
                             const std::string& user);

}  // namespace mcu::sip
