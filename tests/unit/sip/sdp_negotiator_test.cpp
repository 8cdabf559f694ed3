#include "mcu/sip/sdp_negotiator.h"

#include <gtest/gtest.h>

namespace mcu::sip {
namespace {

using mixer::codec::CodecKind;

const SdpNegotiator kDefault({CodecKind::kOpus, CodecKind::kG722, CodecKind::kPcmu,
                              CodecKind::kPcma});

std::string offerWith(const std::string& m_line, const std::string& attributes,
                      const std::string& c = "IN IP4 127.0.0.1") {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=" + c + "\r\nt=0 0\r\n" + m_line + "\r\n" +
         attributes;
}

NegotiatedAudio accepted(const std::string& offer, const SdpNegotiator& n = kDefault) {
  auto result = n.negotiate(offer);
  if (auto* r = std::get_if<SdpRejection>(&result)) {
    ADD_FAILURE() << r->warning;
    return {};
  }
  return std::get<NegotiatedAudio>(result);
}

SdpRejection rejected(const std::string& offer) {
  auto result = kDefault.negotiate(offer);
  EXPECT_TRUE(std::holds_alternative<SdpRejection>(result));
  return std::holds_alternative<SdpRejection>(result) ? std::get<SdpRejection>(result)
                                                      : SdpRejection{};
}

TEST(SdpNegotiatorTest, PicksOpusAndKeepsTheCallersPayloadType) {
  const auto a =
      accepted(offerWith("m=audio 4000 RTP/AVP 0 96 101",
                         "a=rtpmap:96 opus/48000/2\r\n"
                         "a=fmtp:96 useinbandfec=1; stereo=1; maxaveragebitrate=40000\r\n"
                         "a=rtpmap:101 telephone-event/48000\r\n"));
  EXPECT_EQ(a.codec.kind, CodecKind::kOpus);
  EXPECT_EQ(a.codec.payload_type, 96);
  EXPECT_TRUE(a.codec.inband_fec);
  EXPECT_EQ(a.codec.channels, 2);
  EXPECT_EQ(a.codec.max_bitrate, 40000);
  EXPECT_EQ(a.telephone_event_pt, 101);
  EXPECT_EQ(a.remote_host, "127.0.0.1");
  EXPECT_EQ(a.remote_port, 4000);
  EXPECT_TRUE(a.receive);
  EXPECT_TRUE(a.send);
}

TEST(SdpNegotiatorTest, ServerPreferenceDecidesNotOfferOrder) {
  const SdpNegotiator pcma_first({CodecKind::kPcma, CodecKind::kPcmu});
  const auto a = accepted(offerWith("m=audio 4000 RTP/AVP 0 8", ""), pcma_first);
  EXPECT_EQ(a.codec.kind, CodecKind::kPcma);
  EXPECT_EQ(a.codec.payload_type, 8);
}

TEST(SdpNegotiatorTest, StaticPayloadTypesWithoutRtpmap) {
  EXPECT_EQ(accepted(offerWith("m=audio 4000 RTP/AVP 9 0", "")).codec.kind, CodecKind::kG722);
  EXPECT_EQ(accepted(offerWith("m=audio 4000 RTP/AVP 0", "")).codec.kind, CodecKind::kPcmu);
  EXPECT_EQ(accepted(offerWith("m=audio 4000 RTP/AVP 8", "")).codec.kind, CodecKind::kPcma);
}

TEST(SdpNegotiatorTest, TelephoneEventAtTheCodecClockIsPreferred) {
  const auto a = accepted(offerWith("m=audio 4000 RTP/AVP 0 100 101",
                                    "a=rtpmap:100 telephone-event/48000\r\n"
                                    "a=rtpmap:101 telephone-event/8000\r\n"));
  EXPECT_EQ(a.telephone_event_pt, 101);
}

TEST(SdpNegotiatorTest, HoldAndListenOnlyDirections) {
  const auto sendonly = accepted(offerWith("m=audio 4000 RTP/AVP 0", "a=sendonly\r\n"));
  EXPECT_FALSE(sendonly.receive);
  EXPECT_FALSE(sendonly.send);
  EXPECT_EQ(sendonly.answer_direction, "recvonly");
  const auto inactive = accepted(offerWith("m=audio 4000 RTP/AVP 0", "a=inactive\r\n"));
  EXPECT_EQ(inactive.answer_direction, "inactive");
  const auto old_hold = accepted(offerWith("m=audio 4000 RTP/AVP 0", "", "IN IP4 0.0.0.0"));
  EXPECT_FALSE(old_hold.send);
  const auto listener = accepted(offerWith("m=audio 4000 RTP/AVP 0", "a=recvonly\r\n"));
  EXPECT_FALSE(listener.receive);
  EXPECT_TRUE(listener.send);
  EXPECT_EQ(listener.answer_direction, "sendonly");
}

TEST(SdpNegotiatorTest, RtcpMuxAndAudioLevelExtension) {
  const auto a = accepted(
      offerWith("m=audio 4000 RTP/AVP 0",
                "a=rtcp-mux\r\na=extmap:3 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"));
  EXPECT_TRUE(a.rtcp_mux);
  EXPECT_EQ(a.audio_level_ext_id, 3);
  EXPECT_EQ(a.csrc_level_ext_id, 0) << "not offered";
  const auto levels = accepted(offerWith(
      "m=audio 4000 RTP/AVP 0", "a=extmap:4 urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"));
  EXPECT_EQ(levels.csrc_level_ext_id, 4);
  EXPECT_NE(SdpNegotiator::answer(levels, {})
                .find("a=extmap:4 urn:ietf:params:rtp-hdrext:csrc-audio-level"),
            std::string::npos);
  const auto b = accepted(offerWith("m=audio 4000 RTP/AVP 0", "a=rtcp:4005\r\n"));
  EXPECT_FALSE(b.rtcp_mux);
  EXPECT_EQ(b.remote_rtcp_port, 4005);
}

TEST(SdpNegotiatorTest, RejectsWithAWarning) {
  EXPECT_NE(rejected(offerWith("m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000\r\n"))
                .warning.find("no common codec"),
            std::string::npos);
  EXPECT_NE(rejected(offerWith("m=video 4000 RTP/AVP 96", "")).warning.find("no audio"),
            std::string::npos);
  EXPECT_NE(rejected("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
                .warning.find("c="),
            std::string::npos);
  EXPECT_EQ(rejected("this is not SDP").status, 488);
  EXPECT_NE(rejected(offerWith("m=audio 4000 RTP/SAVP 0", "")).warning.find("only over TLS"),
            std::string::npos);
  EXPECT_NE(rejected(offerWith("m=audio 4000 RTP/SAVPF 0", "")).warning.find("RTP/AVP"),
            std::string::npos);
}

TEST(SdpNegotiatorTest, HostileOffersAreRejectedNotFatal) {
  std::string many = "m=audio 4000 RTP/AVP";
  std::string maps;
  for (int pt = 0; pt < 128; ++pt) {
    // Appended piecewise: g++ 12 -O2 warns wrongly on `" " + to_string()` (GCC bug 105329).
    many.append(" ").append(std::to_string(pt));
    maps.append("a=rtpmap:").append(std::to_string(pt)).append(" X");
    maps.append(std::to_string(pt)).append("/8000\r\n");
  }
  EXPECT_EQ(rejected(offerWith(many, maps)).status, 488);
  EXPECT_EQ(rejected(offerWith("m=audio 4000 RTP/AVP 0", "a=x:" + std::string(20000, 'x') + "\r\n"))
                .status,
            488);
  EXPECT_EQ(rejected(offerWith("m=audio 99999 RTP/AVP 0", "")).status, 488);
}

TEST(SdpNegotiatorTest, AnswerRoundTripsThroughTheParser) {
  const auto a = accepted(offerWith("m=audio 4000 RTP/AVP 96 101",
                                    "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n"
                                    "a=rtpmap:101 telephone-event/48000\r\na=rtcp-mux\r\n"));
  const std::string answer = SdpNegotiator::answer(a, {"127.0.0.1", 20000, 42, 1, {}});
  EXPECT_NE(answer.find("m=audio 20000 RTP/AVP 96 101\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("a=rtcp-mux"), std::string::npos);
  EXPECT_NE(answer.find("a=sendrecv"), std::string::npos);
  // Our own answer is an acceptable offer for us.
  const auto again = accepted(answer);
  EXPECT_EQ(again.codec.payload_type, 96);
  EXPECT_EQ(again.remote_port, 20000);
}

TEST(SdpNegotiatorTest, OwnOfferListsEveryCodecInPreferenceOrder) {
  const std::string offer = kDefault.offer({"127.0.0.1", 20002, 7, 1, {}});
  EXPECT_NE(offer.find("m=audio 20002 RTP/AVP 111 9 0 8 101 126"), std::string::npos) << offer;
  EXPECT_EQ(accepted(offer).codec.kind, CodecKind::kOpus);
  // RFC 6465 offered too: an answer that keeps the line turns the levels on for the callee.
  EXPECT_NE(offer.find("a=extmap:2 urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"),
            std::string::npos)
      << offer;
  EXPECT_EQ(accepted(offer).csrc_level_ext_id, 2);
}

}  // namespace
}  // namespace mcu::sip

namespace mcu::sip {
namespace {

// RFC 3264 §6: the answer has the offer's lines, in order; the ones we do not take get port 0.
std::vector<std::string> mLines(const std::string& sdp) {
  std::vector<std::string> lines;
  for (std::size_t pos = sdp.find("m="); pos != std::string::npos; pos = sdp.find("\r\nm=", pos)) {
    pos = sdp[pos] == '\r' ? pos + 2 : pos;
    lines.push_back(sdp.substr(pos, sdp.find("\r\n", pos) - pos));
  }
  return lines;
}

std::string answerTo(const std::string& offer) {
  return SdpNegotiator::answer(accepted(offer), {"127.0.0.1", 20000, 42, 1, {}});
}

TEST(SdpNegotiatorTest, VideoBesideAudioIsDeclinedWithPortZeroInItsPlace) {
  const std::string offer = offerWith("m=audio 4000 RTP/AVP 0",
                                      "a=rtpmap:0 PCMU/8000\r\n"
                                      "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
  EXPECT_EQ(mLines(answerTo(offer)),
            (std::vector<std::string>{"m=audio 20000 RTP/AVP 0", "m=video 0 RTP/AVP 96"}));
}

TEST(SdpNegotiatorTest, VideoFirstKeepsItsPlace) {
  const std::string offer = offerWith("m=video 4002 RTP/AVP 96 97",
                                      "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\n"
                                      "m=audio 4000 RTP/AVP 8\r\n");
  const auto a = accepted(offer);
  EXPECT_EQ(a.remote_port, 4000);
  EXPECT_EQ(mLines(answerTo(offer)),
            (std::vector<std::string>{"m=video 0 RTP/AVP 96 97", "m=audio 20000 RTP/AVP 8"}));
}

TEST(SdpNegotiatorTest, T38ImageLineIsDeclinedWithItsFormat) {
  const std::string offer =
      offerWith("m=audio 4000 RTP/AVP 0", "m=image 4004 udptl t38\r\na=T38FaxVersion:0\r\n");
  EXPECT_EQ(mLines(answerTo(offer)),
            (std::vector<std::string>{"m=audio 20000 RTP/AVP 0", "m=image 0 udptl t38"}));
}

TEST(SdpNegotiatorTest, ASecondAudioLineIsDeclinedNotTheOffer) {
  const std::string offer = offerWith("m=audio 4000 RTP/AVP 0", "m=audio 4010 RTP/AVP 8\r\n");
  EXPECT_EQ(mLines(answerTo(offer)),
            (std::vector<std::string>{"m=audio 20000 RTP/AVP 0", "m=audio 0 RTP/AVP 8"}));
}

TEST(SdpNegotiatorTest, BestEffortSrtpOfferGetsItsPlainLineAnswered) {
  // RFC 5939 best effort as phones send it without capability negotiation: SAVP, then AVP.
  const std::string offer =
      offerWith("m=audio 4000 RTP/SAVP 0",
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
                "\r\nm=audio 4002 RTP/AVP 0\r\n");
  const auto a = accepted(offer);
  EXPECT_EQ(a.remote_port, 4002);
  EXPECT_EQ(mLines(answerTo(offer)),
            (std::vector<std::string>{"m=audio 0 RTP/SAVP 0", "m=audio 20000 RTP/AVP 0"}));
}

NegotiatedStreams streamsOf(const std::string& offer, std::size_t max, bool secure = false) {
  auto result = kDefault.negotiateStreams(offer, secure, max);
  if (auto* r = std::get_if<SdpRejection>(&result)) {
    ADD_FAILURE() << r->warning;
    return {};
  }
  return std::get<NegotiatedStreams>(result);
}

TEST(SdpNegotiatorTest, ATrunksAudioLinesAreStreamsUpToTheLimitEachAnsweredOnItsPort) {
  const std::string offer = offerWith("m=video 3000 RTP/AVP 96",
                                      "a=rtpmap:96 VP8/90000\r\n"
                                      "m=audio 4000 RTP/AVP 0\r\nm=audio 4010 RTP/AVP 8\r\n"
                                      "m=audio 4020 RTP/AVP 0\r\n");
  const auto two = streamsOf(offer, 2);
  ASSERT_EQ(two.streams.size(), 2U);
  EXPECT_EQ(two.streams[0].line_index, 1U);
  EXPECT_EQ(two.streams[1].line_index, 2U);
  EXPECT_EQ(two.streams[1].remote_port, 4010);
  EXPECT_EQ(two.streams[1].codec.kind, CodecKind::kPcma);
  const std::string answer = SdpNegotiator::answer(two.streams[0], {"127.0.0.1", 20000, 42, 1, {}},
                                                   {{.audio = &two.streams[1], .port = 20010}});
  EXPECT_EQ(mLines(answer),
            (std::vector<std::string>{"m=video 0 RTP/AVP 96", "m=audio 20000 RTP/AVP 0",
                                      "m=audio 20010 RTP/AVP 8", "m=audio 0 RTP/AVP 0"}));
  EXPECT_EQ(streamsOf(offer, 16).streams.size(), 3U);
}

TEST(SdpNegotiatorTest, TwinLinesOfOneStreamAreOneCaller) {
  // One address and port: the same stream offered twice.
  EXPECT_EQ(streamsOf(offerWith("m=audio 4000 RTP/AVP 0", "m=audio 4000 RTP/AVP 8\r\n"), 4)
                .streams.size(),
            1U);
  // Best-effort SRTP over TLS: SAVP and its AVP twin, both usable, are one caller.
  const std::string best_effort =
      offerWith("m=audio 4000 RTP/SAVP 0",
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
                "\r\nm=audio 4002 RTP/AVP 0\r\n");
  const auto taken = streamsOf(best_effort, 4, true);
  ASSERT_EQ(taken.streams.size(), 1U);
  EXPECT_TRUE(taken.streams[0].crypto.has_value());
}

TEST(SdpNegotiatorTest, AnOfferThatDisablesEveryLineHasNoStreamsAndIsDeclinedInKind) {
  const auto none = streamsOf(offerWith("m=audio 0 RTP/AVP 0", "m=audio 0 RTP/AVP 8\r\n"), 4);
  EXPECT_TRUE(none.streams.empty());
  ASSERT_EQ(none.lines.size(), 2U);
  EXPECT_EQ(mLines(SdpNegotiator::declineAll(none.lines, {"127.0.0.1", 20000, 42, 1, {}})),
            (std::vector<std::string>{"m=audio 0 RTP/AVP 0", "m=audio 0 RTP/AVP 8"}));
  // A first INVITE like it has no stream to answer: 488 as before.
  EXPECT_EQ(rejected(offerWith("m=audio 0 RTP/AVP 0", "")).status, 488);
}

TEST(SdpNegotiatorTest, OnlyUnusableLinesRejectTheWholeOffer) {
  const auto r = rejected(offerWith("m=video 4002 RTP/AVP 96", "a=rtpmap:96 VP8/90000\r\n"));
  EXPECT_EQ(r.status, 488);
  EXPECT_NE(r.warning.find("304"), std::string::npos) << r.warning;
}

TEST(SdpNegotiatorTest, AnOfferOfAFamilyOurSocketsCannotReachIsRefused) {
  const SdpNegotiator v4_only({CodecKind::kPcmu}, {.ipv4 = true, .ipv6 = false});
  auto result = v4_only.negotiate(offerWith("m=audio 4000 RTP/AVP 0", "", "IN IP6 ::1"));
  ASSERT_TRUE(std::holds_alternative<SdpRejection>(result));
  EXPECT_EQ(std::get<SdpRejection>(result).warning.rfind("301 ", 0), 0U)
      << std::get<SdpRejection>(result).warning;
  const SdpNegotiator v6_only({CodecKind::kPcmu}, {.ipv4 = false, .ipv6 = true});
  EXPECT_TRUE(std::holds_alternative<SdpRejection>(
      v6_only.negotiate(offerWith("m=audio 4000 RTP/AVP 0", ""))));
  EXPECT_TRUE(std::holds_alternative<NegotiatedAudio>(
      v6_only.negotiate(offerWith("m=audio 4000 RTP/AVP 0", "", "IN IP6 ::1"))));
  // A room's own codec order keeps the server's families.
  EXPECT_TRUE(std::holds_alternative<SdpRejection>(
      v4_only.withPreference({CodecKind::kPcma})
          .negotiate(offerWith("m=audio 4000 RTP/AVP 8", "", "IN IP6 ::1"))));
}

}  // namespace
}  // namespace mcu::sip

namespace mcu::sip {
namespace {

using mixer::srtp::SrtpSuite;

constexpr const char* kKey80 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";  // 30 bytes

std::string savpOffer(const std::string& crypto_lines) {
  return offerWith("m=audio 4000 RTP/SAVP 0", crypto_lines);
}

SdpNegotiator withSrtp(SrtpPolicy::Mode mode) {
  return SdpNegotiator({CodecKind::kPcmu}, {}, {.mode = mode, .keys_over_insecure_sip = false});
}

TEST(SdpSrtpTest, SavpOverTlsIsAnsweredWithOurKeyUnderTheChosenTag) {
  const std::string offer =
      savpOffer("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKey80) + "|2^20\r\n" +
                "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" + std::string(kKey80) + "\r\n");
  auto result = withSrtp(SrtpPolicy::Mode::kOptional).negotiate(offer, true);
  ASSERT_TRUE(std::holds_alternative<NegotiatedAudio>(result));
  const auto& a = std::get<NegotiatedAudio>(result);
  ASSERT_TRUE(a.crypto.has_value());
  EXPECT_EQ(a.crypto->tag, 1);
  EXPECT_EQ(a.crypto->suite, SrtpSuite::kAesCm128HmacSha1_80);
  EXPECT_EQ(a.crypto->key, *base64Decode(kKey80));
  LocalMedia local{"127.0.0.1", 20000, 42, 1, std::vector<std::uint8_t>(30, 7)};
  const std::string answer = SdpNegotiator::answer(a, local);
  EXPECT_NE(answer.find("m=audio 20000 RTP/SAVP 0\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" +
                        base64Encode(std::vector<std::uint8_t>(30, 7)) + "\r\n"),
            std::string::npos)
      << answer;
}

TEST(SdpSrtpTest, KeysAreNotTakenOverPlainSip) {
  const std::string only_savp =
      savpOffer("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKey80) + "\r\n");
  auto result = withSrtp(SrtpPolicy::Mode::kOptional).negotiate(only_savp, false);
  ASSERT_TRUE(std::holds_alternative<SdpRejection>(result));
  EXPECT_NE(std::get<SdpRejection>(result).warning.find("TLS"), std::string::npos);
  const SdpNegotiator insecure_ok(
      {CodecKind::kPcmu}, {},
      {.mode = SrtpPolicy::Mode::kOptional, .keys_over_insecure_sip = true});
  EXPECT_TRUE(std::holds_alternative<NegotiatedAudio>(insecure_ok.negotiate(only_savp, false)));
}

TEST(SdpSrtpTest, BestEffortOfferFollowsThePolicy) {
  const std::string both =
      offerWith("m=audio 4000 RTP/SAVP 0",
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKey80) +
                    "\r\nm=audio 4002 RTP/AVP 0\r\n");
  const auto pick = [&](SrtpPolicy::Mode mode, bool tls) {
    auto r = withSrtp(mode).negotiate(both, tls);
    return std::holds_alternative<NegotiatedAudio>(r)
               ? static_cast<int>(std::get<NegotiatedAudio>(r).remote_port)
               : 488;
  };
  EXPECT_EQ(pick(SrtpPolicy::Mode::kOptional, true), 4000);
  EXPECT_EQ(pick(SrtpPolicy::Mode::kOptional, false), 4002);
  EXPECT_EQ(pick(SrtpPolicy::Mode::kOff, true), 4002);
  EXPECT_EQ(pick(SrtpPolicy::Mode::kRequired, true), 4000);
  EXPECT_EQ(pick(SrtpPolicy::Mode::kRequired, false), 488);
}

TEST(SdpSrtpTest, RequiredRefusesPlainRtpWith488AndAWarning) {
  auto r = withSrtp(SrtpPolicy::Mode::kRequired)
               .negotiate(offerWith("m=audio 4000 RTP/AVP 0", ""), true);
  ASSERT_TRUE(std::holds_alternative<SdpRejection>(r));
  EXPECT_EQ(std::get<SdpRejection>(r).status, 488);
  EXPECT_NE(std::get<SdpRejection>(r).warning.find("SRTP is required"), std::string::npos);
}

TEST(SdpSrtpTest, OurOfferCarriesEverySuiteWhenSrtpIsRequired) {
  LocalMedia local{"127.0.0.1", 20000, 42, 1, std::vector<std::uint8_t>(30, 9)};
  const std::string offer = withSrtp(SrtpPolicy::Mode::kRequired).offer(local, true);
  EXPECT_NE(offer.find("RTP/SAVP"), std::string::npos) << offer;
  EXPECT_NE(offer.find("a=crypto:2 AEAD_AES_128_GCM inline:"), std::string::npos) << offer;
  EXPECT_EQ(withSrtp(SrtpPolicy::Mode::kOptional).offer(local, true).find("SAVP"),
            std::string::npos);
}

TEST(SdesCryptoTest, ParsesWhatWeCanUseAndRefusesTheRest) {
  const std::string key(kKey80);
  ASSERT_TRUE(parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + key).has_value());
  EXPECT_FALSE(parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|2^20|1:4")) << "an MKI";
  EXPECT_FALSE(parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + key + " UNENCRYPTED_SRTP"));
  EXPECT_FALSE(parseCrypto("1 F8_128_HMAC_SHA1_80 inline:" + key)) << "a suite we lack";
  EXPECT_FALSE(parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:QUJD")) << "a short key";
  EXPECT_FALSE(parseCrypto("x AES_CM_128_HMAC_SHA1_80 inline:" + key));
  const std::vector<std::uint8_t> gcm_key(28, 3);
  const auto gcm = parseCrypto("5 AEAD_AES_128_GCM inline:" + base64Encode(gcm_key));
  ASSERT_TRUE(gcm.has_value());
  EXPECT_EQ(gcm->tag, 5);
  EXPECT_EQ(gcm->key, gcm_key);
}

TEST(SdesCryptoTest, Base64RoundTripsEveryLength) {
  std::vector<std::uint8_t> bytes;
  for (int n = 0; n < 40; ++n) {
    EXPECT_EQ(base64Decode(base64Encode(bytes)), bytes) << n;
    bytes.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
  EXPECT_EQ(base64Encode(std::vector<std::uint8_t>{'M', 'a', 'n'}), "TWFu");
  EXPECT_FALSE(base64Decode("A!==").has_value());
}

// Found by tests/fuzz/sdp_fuzz: sofia-sip's sdp_parse() never returns (allocating gigabytes)
// on an m= line whose format list it cannot tokenize. Refused before it parses.
TEST(SdpNegotiatorTest, AnMLineWithNonAsciiBytesIsRefusedBeforeSofiaParsesIt) {
  for (const std::string line :
       {"m=audio 4000 X\x80\x80 0", "m=audio 4000 RTP/A\xc3\xa9 0", "m=audio 4000 R\xc3\xa9 0",
        "m=audio 4n==", "m=audio 4000 udp =", "m=audio 4000 RTP/AVP", "m=audio 49217 / 0 0\t\t",
        "m=audio 4000 RTP/ 0", "m=audio 4000 RTP/AVP\t0"}) {
    const auto result = kDefault.negotiate(offerWith(line, ""));
    ASSERT_TRUE(std::holds_alternative<SdpRejection>(result)) << line;
    EXPECT_NE(std::get<SdpRejection>(result).warning.find("malformed SDP"), std::string::npos);
  }
  // A bare CR ends a line for sofia too.
  EXPECT_TRUE(std::holds_alternative<SdpRejection>(
      kDefault.negotiate("v=0\r\rm=- 101 IN 127.0.\xfd\xff\r\n")));
  // Extra spaces between the fields are tolerated, as phones send them.
  EXPECT_TRUE(std::holds_alternative<NegotiatedAudio>(
      kDefault.negotiate(offerWith("m=audio  4000 RTP/AVP 0 ", ""))));
  // Free text may be UTF-8 (RFC 8866 §5.3): a session name in French is fine.
  EXPECT_TRUE(std::holds_alternative<NegotiatedAudio>(
      kDefault.negotiate("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=R\xc3\xa9union\r\n"
                         "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")));
}

}  // namespace
}  // namespace mcu::sip
