// Checks an SDP body before sofia-sip parses it. sofia-sip 1.12.11's sdp_parse() never
// returns on some m= lines whose transport has bytes above 0x7F after an ASCII character
// ("m=audio 4000 X\x80\x80 0"): it allocates until memory runs out (found by
// tests/fuzz/sdp_fuzz; 6.4 GB in 20 s, from one INVITE). RFC 8866 §5.14 and §9 allow only
// ASCII tokens in an m= line, so such a body is refused before sofia sees it. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcu::sip {

// What makes `sdp` unsafe to hand to sofia's parser, or nullopt.
std::optional<std::string> unsafeSdp(std::string_view sdp);

}  // namespace mcu::sip
