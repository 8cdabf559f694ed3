// The SDP a request or response carries: its whole body when that is application/sdp, or the
// application/sdp part of a multipart/mixed body (RFC 5621), as SIP-T/SIP-I gateways send SDP
// beside an ISUP part. Anything else is a body we do not take (RFC 3261 §8.2.3: 415).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcu::sip {

enum class BodyKind { kNone, kSdp, kUnsupported };

struct SdpInBody {
  BodyKind kind = BodyKind::kNone;
  std::optional<std::string> sdp;
};

// `content_type` as the header gives it (with parameters), "" when absent (taken as SDP, as
// many old gateways send it).
SdpInBody sdpInBody(std::string_view content_type, std::string_view body);

}  // namespace mcu::sip
