#include "mcu/sip/sdp_negotiator.h"

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <sstream>

#include "mcu/sip/sdp_guard.h"

namespace mcu::sip {
namespace {

using mixer::codec::CodecKind;
using Result = std::variant<NegotiatedAudio, SdpRejection>;

constexpr const char* kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
// RFC 6465: the levels of the talkers in the mix we send, beside their CSRCs.
constexpr const char* kCsrcLevelsUri = "urn:ietf:params:rtp-hdrext:csrc-audio-level";

SdpRejection reject(std::string warning, int status = 488) { return {status, std::move(warning)}; }

bool sameName(const char* a, const char* b) {
  return a != nullptr && b != nullptr && strcasecmp(a, b) == 0;
}

// Static payload types may come without an a=rtpmap (RFC 3551 table 4).
std::optional<CodecKind> kindOf(const sdp_rtpmap_t& rm) {
  if (sameName(rm.rm_encoding, "opus") && rm.rm_rate == 48000) {
    return CodecKind::kOpus;
  }
  if ((sameName(rm.rm_encoding, "G722") && rm.rm_rate == 8000) ||
      (rm.rm_encoding == nullptr && rm.rm_pt == 9)) {
    return CodecKind::kG722;
  }
  if ((sameName(rm.rm_encoding, "PCMU") && rm.rm_rate == 8000) ||
      (rm.rm_encoding == nullptr && rm.rm_pt == 0)) {
    return CodecKind::kPcmu;
  }
  if ((sameName(rm.rm_encoding, "PCMA") && rm.rm_rate == 8000) ||
      (rm.rm_encoding == nullptr && rm.rm_pt == 8)) {
    return CodecKind::kPcma;
  }
  return std::nullopt;
}

// "a=b; c=d" -> the value of key, if present.
std::optional<int> fmtpValue(const char* fmtp, std::string_view key) {
  if (fmtp == nullptr) {
    return std::nullopt;
  }
  std::string_view text(fmtp);
  while (!text.empty()) {
    const auto semi = text.find(';');
    std::string_view item = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    const auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == key) {
      int v = 0;
      const auto value = item.substr(eq + 1);
      if (std::from_chars(value.data(), value.data() + value.size(), v).ec == std::errc()) {
        return v;
      }
    }
  }
  return std::nullopt;
}

const char* attribute(const sdp_attribute_t* list, const char* name) {
  for (const sdp_attribute_t* a = list; a != nullptr; a = a->a_next) {
    if (sameName(a->a_name, name)) {
      return a->a_value != nullptr ? a->a_value : "";
    }
  }
  return nullptr;
}

void readDirection(const sdp_media_t& m, bool on_hold_address, NegotiatedAudio& out) {
  const auto mode = static_cast<sdp_mode_t>(m.m_mode);
  // Their sendonly or inactive is a hold: out of the mix, and we stop sending.
  if (on_hold_address || mode == sdp_inactive) {
    out.receive = out.send = false;
    out.answer_direction = "inactive";
  } else if (mode == sdp_sendonly) {
    out.receive = out.send = false;
    out.answer_direction = "recvonly";
  } else if (mode == sdp_recvonly) {
    out.receive = false;  // a listen-only participant
    out.answer_direction = "sendonly";
  }
}

void readExtras(const sdp_media_t& m, NegotiatedAudio& out) {
  out.rtcp_mux = attribute(m.m_attributes, "rtcp-mux") != nullptr;
  if (const char* rtcp = attribute(m.m_attributes, "rtcp")) {
    unsigned port = 0;
    if (std::from_chars(rtcp, rtcp + std::strlen(rtcp), port).ec == std::errc() && port > 0 &&
        port < 65536) {
      out.remote_rtcp_port = static_cast<std::uint16_t>(port);
    }
  }
  if (const char* ptime = attribute(m.m_attributes, "ptime")) {
    std::from_chars(ptime, ptime + std::strlen(ptime), out.ptime);
  }
  for (const sdp_attribute_t* a = m.m_attributes; a != nullptr; a = a->a_next) {
    if (!sameName(a->a_name, "extmap") || a->a_value == nullptr) {
      continue;
    }
    int id = 0;
    std::from_chars(a->a_value, a->a_value + std::strlen(a->a_value), id);
    if (id < 1 || id > 14) {
      continue;  // one-byte header ids only (RFC 8285)
    }
    if (std::strstr(a->a_value, kAudioLevelUri) != nullptr) {
      out.audio_level_ext_id = id;
    } else if (std::strstr(a->a_value, kCsrcLevelsUri) != nullptr) {
      out.csrc_level_ext_id = id;
    }
  }
}

// v=, o=, s=, c= and t= lines: the same in our answers and our offers.
std::string sessionLines(const LocalMedia& local) {
  const bool v6 = local.address.find(':') != std::string::npos;
  const std::string net = v6 ? "IN IP6 " : "IN IP4 ";
  return "v=0\r\no=mcu " + std::to_string(local.session_id) + " " +
         std::to_string(local.session_version) + " " + net + local.address +
         "\r\ns=mcu\r\nc=" + net + local.address + "\r\nt=0 0\r\n";
}

std::string encodingName(CodecKind kind) { return std::string(mixer::codec::codecName(kind)); }

// RFC 4568 §7.1.1: the offerer lists its choices in preference order; the answer takes one.
std::optional<CryptoAttribute> firstUsableCrypto(const sdp_media_t& m) {
  for (const sdp_attribute_t* a = m.m_attributes; a != nullptr; a = a->a_next) {
    if (sameName(a->a_name, "crypto") && a->a_value != nullptr) {
      if (auto crypto = parseCrypto(a->a_value)) {
        return crypto;
      }
    }
  }
  return std::nullopt;
}

OfferedLine offeredLine(const sdp_media_t& m) {
  OfferedLine line;
  line.media = m.m_type_name != nullptr ? m.m_type_name : "audio";
  line.proto = m.m_proto_name != nullptr ? m.m_proto_name : "RTP/AVP";
  // RTP lines list payload types (sofia keeps them as rtpmaps), others their formats.
  for (const sdp_rtpmap_t* rm = m.m_rtpmaps; rm != nullptr; rm = rm->rm_next) {
    // Appended in two steps: `" " + to_string()` trips GCC 12's -Wrestrict false positive.
    line.formats += ' ';
    line.formats += std::to_string(rm->rm_pt);
  }
  for (const sdp_list_t* f = m.m_rtpmaps == nullptr ? m.m_format : nullptr; f != nullptr;
       f = f->l_next) {
    if (f->l_text != nullptr) {
      line.formats += ' ';
      line.formats += f->l_text;
    }
  }
  if (line.formats.empty()) {
    line.formats = " 0";  // RFC 8866 §5.14: at least one format, even on a declined line
  }
  return line;
}

}  // namespace

