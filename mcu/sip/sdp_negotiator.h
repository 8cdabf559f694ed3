// SDP offer/answer for one audio stream (RFC 3264, RFC 8866): picks the first codec of the
// server's preference that the offer has (keeping the offer's payload type numbers), reads the
// direction, address, rtcp-mux, telephone-event and the RFC 6464 extension, and writes the
// answer; or says why not (488 + Warning text). It also writes our own offer for an INVITE
// without SDP (RFC 3725 third-party call control). sofia-sip's parser reads the text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mcu/sip/sdes_crypto.h"
#include "mixer/codec/codec.h"

// sofia-sip's parsed SDP (sofia-sip/sdp.h), used only inside the .cpp.
struct sdp_session_s;
struct sdp_media_s;

namespace mcu::sip {

// One m= line of an offer, as the answer repeats it (RFC 3264 §6: the same number of lines in
// the same order; a line we do not take is answered with port 0 and its own formats).
struct OfferedLine {
  std::string media;    // "audio", "video", "image", ...
  std::string proto;    // "RTP/AVP", "udptl", ...
  std::string formats;  // " 0 8 101": each with its leading space
};

struct NegotiatedAudio {
  mixer::codec::CodecSpec codec;
  // Every line of the offer, and which of them is this audio stream.
  std::vector<OfferedLine> lines;
  std::size_t line_index = 0;
  int telephone_event_pt = -1;
  int telephone_event_rate = 8000;
  int audio_level_ext_id = 0;
  int csrc_level_ext_id = 0;  // RFC 6465, 0 if not offered
  std::string remote_host;
  std::uint16_t remote_port = 0;
  bool rtcp_mux = false;
  std::optional<std::uint16_t> remote_rtcp_port;
  // Ours, from the offer's direction: hold (sendonly/inactive) clears both.
  bool receive = true;
  bool send = true;
  std::string answer_direction = "sendrecv";
  int ptime = 20;
  // RTP/SAVP: the crypto attribute we took (its tag, suite and the caller's key).
  std::optional<CryptoAttribute> crypto;
};

// Every audio line of an offer we take, for a dialog that carries several callers (RFC 3264
// §8.1: a trunk, one audio line each). `streams` is in line order; empty only when the offer
// set every line's port to 0 (RFC 3264 §8.2: the session keeps no media).
struct NegotiatedStreams {
  std::vector<OfferedLine> lines;
  std::vector<NegotiatedAudio> streams;
};

// Another stream of the same answer: its negotiation and our RTP port for it.
struct AnsweredStream {
  const NegotiatedAudio* audio = nullptr;
  std::uint16_t port = 0;
};

struct SdpRejection {
  int status = 488;
  std::string warning;  // the Warning header's text (RFC 3261 §20.43, code 304/305/399)
};

struct LocalMedia {
  std::string address;  // literal IPv4 or IPv6 address in c= and o=
  std::uint16_t port = 0;
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
  std::vector<std::uint8_t> srtp_key;  // our SRTP master key || salt (30 random bytes)
};

// The address families our RTP sockets can send to: an offer whose c= is of another family
// would be answered with 200 and then silence (RFC 3264 §6 lets us refuse it instead).
struct MediaFamilies {
  bool ipv4 = true;
  bool ipv6 = true;
};

// SRTP by SDES (media.srtp): off (RTP/SAVP lines declined), optional (either, SAVP when its
// keys may be taken), required (plain RTP/AVP declined). Keys travel in the clear in SDP, so
// they are taken only from a request that came over TLS unless the operator says otherwise.
struct SrtpPolicy {
  enum class Mode { kOff, kOptional, kRequired };
  Mode mode = Mode::kOptional;
  bool keys_over_insecure_sip = false;
};

class SdpNegotiator {
 public:
  // Server preference, first wins; any of "opus", "G722", "PCMU", "PCMA".
  explicit SdpNegotiator(std::vector<mixer::codec::CodecKind> preference,
                         MediaFamilies families = {}, SrtpPolicy srtp = {});
  // The same families and SRTP policy with another codec order (a room's own).
  SdpNegotiator withPreference(std::vector<mixer::codec::CodecKind> preference) const {
    return SdpNegotiator(std::move(preference), families_, srtp_);
  }
  // The same with a room's own SRTP mode (its keys still only over TLS unless configured).
  SdpNegotiator withSrtpMode(SrtpPolicy::Mode mode) const {
    return SdpNegotiator(preference_, families_, {mode, srtp_.keys_over_insecure_sip});
  }

  // `secure_signaling`: the SDP came over TLS (SDES keys may be taken from it).
  std::variant<NegotiatedAudio, SdpRejection> negotiate(const std::string& offer,
                                                        bool secure_signaling = false) const;
  // Up to `max_streams` usable audio lines, the first ones in line order; the others are
  // declined in the answer. A refusal only when no line can be used and not all are port 0.
  std::variant<NegotiatedStreams, SdpRejection> negotiateStreams(const std::string& offer,
                                                                 bool secure_signaling,
                                                                 std::size_t max_streams) const;
  // `audio`'s line, and `more` (other lines of the same offer, each on its own port), in the
  // offer's order; every other line with port 0.
  static std::string answer(const NegotiatedAudio& audio, const LocalMedia& local,
                            const std::vector<AnsweredStream>& more = {});
  // Every line of `lines` declined (an offer that removed them all).
  static std::string declineAll(const std::vector<OfferedLine>& lines, const LocalMedia& local);
  // Our offer: every codec we support, in preference order, with fixed payload types; as
  // RTP/SAVP with our key in every suite when SRTP is required and the signaling secure.
  std::string offer(const LocalMedia& local, bool secure_signaling = false) const;

  static constexpr std::size_t kMaxSdpBytes = std::size_t{16} * 1024;
  static constexpr std::size_t kMaxFormats = 64;
  static constexpr std::size_t kMaxMediaLines = 16;

 private:
  static std::string audioLines(const NegotiatedAudio& audio, const LocalMedia& local);
  std::variant<NegotiatedAudio, SdpRejection> negotiateLine(const sdp_session_s& session,
                                                            const sdp_media_s& media,
                                                            bool secure_signaling) const;

  std::vector<mixer::codec::CodecKind> preference_;
  MediaFamilies families_;
  SrtpPolicy srtp_;
};

}  // namespace mcu::sip
