// Checks an SDP body before sofia-sip parses it. sofia-sip 1.12.11's sdp_parse() never
// returns on an m= line with a non-RTP transport whose format list holds a character that is
// not a token character ("m=audio 4n==", "m=audio 4000 X\x80\x80 0"): its format loop makes
// no progress and allocates a list node per turn until memory runs out (found by
// tests/fuzz/sdp_fuzz; 6.4 GB in 20 s, from one INVITE). Every m= line must therefore match
// RFC 8866 §5.14's grammar in §9's tokens before sofia sees the body. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcu::sip {

// What makes `sdp` unsafe to hand to sofia's parser, or nullopt.
std::optional<std::string> unsafeSdp(std::string_view sdp);

}  // namespace mcu::sip
