#include "api/request_framing.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "mcu/common/text.h"

namespace mcu::api {
namespace {

constexpr std::string_view kEndOfHead = "\r\n\r\n";

RequestFraming rejected(int status, std::string detail) {
  RequestFraming f;
  f.state = RequestFraming::State::kRejected;
  f.status = status;
  f.detail = std::move(detail);
  return f;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A header line "Name: value" with this name (any case; no space before the colon).
bool startsWithName(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         equalsIgnoringCase(line.substr(0, name.size()), name);
}

std::string_view trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  return v;
}

std::optional<std::size_t> parseLength(std::string_view text) {
  return text::parseNumber<std::size_t>(text);
}

// The target of "METHOD SP target SP version", without "?query".
std::string pathOf(std::string_view request_line) {
  const auto first = request_line.find(' ');
  if (first == std::string_view::npos) {
    return {};
  }
  std::string_view target = request_line.substr(first + 1);
  target = target.substr(0, target.find(' '));
  return std::string(target.substr(0, target.find('?')));
}

}  // namespace

RequestFraming frameRequest(std::string_view bytes, const FramingLimits& limits) {
  const auto head_end = bytes.find(kEndOfHead);
  if (head_end == std::string_view::npos) {
    if (bytes.size() > limits.max_head) {
      return rejected(431, "the request line and headers are over " +
                               std::to_string(limits.max_head) + " bytes");
    }
    return {};
  }
  if (head_end + kEndOfHead.size() > limits.max_head) {
    return rejected(
        431, "the request line and headers are over " + std::to_string(limits.max_head) + " bytes");
  }
  const std::string_view head = bytes.substr(0, head_end);
  std::optional<std::size_t> length;
  bool expects_continue = false;
  std::size_t at = head.find("\r\n");
  const std::string_view request_line = head.substr(0, at);
  while (at != std::string_view::npos) {
    const std::size_t next = head.find("\r\n", at + 2);
    const std::string_view line = head.substr(
        at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2);
    at = next;
    if (startsWithName(line, "transfer-encoding")) {
      // Chunked bodies would need their own framing; an admin client can always say how long
      // its body is (RFC 9110 §15.5.12).
      return rejected(411, "send the body with a Content-Length, not a Transfer-Encoding");
    }
    if (startsWithName(line, "content-length")) {
      const auto value = parseLength(trimmed(line.substr(line.find(':') + 1)));
      if (!value || (length && *length != *value)) {
        return rejected(400, "the Content-Length header is not one decimal number");
      }
      length = value;
    }
    if (startsWithName(line, "expect")) {
      expects_continue =
          equalsIgnoringCase(trimmed(line.substr(line.find(':') + 1)), "100-continue");
    }
  }
  const std::size_t body = length.value_or(0);
  if (body > limits.max_body) {
    return rejected(413, "the body is over " + std::to_string(limits.max_body) + " bytes");
  }
  const std::size_t total = head_end + kEndOfHead.size() + body;
  if (bytes.size() < total) {
    RequestFraming f;
    f.head_complete = true;
    f.expects_continue = expects_continue;
    return f;
  }
  RequestFraming f;
  f.state = RequestFraming::State::kComplete;
  f.size = total;
  f.path = pathOf(request_line);
  return f;
}

}  // namespace mcu::api
