// libFuzzer target: a whole SIP message as it arrives over UDP, through sofia-sip's message
// parser and then every field our call code reads from it (Call-ID, Via source, body and its
// SDP, session timers, the offer through our negotiator). The RFC 4475 torture messages seed it.
// The message class is the server's own (token methods in the request line and CSeq).
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include <cstddef>
#include <cstdint>

#include "mcu/sip/sdp_negotiator.h"
#include "mcu/sip/sip_fields.h"
#include "mcu/sip/token_methods.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  msg_t* msg = msg_make(mcu::sip::tokenMethodMessageClass(), 0, data, static_cast<isize_t>(size));
  if (msg == nullptr) {
    return 0;
  }
  const sip_t* sip = sip_object(msg);
  if (sip != nullptr) {
    mcu::sip::callIdOf(sip);
    mcu::sip::sourceOf(sip);
    mcu::sip::contentTypeOf(sip);
    mcu::sip::sessionTimerRequestOf(sip);
    if (const auto sdp = mcu::sip::sdpBody(sip)) {
      static const mcu::sip::SdpNegotiator kNegotiator({mcu::mixer::codec::CodecKind::kPcmu});
      kNegotiator.negotiate(*sdp, false);
    }
  }
  msg_destroy(msg);
  return 0;
}
