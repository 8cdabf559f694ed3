#include "mixer/srtp/srtp_session.h"

#include <srtp2/srtp.h>

#include <mutex>
#include <vector>

namespace mcu::mixer::srtp {
namespace {

void initLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { srtp_init(); });
}

void setPolicy(SrtpSuite suite, srtp_crypto_policy_t& rtp, srtp_crypto_policy_t& rtcp) {
  switch (suite) {
    case SrtpSuite::kAesCm128HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);
      break;
    case SrtpSuite::kAesCm128HmacSha1_32:
      // RFC 4568 §6.2.2: the 32-bit tag is for SRTP only; SRTCP keeps the 80-bit one.
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);
      break;
    case SrtpSuite::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp);
      break;
  }
}

srtp_t makeContext(SrtpSuite suite, const std::vector<std::uint8_t>& key, srtp_ssrc_type_t type) {
  if (key.size() != masterKeyLength(suite)) {
    return nullptr;
  }
  srtp_policy_t policy{};
  setPolicy(suite, policy.rtp, policy.rtcp);
  policy.ssrc.type = type;
  // libsrtp reads the key through a non-const pointer but does not write it.
  std::vector<std::uint8_t> copy = key;
  policy.key = copy.data();
  policy.window_size = 128;
  // RFC 4733 end-of-event packets are sent three times: let a repeat pass on our side.
  policy.allow_repeat_tx = 1;
  srtp_t context = nullptr;
  if (srtp_create(&context, &policy) != srtp_err_status_ok) {
    return nullptr;
  }
  return context;
}

}  // namespace

struct SrtpSession::Contexts {
  srtp_t outbound = nullptr;
  srtp_t inbound = nullptr;
  ~Contexts() {
    if (outbound != nullptr) {
      srtp_dealloc(outbound);
    }
    if (inbound != nullptr) {
      srtp_dealloc(inbound);
    }
  }
};

std::unique_ptr<SrtpSession> SrtpSession::create(const SrtpKeys& keys) {
  initLibrary();
  auto contexts = std::make_unique<Contexts>();
  contexts->outbound = makeContext(keys.suite, keys.local, ssrc_any_outbound);
  contexts->inbound = makeContext(keys.suite, keys.remote, ssrc_any_inbound);
  if (contexts->outbound == nullptr || contexts->inbound == nullptr) {
    return nullptr;
  }
  return std::unique_ptr<SrtpSession>(new SrtpSession(std::move(contexts)));
}

SrtpSession::SrtpSession(std::unique_ptr<Contexts> contexts) : contexts_(std::move(contexts)) {}

SrtpSession::~SrtpSession() = default;

namespace {

// libsrtp's protect and unprotect calls all have this shape: in place, length in and out.
using SrtpCall = srtp_err_status_t (*)(srtp_t, void*, int*);

std::optional<std::size_t> inPlace(SrtpCall call, srtp_t context, std::span<std::uint8_t> buffer,
                                   std::size_t length, std::size_t room_needed) {
  if (buffer.size() < length + room_needed) {
    return std::nullopt;
  }
  int len = static_cast<int>(length);
  if (call(context, buffer.data(), &len) != srtp_err_status_ok) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(len);
}

}  // namespace

std::size_t SrtpSession::protectRtp(std::span<std::uint8_t> buffer, std::size_t length) {
  return inPlace(srtp_protect, contexts_->outbound, buffer, length, kSrtpMaxOverhead).value_or(0);
}

std::size_t SrtpSession::protectRtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  return inPlace(srtp_protect_rtcp, contexts_->outbound, buffer, length, kSrtpMaxOverhead)
      .value_or(0);
}

std::optional<std::size_t> SrtpSession::unprotectRtp(std::span<std::uint8_t> buffer,
                                                     std::size_t length) {
  return inPlace(srtp_unprotect, contexts_->inbound, buffer, length, 0);
}

std::optional<std::size_t> SrtpSession::unprotectRtcp(std::span<std::uint8_t> buffer,
                                                      std::size_t length) {
  return inPlace(srtp_unprotect_rtcp, contexts_->inbound, buffer, length, 0);
}

}  // namespace mcu::mixer::srtp
