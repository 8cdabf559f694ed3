#include "mcu/sip/sdp_guard.h"

namespace mcu::sip {

std::optional<std::string> unsafeSdp(std::string_view sdp) {
  if (sdp.find('\0') != std::string_view::npos) {
    return "a NUL byte in the SDP";  // sofia parses C strings: the rest would be unseen
  }
  std::size_t start = 0;
  while (start < sdp.size()) {
    const std::size_t end = std::min(sdp.find('\n', start), sdp.size());
    const std::string_view line = sdp.substr(start, end - start);
    if (line.starts_with("m=")) {
      for (const char c : line) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\r' && c != '\t') || byte > 0x7E) {
          return "an m= line with a byte that is not printable ASCII";
        }
      }
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace mcu::sip
