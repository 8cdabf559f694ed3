// DTMF carried in SIP INFO, as many PBXs and carriers send it instead of RFC 4733 events:
// `application/dtmf-relay` ("Signal=5\r\nDuration=160") and `application/dtmf` ("5").
#pragma once

#include <optional>
#include <string_view>

namespace mcu::sip {

// The digit an INFO body carries, for a content type we know; nullopt otherwise.
std::optional<char> infoDtmfDigit(std::string_view content_type, std::string_view body);

}  // namespace mcu::sip
