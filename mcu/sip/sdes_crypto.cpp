#include "mcu/sip/sdes_crypto.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <charconv>

#include "mcu/common/check.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

std::string_view nextToken(std::string_view& text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  const auto end = text.find(' ');
  const std::string_view token = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end);
  return token;
}

}  // namespace

std::string base64Encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) |
                            (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                            (i + 2 < bytes.size() ? std::uint32_t{bytes[i + 2]} : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = sextet(c);
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::optional<CryptoAttribute> parseCrypto(std::string_view value) {
  CryptoAttribute out;
  const std::string_view tag = nextToken(value);
  if (tag.empty() || tag.size() > 9 ||
      std::from_chars(tag.data(), tag.data() + tag.size(), out.tag).ec != std::errc()) {
    return std::nullopt;
  }
  const auto suite = mixer::srtp::suiteNamed(nextToken(value));
  if (!suite) {
    return std::nullopt;
  }
  out.suite = *suite;
  std::string_view key_params = nextToken(value);
  if (!nextToken(value).empty()) {
    return std::nullopt;  // session parameters change SRTP in ways we do not implement
  }
  if (!key_params.starts_with("inline:") || key_params.find(';') != std::string_view::npos) {
    return std::nullopt;  // one inline key only
  }
  key_params.remove_prefix(7);
  const auto bar = key_params.find('|');
  const std::string_view key_text = key_params.substr(0, bar);
  if (bar != std::string_view::npos) {
    // "|lifetime" is fine; "|MKI:length" is not (we neither send nor read an MKI).
    const std::string_view rest = key_params.substr(bar + 1);
    if (rest.find(':') != std::string_view::npos || rest.find('|') != std::string_view::npos) {
      return std::nullopt;
    }
  }
  auto key = base64Decode(key_text);
  if (!key || key->size() != mixer::srtp::masterKeyLength(out.suite)) {
    return std::nullopt;
  }
  out.key = std::move(*key);
  return out;
}

std::vector<std::uint8_t> randomSrtpKey() {
  std::vector<std::uint8_t> key(30);
  std::size_t filled = 0;
  while (filled < key.size()) {
    const ssize_t n = getrandom(key.data() + filled, key.size() - filled, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    // The kernel's generator does not fail once seeded (as secret::randomHex): a check, not
    // an exception on the control thread.
    MCU_CHECK(n > 0);
    filled += static_cast<std::size_t>(n);
  }
  return key;
}

std::string cryptoLine(int tag, mixer::srtp::SrtpSuite suite, std::span<const std::uint8_t> key) {
  const std::size_t length = std::min(key.size(), mixer::srtp::masterKeyLength(suite));
  return "a=crypto:" + std::to_string(tag) + " " + std::string(mixer::srtp::suiteName(suite)) +
         " inline:" + base64Encode(key.first(length)) + "\r\n";
}

}  // namespace mcu::sip