SdpNegotiator::SdpNegotiator(std::vector<CodecKind> preference, MediaFamilies families,
                             SrtpPolicy srtp)
    : preference_(std::move(preference)), families_(families), srtp_(srtp) {}

Result SdpNegotiator::negotiate(const std::string& offer, bool secure_signaling) const {
  auto result = negotiateStreams(offer, secure_signaling, 1);
  if (auto* rejection = std::get_if<SdpRejection>(&result)) {
    return *rejection;
  }
  auto& negotiated = std::get<NegotiatedStreams>(result);
  if (negotiated.streams.empty()) {
    return reject("304 mcu \"no audio stream offered\"");
  }
  return std::move(negotiated.streams.front());
}

std::variant<NegotiatedStreams, SdpRejection> SdpNegotiator::negotiateStreams(
    const std::string& offer, bool secure_signaling, std::size_t max_streams) const {
  if (offer.size() > kMaxSdpBytes) {
    return reject("399 mcu \"SDP too large\"");
  }
  if (const auto problem = unsafeSdp(offer)) {
    return reject("399 mcu \"malformed SDP: " + *problem + "\"");
  }
  su_home_t home[1] = {SU_HOME_INIT(home)};  // NOLINT(modernize-avoid-c-arrays): sofia idiom
  struct HomeGuard {
    su_home_t* h;
    ~HomeGuard() { su_home_deinit(h); }
  } guard{home};
  sdp_parser_t* parser = sdp_parse(home, offer.data(), static_cast<issize_t>(offer.size()), 0);
  const sdp_session_t* session = sdp_session(parser);
  if (session == nullptr) {
    const char* why = sdp_parsing_error(parser);
    return reject(std::string("399 mcu \"malformed SDP: ") + (why != nullptr ? why : "?") + "\"");
  }
  NegotiatedStreams out;
  std::optional<SdpRejection> first_problem;
  bool all_removed = true;
  for (const sdp_media_t* m = session->sdp_media; m != nullptr; m = m->m_next) {
    if (out.lines.size() >= kMaxMediaLines) {
      return reject("399 mcu \"too many media lines\"");
    }
    out.lines.push_back(offeredLine(*m));
    all_removed = all_removed && m->m_port == 0;
    // The first audio lines we can use are the streams; every other line is declined (port
    // 0), never the whole offer (a best-effort SRTP offer, video, T.38 beside audio).
    if (out.streams.size() >= max_streams || m->m_type != sdp_media_audio || m->m_port == 0 ||
        m->m_rejected) {
      continue;
    }
    auto result = negotiateLine(*session, *m, secure_signaling);
    if (auto* audio = std::get_if<NegotiatedAudio>(&result)) {
      // An alternative of a line taken already, not another caller: one RTP port carries one
      // stream, and a best-effort SRTP offer repeats its stream as RTP/SAVP and RTP/AVP (a
      // trunk's callers all come the same way).
      const bool twin = std::any_of(out.streams.begin(), out.streams.end(), [&](const auto& t) {
        return (t.remote_host == audio->remote_host && t.remote_port == audio->remote_port) ||
               t.crypto.has_value() != audio->crypto.has_value();
      });
      if (!twin) {
        audio->line_index = out.lines.size() - 1;
        out.streams.push_back(std::move(*audio));
      }
    } else if (!first_problem) {
      first_problem = std::get<SdpRejection>(result);
    }
  }
  if (out.streams.empty() && !(all_removed && !out.lines.empty())) {
    return first_problem.value_or(reject("304 mcu \"no audio stream offered\""));
  }
  for (auto& stream : out.streams) {
    stream.lines = out.lines;
  }
  return out;
}

