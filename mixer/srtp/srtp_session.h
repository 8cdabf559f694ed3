// SRTP and SRTCP (RFC 3711) for one participant, over libsrtp2: packets are protected and
// checked in place, in the media thread that owns the participant. The only code that
// includes libsrtp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "mixer/srtp/srtp_keys.h"

namespace mcu::mixer::srtp {

class SrtpSession {
 public:
  // nullptr when libsrtp refuses the keys (wrong length).
  static std::unique_ptr<SrtpSession> create(const SrtpKeys& keys);
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;
  ~SrtpSession();

  // `length` bytes of a plain packet at the start of `buffer`, which must have room for
  // kSrtpMaxOverhead more: returns the protected length, 0 on failure.
  std::size_t protectRtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::size_t protectRtcp(std::span<std::uint8_t> buffer, std::size_t length);
  // The plain length, or nullopt when the packet fails authentication or replay checks (it is
  // then to be dropped and counted, never to end the call).
  std::optional<std::size_t> unprotectRtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> unprotectRtcp(std::span<std::uint8_t> buffer, std::size_t length);

 private:
  struct Contexts;
  explicit SrtpSession(std::unique_ptr<Contexts> contexts);
  std::unique_ptr<Contexts> contexts_;
};

}  // namespace mcu::mixer::srtp
