#include "mcu/sip/sdp_guard.h"

#include <algorithm>
#include <cctype>

namespace mcu::sip {
namespace {

// RFC 8866 §9: token-char = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
// "-" / "." / "^" / "_" / "`" / "{" / "|" / "}" / "~" (the set sofia's parser uses too).
bool isTokenChar(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte > 0x7E || byte <= 0x20) {
    return false;
  }
  return std::isalnum(byte) != 0 ||
         std::string_view("!#$%&'*+-.^_`{|}~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view field) {
  return !field.empty() && std::all_of(field.begin(), field.end(), isTokenChar);
}

// proto = token *("/" token): "RTP/AVP", "udptl"; never "/" alone or an empty part.
bool isProto(std::string_view field) {
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = field.find('/', start);
    if (!isToken(field.substr(start, slash == std::string_view::npos ? slash : slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    start = slash + 1;
  }
}

bool isPort(std::string_view field) {  // port ["/" integer]
  const auto slash = field.find('/');
  const std::string_view port = field.substr(0, slash);
  const auto digits = [](std::string_view v) {
    return !v.empty() && v.size() <= 10 &&
           v.find_first_not_of("0123456789") == std::string_view::npos;
  };
  return digits(port) && (slash == std::string_view::npos || digits(field.substr(slash + 1)));
}

// media SP port ["/" integer] SP proto 1*(SP fmt) (RFC 8866 §5.14). Runs of spaces between
// fields are let through, as real phones send them; a tab is not (sofia loops on
// "m=audio 1 / 0 0<TAB><TAB>", also found by fuzzing).
bool isMediaLine(std::string_view value) {
  std::size_t index = 0;
  std::size_t start = 0;
  while (true) {
    start = value.find_first_not_of(' ', start);
    if (start == std::string_view::npos) {
      break;
    }
    const std::size_t end = std::min(value.find(' ', start), value.size());
    const std::string_view field = value.substr(start, end - start);
    const bool ok = index == 0   ? isToken(field)
                    : index == 1 ? isPort(field)
                    : index == 2 ? isProto(field)
                                 : isToken(field);
    if (!ok) {
      return false;
    }
    ++index;
    start = end;
  }
  return index >= 4;
}

}  // namespace

std::optional<std::string> unsafeSdp(std::string_view sdp) {
  if (sdp.find('\0') != std::string_view::npos) {
    return "a NUL byte in the SDP";  // sofia parses C strings: the rest would be unseen
  }
  // Lines end at CR or LF, either alone, as sofia splits them.
  std::size_t start = 0;
  while (start < sdp.size()) {
    const std::size_t end = std::min(sdp.find_first_of("\r\n", start), sdp.size());
    std::string_view line = sdp.substr(start, end - start);
    line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));  // sofia strips
    if (line.starts_with("m=") && !isMediaLine(line.substr(2))) {
      return "an m= line that is not media SP port SP proto SP fmt... in RFC 8866 tokens";
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace mcu::sip
