// libFuzzer target: SIP message bodies we read ourselves: multipart/mixed around SDP and SIP
// INFO DTMF. The first line of the input is the Content-Type, the rest the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcu/sip/info_dtmf.h"
#include "mcu/sip/message_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view content_type = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  mcu::sip::sdpInBody(content_type, body);
  mcu::sip::infoDtmfDigit(content_type, body);
  return 0;
}
