#include "mcu/common/dial_target.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "mcu/common/text.h"

namespace mcu {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool matches(const std::string& host, const std::string& pattern) {
  if (pattern.rfind("*.", 0) == 0) {
    const std::string suffix = pattern.substr(1);  // ".domain"
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return host == pattern;
}

}  // namespace

std::optional<DialRefusal> checkDialTarget(const std::string& uri, const std::string& allow) {
  // user@host[:port][;params], no headers (?...), no spaces or angle brackets.
  static const std::regex kSipUri(
      R"(^sips?:(?:[A-Za-z0-9_.!~*'()&=+$,;?/%-]+@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?(?:;[A-Za-z0-9_.=;%-]*)?$)");
  std::smatch m;
  if (uri.size() > 256 || !std::regex_match(uri, m, kSipUri)) {
    return DialRefusal{422, "'uri' must be a sip: or sips: URI such as sip:alice@example.org"};
  }
  const std::string host = lower(m[1].str());
  if (allow.empty()) {
    return DialRefusal{403, "dial-out is off on this server (config dialout.allow is empty)"};
  }
  for (const std::string_view pattern : text::splitList(allow)) {
    if (matches(host, lower(std::string(pattern)))) {
      return std::nullopt;
    }
  }
  return DialRefusal{403, "'" + host + "' is not in this server's dial-out allow-list"};
}

}  // namespace mcu
