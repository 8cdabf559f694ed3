// sofia-sip 1.12.11 reads a SIP method as RFC 3261 "unreserved" characters, not as a "token":
// a method name with a legal token character such as ` (RFC 4475 §3.1.1.4, "intmeth") made the
// whole message "garbage", and the sender got no answer at all where Kamailio answers. This
// message class is sofia's own with the request line and CSeq parsed with token methods;
// every other header is parsed by sofia as before. Pass it to nua_create() (NTATAG_MCLASS).
#pragma once

#include <sofia-sip/msg_types.h>

namespace mcu::sip {

msg_mclass_t const* tokenMethodMessageClass();

// RFC 3261 §25.1 token characters.
bool isTokenCharacter(char c);

}  // namespace mcu::sip
