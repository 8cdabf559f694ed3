#include "mcu/sip/info_dtmf.h"

#include <strings.h>

#include <cctype>
#include <string>

namespace mcu::sip {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

bool sameText(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// One event: 0-9, *, #, A-D; some devices send 10 and 11 for * and # (the RFC 4733 codes).
std::optional<char> digitOf(std::string_view text) {
  text = trim(text);
  if (text == "10") {
    return '*';
  }
  if (text == "11") {
    return '#';
  }
  if (text.size() != 1) {
    return std::nullopt;
  }
  const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(text.front())));
  if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) {
    return c;
  }
  return std::nullopt;
}

}  // namespace

std::optional<char> infoDtmfDigit(std::string_view content_type, std::string_view body) {
  content_type = trim(content_type.substr(0, content_type.find(';')));
  if (sameText(content_type, "application/dtmf")) {
    return digitOf(body);
  }
  if (!sameText(content_type, "application/dtmf-relay")) {
    return std::nullopt;
  }
  while (!body.empty()) {
    const auto eol = body.find_first_of("\r\n");
    const std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    const auto eq = line.find('=');
    if (eq != std::string_view::npos && sameText(trim(line.substr(0, eq)), "Signal")) {
      return digitOf(line.substr(eq + 1));
    }
  }
  return std::nullopt;
}

}  // namespace mcu::sip