Result SdpNegotiator::negotiateLine(const sdp_session_s& session, const sdp_media_s& audio,
                                    bool secure_signaling) const {
  std::optional<CryptoAttribute> crypto;
  if (audio.m_proto == sdp_proto_srtp) {
    if (srtp_.mode == SrtpPolicy::Mode::kOff) {
      return reject("302 mcu \"SRTP is off here: offer RTP/AVP\"");
    }
    if (!secure_signaling && !srtp_.keys_over_insecure_sip) {
      return reject("302 mcu \"SRTP keys (a=crypto) are taken only over TLS (sips:)\"");
    }
    crypto = firstUsableCrypto(audio);
    if (!crypto) {
      return reject(
          "302 mcu \"no usable a=crypto: we take AES_CM_128_HMAC_SHA1_80, "
          "AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM with one inline key\"");
    }
  } else if (audio.m_proto != sdp_proto_rtp) {
    return reject("302 mcu \"only RTP/AVP and RTP/SAVP are supported\"");
  } else if (srtp_.mode == SrtpPolicy::Mode::kRequired) {
    return reject("302 mcu \"SRTP is required here: offer RTP/SAVP with a=crypto over TLS\"");
  }
  if (audio.m_port > 65535) {
    return reject("399 mcu \"bad media port\"");
  }
  const sdp_connection_t* c =
      audio.m_connections != nullptr ? audio.m_connections : session.sdp_connection;
  if (c == nullptr || c->c_address == nullptr) {
    return reject("399 mcu \"no connection address (c=)\"");
  }
  // RFC 3261 §20.43 warn-code 300/301: a network or address type we cannot reach.
  if (c->c_nettype != sdp_net_in ||
      (c->c_addrtype != sdp_addr_ip4 && c->c_addrtype != sdp_addr_ip6)) {
    return reject("300 mcu \"incompatible network protocol\"");
  }
  if ((c->c_addrtype == sdp_addr_ip4 && !families_.ipv4) ||
      (c->c_addrtype == sdp_addr_ip6 && !families_.ipv6)) {
    return reject(std::string("301 mcu \"incompatible network address format: our media is ") +
                  (families_.ipv4 ? "IPv4" : "IPv6") + " only\"");
  }
  std::size_t formats = 0;
  for (const sdp_rtpmap_t* rm = audio.m_rtpmaps; rm != nullptr; rm = rm->rm_next) {
    ++formats;
  }
  if (formats > kMaxFormats) {
    return reject("399 mcu \"too many formats\"");
  }
  NegotiatedAudio out;
  out.remote_host = c->c_address;
  out.remote_port = static_cast<std::uint16_t>(audio.m_port);
  bool found = false;
  for (const CodecKind wanted : preference_) {
    for (const sdp_rtpmap_t* rm = audio.m_rtpmaps; rm != nullptr && !found; rm = rm->rm_next) {
      if (kindOf(*rm) != wanted) {
        continue;
      }
      out.codec.kind = wanted;
      out.codec.payload_type = static_cast<std::uint8_t>(rm->rm_pt);
      if (wanted == CodecKind::kOpus) {
        out.codec.inband_fec = fmtpValue(rm->rm_fmtp, "useinbandfec").value_or(0) == 1;
        out.codec.channels = fmtpValue(rm->rm_fmtp, "stereo").value_or(0) == 1 ? 2 : 1;
        if (auto rate = fmtpValue(rm->rm_fmtp, "maxaveragebitrate")) {
          out.codec.max_bitrate = std::clamp(*rate, 6000, 510000);
        }
      }
      found = true;
    }
    if (found) {
      break;
    }
  }
  if (!found) {
    return reject("305 mcu \"no common codec: we offer opus, G722, PCMU, PCMA\"");
  }
  // telephone-event at the chosen codec's RTP clock (RFC 4733 §2.1), else at any rate.
  const int clock = mixer::codec::rtpClockRate(out.codec.kind);
  for (const sdp_rtpmap_t* rm = audio.m_rtpmaps; rm != nullptr; rm = rm->rm_next) {
    if (sameName(rm->rm_encoding, "telephone-event") &&
        (out.telephone_event_pt < 0 || static_cast<int>(rm->rm_rate) == clock)) {
      out.telephone_event_pt = rm->rm_pt;
      out.telephone_event_rate = static_cast<int>(rm->rm_rate);
    }
  }
  const bool hold_address = std::strcmp(c->c_address, "0.0.0.0") == 0;
  readDirection(audio, hold_address, out);
  readExtras(audio, out);
  out.crypto = std::move(crypto);
  return out;
}

