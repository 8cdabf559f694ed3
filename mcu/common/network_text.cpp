#include "mcu/common/network_text.h"

#include <array>

namespace mcu::text {
namespace {

constexpr std::array<char, 17> kHex = {"0123456789ABCDEF"};

// The length of the valid UTF-8 sequence at `s` (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 if there is none.
std::size_t utf8Sequence(std::string_view s) {
  const auto b = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0U) == 0x80U; };
  const unsigned char lead = b(0);
  if (lead < 0x80U) {
    return 1;
  }
  if (lead >= 0xC2U && lead <= 0xDFU) {
    return cont(1) ? 2 : 0;
  }
  if (lead >= 0xE0U && lead <= 0xEFU) {
    if (!cont(1) || !cont(2) || (lead == 0xE0U && b(1) < 0xA0U) ||
        (lead == 0xEDU && b(1) > 0x9FU)) {
      return 0;
    }
    return 3;
  }
  if (lead >= 0xF0U && lead <= 0xF4U) {
    if (!cont(1) || !cont(2) || !cont(3) || (lead == 0xF0U && b(1) < 0x90U) ||
        (lead == 0xF4U && b(1) > 0x8FU)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

void appendHex(std::string& out, char prefix_a, char prefix_b, unsigned char c) {
  if (prefix_a != '\0') {
    out.push_back(prefix_a);
  }
  out.push_back(prefix_b);
  out.push_back(kHex[c >> 4U]);
  out.push_back(kHex[c & 0xFU]);
}

}  // namespace

std::string readableText(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  while (!raw.empty()) {
    const auto c = static_cast<unsigned char>(raw.front());
    if (c < 0x20U || c == 0x7FU) {
      appendHex(out, '\\', 'x', c);
      raw.remove_prefix(1);
      continue;
    }
    const std::size_t n = utf8Sequence(raw);
    if (n == 0) {  // Latin-1: U+0080..U+00FF as two bytes
      out.push_back(static_cast<char>(0xC0U | (c >> 6U)));
      out.push_back(static_cast<char>(0x80U | (c & 0x3FU)));
      raw.remove_prefix(1);
      continue;
    }
    out.append(raw.substr(0, n));
    raw.remove_prefix(n);
  }
  return out;
}

std::string asciiText(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20U || c >= 0x7FU) {
      appendHex(out, '\0', '%', c);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

}  // namespace mcu::text
