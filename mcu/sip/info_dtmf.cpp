#include "mcu/sip/info_dtmf.h"

#include <cctype>
#include <string>

#include "mcu/common/text.h"

namespace mcu::sip {
namespace {

using text::equalsNoCase;
using text::trim;

// One event: 0-9, *, #, A-D; some devices send 10 and 11 for * and # (the RFC 4733 codes).
std::optional<char> digitOf(std::string_view token) {
  token = trim(token);
  if (token == "10") {
    return '*';
  }
  if (token == "11") {
    return '#';
  }
  if (token.size() != 1) {
    return std::nullopt;
  }
  const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(token.front())));
  if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) {
    return c;
  }
  return std::nullopt;
}

}  // namespace

std::optional<char> infoDtmfDigit(std::string_view content_type, std::string_view body) {
  content_type = trim(content_type.substr(0, content_type.find(';')));
  if (equalsNoCase(content_type, "application/dtmf")) {
    return digitOf(body);
  }
  if (!equalsNoCase(content_type, "application/dtmf-relay")) {
    return std::nullopt;
  }
  while (!body.empty()) {
    const auto eol = body.find_first_of("\r\n");
    const std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    const auto eq = line.find('=');
    if (eq != std::string_view::npos && equalsNoCase(trim(line.substr(0, eq)), "Signal")) {
      return digitOf(line.substr(eq + 1));
    }
  }
  return std::nullopt;
}

}  // namespace mcu::sip
