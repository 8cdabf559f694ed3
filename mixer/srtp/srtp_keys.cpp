#include "mixer/srtp/srtp_keys.h"

namespace mcu::mixer::srtp {

std::optional<SrtpSuite> suiteNamed(std::string_view name) {
  if (name == "AES_CM_128_HMAC_SHA1_80") {
    return SrtpSuite::kAesCm128HmacSha1_80;
  }
  if (name == "AES_CM_128_HMAC_SHA1_32") {
    return SrtpSuite::kAesCm128HmacSha1_32;
  }
  if (name == "AEAD_AES_128_GCM") {
    return SrtpSuite::kAeadAes128Gcm;
  }
  return std::nullopt;
}

std::string_view suiteName(SrtpSuite suite) {
  switch (suite) {
    case SrtpSuite::kAesCm128HmacSha1_80:
      return "AES_CM_128_HMAC_SHA1_80";
    case SrtpSuite::kAesCm128HmacSha1_32:
      return "AES_CM_128_HMAC_SHA1_32";
    case SrtpSuite::kAeadAes128Gcm:
      return "AEAD_AES_128_GCM";
  }
  return "";
}

std::size_t masterKeyLength(SrtpSuite suite) {
  return suite == SrtpSuite::kAeadAes128Gcm ? 16 + 12 : 16 + 14;
}

}  // namespace mcu::mixer::srtp
