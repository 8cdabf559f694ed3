#include "mcu/sip/message_body.h"

#include "mcu/common/text.h"

namespace mcu::sip {
namespace {

using text::startsWithNoCase;
using text::trim;

// The value of `name` among a Content-Type's parameters ("...; boundary=xyz"), unquoted.
std::string_view parameter(std::string_view content_type, std::string_view name) {
  for (auto semi = content_type.find(';'); semi != std::string_view::npos;
       semi = content_type.find(';', semi + 1)) {
    std::string_view item = trim(content_type.substr(semi + 1));
    item = item.substr(0, item.find(';'));
    const auto eq = item.find('=');
    if (eq != std::string_view::npos && trim(item.substr(0, eq)).size() == name.size() &&
        startsWithNoCase(trim(item.substr(0, eq)), name)) {
      std::string_view value = trim(item.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return {};
}

// The body of the part whose Content-Type is application/sdp, if any.
std::optional<std::string> sdpPart(std::string_view body, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  for (auto start = body.find(delimiter); start != std::string_view::npos;) {
    auto part_begin = start + delimiter.size();
    if (body.substr(part_begin, 2) == "--") {
      break;  // the closing delimiter
    }
    const auto next = body.find(delimiter, part_begin);
    std::string_view part = body.substr(
        part_begin, next == std::string_view::npos ? std::string_view::npos : next - part_begin);
    const auto headers_end = part.find("\r\n\r\n");
    if (headers_end != std::string_view::npos) {
      const std::string_view headers = part.substr(0, headers_end);
      std::string_view content = part.substr(headers_end + 4);
      if (content.ends_with("\r\n")) {
        content.remove_suffix(2);  // the CRLF belongs to the next delimiter (RFC 2046 §5.1.1)
      }
      for (std::size_t line = 0; line < headers.size();) {
        const auto eol = std::min(headers.find("\r\n", line), headers.size());
        const std::string_view h = trim(headers.substr(line, eol - line));
        if (startsWithNoCase(h, "content-type:") &&
            startsWithNoCase(trim(h.substr(13)), "application/sdp")) {
          return std::string(content);
        }
        line = eol + 2;
      }
    }
    start = next;
  }
  return std::nullopt;
}

}  // namespace

SdpInBody sdpInBody(std::string_view content_type, std::string_view body) {
  if (body.empty()) {
    return {};
  }
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (type.empty() || (type.size() == 15 && startsWithNoCase(type, "application/sdp"))) {
    return {BodyKind::kSdp, std::string(body)};
  }
  if (type.size() == 15 && startsWithNoCase(type, "multipart/mixed")) {
    const std::string_view boundary = parameter(content_type, "boundary");
    if (!boundary.empty()) {
      if (auto sdp = sdpPart(body, boundary)) {
        return {BodyKind::kSdp, std::move(sdp)};
      }
    }
  }
  return {BodyKind::kUnsupported, std::nullopt};
}

}  // namespace mcu::sip
