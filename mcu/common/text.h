// Small text helpers for protocol tokens (header values, MIME types): ASCII only, as the
// protocols define them, so no locale is involved.
#pragma once

#include <strings.h>

#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

namespace mcu::text {

// `text` as a whole decimal number of type T: nullopt if empty, not all digits, or out of T's
// range ("12x", "-1" for an unsigned T).
template <typename T>
std::optional<T> parseNumber(std::string_view text) {
  T value{};
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return value;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

// "a,b,,c" -> {"a", "b", "", "c"}; "" -> {}. The pieces point into `text`.
inline std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> pieces;
  while (!text.empty()) {
    const auto at = text.find(sep);
    pieces.push_back(text.substr(0, at));
    text = at == std::string_view::npos ? std::string_view{} : text.substr(at + 1);
  }
  return pieces;
}

// A list as people write it in config and headers: " a, b,,c " -> {"a", "b", "c"} (items
// trimmed, empty ones dropped).
inline std::vector<std::string_view> splitList(std::string_view text, char sep = ',') {
  std::vector<std::string_view> items;
  for (const std::string_view piece : split(text, sep)) {
    if (const std::string_view item = trim(piece); !item.empty()) {
      items.push_back(item);
    }
  }
  return items;
}

inline bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

inline bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// C0 controls and DEL: never part of a name, URI or label a person typed, and NUL cannot be
// stored in PostgreSQL text at all.
inline bool hasControlCharacter(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace mcu::text
