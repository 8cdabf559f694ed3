// libFuzzer target: an SDP offer as an INVITE brings it, through sofia-sip's parser and our
// negotiator (m-lines, codecs, addresses, SDES crypto lines), and the answer we would send.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "mcu/sip/sdes_crypto.h"
#include "mcu/sip/sdp_negotiator.h"

namespace {

using mcu::mixer::codec::CodecKind;

const mcu::sip::SdpNegotiator& negotiator() {
  static const mcu::sip::SdpNegotiator kNegotiator(
      {CodecKind::kOpus, CodecKind::kG722, CodecKind::kPcmu, CodecKind::kPcma}, {},
      {mcu::sip::SrtpPolicy::Mode::kOptional, true});
  return kNegotiator;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string offer(reinterpret_cast<const char*>(data), size);
  for (const bool secure : {true, false}) {
    const auto result = negotiator().negotiate(offer, secure);
    if (const auto* audio = std::get_if<mcu::sip::NegotiatedAudio>(&result)) {
      mcu::sip::LocalMedia local;
      local.address = "127.0.0.1";
      local.port = 20000;
      local.session_id = 1;
      local.session_version = 1;
      local.srtp_key = mcu::sip::randomSrtpKey();
      mcu::sip::SdpNegotiator::answer(*audio, local);
    }
  }
  mcu::sip::parseCrypto(offer);
  return 0;
}