std::string SdpNegotiator::answer(const NegotiatedAudio& audio, const LocalMedia& local,
                                  const std::vector<AnsweredStream>& more) {
  std::ostringstream s;
  s << sessionLines(local);
  for (std::size_t i = 0; i < audio.lines.size(); ++i) {
    const auto other = std::find_if(more.begin(), more.end(), [i](const AnsweredStream& m) {
      return m.audio != nullptr && m.audio->line_index == i;
    });
    if (i == audio.line_index) {
      s << audioLines(audio, local);
    } else if (other != more.end()) {
      LocalMedia own = local;
      own.port = other->port;
      s << audioLines(*other->audio, own);
    } else {
      const OfferedLine& line = audio.lines[i];
      s << "m=" << line.media << " 0 " << line.proto << line.formats << "\r\n";
    }
  }
  if (audio.lines.empty()) {  // made in code, not from an offer: the one audio line
    s << audioLines(audio, local);
  }
  return s.str();
}

std::string SdpNegotiator::declineAll(const std::vector<OfferedLine>& lines,
                                      const LocalMedia& local) {
  std::string sdp = sessionLines(local);
  for (const auto& line : lines) {
    sdp += "m=" + line.media + " 0 " + line.proto + line.formats + "\r\n";
  }
  return sdp;
}

