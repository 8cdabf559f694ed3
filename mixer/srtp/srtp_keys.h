// What an SDES exchange (RFC 4568 a=crypto) agrees for one participant: the suite and two
// master keys (key || salt), ours for what we send and theirs for what we receive. Plain data:
// the engine's API carries it without knowing libsrtp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mcu::mixer::srtp {

enum class SrtpSuite {
  kAesCm128HmacSha1_80,  // RFC 4568 §6.2.1, the one every SRTP phone has
  kAesCm128HmacSha1_32,  // RFC 4568 §6.2.2, a shorter tag for narrow links
  kAeadAes128Gcm,        // RFC 7714 §14.2
};

std::optional<SrtpSuite> suiteNamed(std::string_view name);
std::string_view suiteName(SrtpSuite suite);
// Bytes of master key plus master salt the suite needs: 30 for AES-CM, 28 for AES-GCM.
std::size_t masterKeyLength(SrtpSuite suite);

struct SrtpKeys {
  SrtpSuite suite = SrtpSuite::kAesCm128HmacSha1_80;
  std::vector<std::uint8_t> local;   // protects what we send
  std::vector<std::uint8_t> remote;  // checks and decrypts what we receive
  bool operator==(const SrtpKeys&) const = default;
};

// The most an SRTP or SRTCP packet grows over its plain form (tag, SRTCP index; no MKI).
inline constexpr std::size_t kSrtpMaxOverhead = 32;

}  // namespace mcu::mixer::srtp
