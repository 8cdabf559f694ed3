#include "mcu/sip/sip_fields.h"

#include <chrono>
#include <string_view>

namespace mcu::sip {

std::string callIdOf(const sip_t* sip) {
  return sip != nullptr && sip->sip_call_id != nullptr && sip->sip_call_id->i_id != nullptr
             ? sip->sip_call_id->i_id
             : "";
}

std::string contentTypeOf(const sip_t* sip) {
  if (sip == nullptr || sip->sip_content_type == nullptr ||
      sip->sip_content_type->c_type == nullptr) {
    return "";
  }
  std::string type = sip->sip_content_type->c_type;
  for (const msg_param_t* p = sip->sip_content_type->c_params; p != nullptr && *p != nullptr; ++p) {
    type += std::string(";") + *p;
  }
  return type;
}

SdpInBody bodyOf(const sip_t* sip) {
  if (sip == nullptr || sip->sip_payload == nullptr || sip->sip_payload->pl_len == 0) {
    return {};
  }
  return sdpInBody(contentTypeOf(sip),
                   std::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
}

std::optional<std::string> sdpBody(const sip_t* sip) { return bodyOf(sip).sdp; }

std::uint64_t sessionId() {
  return static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count() &
                                    0x7FFFFFFFFFFFULL);
}

}  // namespace mcu::sip
