// SDES (RFC 4568): SRTP keys carried in SDP as `a=crypto:<tag> <suite> inline:<key||salt>`.
// The keys are in the clear in the SDP, which is why we only take them over TLS (§8.3).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mixer/srtp/srtp_keys.h"

namespace mcu::sip {

struct CryptoAttribute {
  int tag = 0;
  mixer::srtp::SrtpSuite suite = mixer::srtp::SrtpSuite::kAesCm128HmacSha1_80;
  std::vector<std::uint8_t> key;  // master key || master salt
};

// The value of an a=crypto attribute; nullopt when we cannot use it: a suite we lack, a key
// of the wrong length, an MKI, several keys or any session parameter (UNENCRYPTED_SRTP,
// KDR...), all of which we would otherwise get silently wrong.
std::optional<CryptoAttribute> parseCrypto(std::string_view value);
// "a=crypto:<tag> <suite> inline:<base64>\r\n" for our key (its first masterKeyLength bytes).
std::string cryptoLine(int tag, mixer::srtp::SrtpSuite suite, std::span<const std::uint8_t> key);

// A fresh master key || salt for our side of one call, from the kernel's CSPRNG (getrandom).
std::vector<std::uint8_t> randomSrtpKey();

std::string base64Encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text);

}  // namespace mcu::sip