std::string SdpNegotiator::audioLines(const NegotiatedAudio& audio, const LocalMedia& local) {
  std::ostringstream s;
  s << "m=audio " << local.port << (audio.crypto ? " RTP/SAVP " : " RTP/AVP ")
    << static_cast<int>(audio.codec.payload_type);
  if (audio.telephone_event_pt >= 0) {
    s << " " << audio.telephone_event_pt;
  }
  s << "\r\n";
  const int pt = audio.codec.payload_type;
  if (audio.codec.kind == CodecKind::kOpus) {
    s << "a=rtpmap:" << pt << " opus/48000/2\r\n"
      << "a=fmtp:" << pt << " useinbandfec=" << (audio.codec.inband_fec ? 1 : 0)
      << "; maxaveragebitrate=" << audio.codec.max_bitrate
      << (audio.codec.channels == 2 ? "; stereo=1; sprop-stereo=1" : "") << "\r\n";
  } else {
    s << "a=rtpmap:" << pt << " " << encodingName(audio.codec.kind) << "/8000\r\n";
  }
  if (audio.telephone_event_pt >= 0) {
    s << "a=rtpmap:" << audio.telephone_event_pt << " telephone-event/"
      << audio.telephone_event_rate << "\r\n"
      << "a=fmtp:" << audio.telephone_event_pt << " 0-15\r\n";
  }
  s << "a=ptime:20\r\n";
  if (audio.rtcp_mux) {
    s << "a=rtcp-mux\r\n";
  } else {
    s << "a=rtcp:" << local.port + 1 << "\r\n";
  }
  if (audio.audio_level_ext_id > 0) {
    s << "a=extmap:" << audio.audio_level_ext_id << " " << kAudioLevelUri << "\r\n";
  }
  if (audio.csrc_level_ext_id > 0 && audio.csrc_level_ext_id != audio.audio_level_ext_id) {
    s << "a=extmap:" << audio.csrc_level_ext_id << " " << kCsrcLevelsUri << "\r\n";
  }
  if (audio.crypto) {
    s << cryptoLine(audio.crypto->tag, audio.crypto->suite, local.srtp_key);
  }
  s << "a=" << audio.answer_direction << "\r\n";
  return s.str();
}

std::string SdpNegotiator::offer(const LocalMedia& local, bool secure_signaling) const {
  std::ostringstream m;
  std::ostringstream attrs;
  for (const CodecKind kind : preference_) {
    switch (kind) {
      case CodecKind::kOpus:
        m << " 111";
        attrs << "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n";
        break;
      case CodecKind::kG722:
        m << " 9";
        attrs << "a=rtpmap:9 G722/8000\r\n";
        break;
      case CodecKind::kPcmu:
        m << " 0";
        attrs << "a=rtpmap:0 PCMU/8000\r\n";
        break;
      case CodecKind::kPcma:
        m << " 8";
        attrs << "a=rtpmap:8 PCMA/8000\r\n";
        break;
    }
  }
  std::ostringstream s;
  const bool srtp = srtp_.mode == SrtpPolicy::Mode::kRequired && !local.srtp_key.empty() &&
                    (secure_signaling || srtp_.keys_over_insecure_sip);
  s << sessionLines(local) << "m=audio " << local.port << (srtp ? " RTP/SAVP" : " RTP/AVP")
    << m.str() << " 101 126\r\n"
    << attrs.str() << "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
    << "a=rtpmap:126 telephone-event/48000\r\na=fmtp:126 0-15\r\n"
    << "a=ptime:20\r\na=rtcp-mux\r\n"
    // RFC 6465: a callee whose answer keeps it gets the talkers' levels beside their CSRCs,
    // as a caller that offers it does (RFC 8285 one-byte id 2; an answer may use its own).
    << "a=extmap:2 " << kCsrcLevelsUri << "\r\n";
  if (srtp) {
    int tag = 0;
    for (const auto suite :
         {mixer::srtp::SrtpSuite::kAesCm128HmacSha1_80, mixer::srtp::SrtpSuite::kAeadAes128Gcm,
          mixer::srtp::SrtpSuite::kAesCm128HmacSha1_32}) {
      s << cryptoLine(++tag, suite, local.srtp_key);
    }
  }
  s << "a=sendrecv\r\n";
  return s.str();
}

}  // namespace mcu::sip
