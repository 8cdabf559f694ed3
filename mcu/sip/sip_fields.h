// What the call code reads off a parsed SIP message, and the SDP session id we give: small
// helpers shared by the dial-in and dial-out halves of CallHandler and by SipStack.
#pragma once

#include <sofia-sip/sip.h>

#include <cstdint>
#include <optional>
#include <string>

#include "mcu/sip/message_body.h"
#include "mcu/sip/session_timer.h"

namespace mcu::sip {

std::string callIdOf(const sip_t* sip);
// The Content-Type with its parameters (a multipart boundary), as the header gave it.
std::string contentTypeOf(const sip_t* sip);
// The body's SDP: the whole of an application/sdp body or the SDP part of a multipart.
SdpInBody bodyOf(const sip_t* sip);
std::optional<std::string> sdpBody(const sip_t* sip);
// Where a request came from as its top Via says (received=, else the host it names): the
// address we answer toward and count new rooms by.
std::string sourceOf(const sip_t* sip);
// What an INVITE asks of session timers (Supported/Require, Session-Expires, Min-SE).
SessionTimerRequest sessionTimerRequestOf(const sip_t* sip);
// An o= session id (RFC 8866 §5.2: an NTP-like timestamp is suggested).
std::uint64_t sessionId();

}  // namespace mcu::sip
