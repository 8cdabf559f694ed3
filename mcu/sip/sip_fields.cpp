#include "mcu/sip/sip_fields.h"

#include <sofia-sip/sip_header.h>
#include <strings.h>

#include <chrono>
#include <string_view>

#include "mcu/common/network_text.h"

namespace mcu::sip {

std::string callIdOf(const sip_t* sip) {
  return sip != nullptr && sip->sip_call_id != nullptr && sip->sip_call_id->i_id != nullptr
             ? text::asciiText(sip->sip_call_id->i_id)  // it goes into records and logs
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
  const auto ticks = std::chrono::system_clock::now().time_since_epoch().count();
  return static_cast<std::uint64_t>(ticks) & 0x7FFFFFFFFFFFULL;
}

std::string sourceOf(const sip_t* sip) {
  const sip_via_t* via = sip != nullptr ? sip->sip_via : nullptr;
  if (via == nullptr) {
    return "";
  }
  return via->v_received != nullptr ? via->v_received : (via->v_host != nullptr ? via->v_host : "");
}

SessionTimerRequest sessionTimerRequestOf(const sip_t* sip) {
  SessionTimerRequest r;
  r.supported = sip_has_supported(sip->sip_supported, "timer") != 0 ||
                sip_has_feature(sip->sip_require, "timer") != 0;
  if (sip->sip_session_expires != nullptr) {
    r.session_expires = static_cast<unsigned>(sip->sip_session_expires->x_delta);
    r.refresher_uas = sip->sip_session_expires->x_refresher != nullptr &&
                      strcasecmp(sip->sip_session_expires->x_refresher, "uas") == 0;
  }
  if (sip->sip_min_se != nullptr) {
    r.min_se = static_cast<unsigned>(sip->sip_min_se->min_delta);
  }
  return r;
}

}  // namespace mcu::sip
