// What carriers, PBXs and phones other than ours need of a dial-in, against the real server:
// Contacts that name the transport, answers that keep the offer's lines, DTMF by SIP INFO,
// 100rel, RFC 4028 negotiation, media addresses the sockets can serve, continuous RTP, no RTP
// reflection, and dial-out through an outbound proxy. baresip over UDP, TCP and TLS is in
// baresip_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mcu/sip/sdes_crypto.h"
#include "mixer/rtp/rtp_packet.h"
#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

class SipInteropTest : public SipCallTest {
 protected:
  // The server again, with TLS on a port of its own.
  std::uint16_t startWithTls(std::map<std::string, std::string> env = {}) {
    const std::uint16_t tls_port = freeUdpTcpPort();
    env["MCU_SIP_TLS_LISTEN"] = "127.0.0.1:" + std::to_string(tls_port);
    env["MCU_SIP_TLS_CERT_DIR"] = kTlsDir;
    server_.reset();
    start(env);
    return tls_port;
  }
  static constexpr const char* kTlsDir = MCU_SOURCE_DIR "/tests/data/tls";
  static std::vector<std::string> contactsIn(const std::string& message_file) {
    std::vector<std::string> contacts;
    std::string log = readFile(message_file);
    std::erase(log, '\r');
    for (auto pos = log.find("message received"); pos != std::string::npos;
         pos = log.find("message received", pos + 1)) {
      const std::string message = log.substr(pos, log.find("-----------------", pos) - pos);
      const auto start = message.find("SIP/2.0 200");
      if (start != std::string::npos && message.find(" INVITE\n") != std::string::npos) {
        contacts.push_back(headerValue(message.substr(start), "Contact"));
      }
    }
    return contacts;
  }
};

TEST_F(SipInteropTest, ATcpCallerIsToldToStayOnTcpThroughHoldResumeAndBye) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  const TempPath messages("sipp-tcp");
  const auto result =
      runSipp("hold_resume.xml", "overtcp",
              {"-t", "t1", "-m", "1", "-trace_msg", "-message_file", messages.path()});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const auto contacts = contactsIn(messages.path());
  ASSERT_EQ(contacts.size(), 4U) << readFile(messages.path());  // INVITE and three re-INVITEs
  for (const auto& contact : contacts) {
    EXPECT_NE(contact.find(";transport=tcp>"), std::string::npos) << contact;
    EXPECT_EQ(contact.rfind("<sip:overtcp@127.0.0.1:", 0), 0U) << contact;
  }
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE left_at IS NOT NULL"), "bye");
}

TEST_F(SipInteropTest, ASipsCallerOverTlsHearsTheRoomAndIsHeard) {
  const std::uint16_t tls_port = startWithTls();
  Caller plain = dial("secure", "opus", 500);
  SipUac phone(tls_port, std::string(kTlsDir) + "/cafile.pem");
  ASSERT_TRUE(phone.error().empty()) << phone.error();
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 800);
  const auto reply = phone.invite("secure", sdpOffer(media.port(), "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  EXPECT_EQ(headerValue(reply.message, "Contact")
                .rfind("<sips:secure@127.0.0.1:" + std::to_string(tls_port) + ">", 0),
            0U)
      << reply.message;
  media.setServerPort(sdpAudioPort(reply.body));
  runFrames({plain.media.get(), &media}, 60);
  EXPECT_GT(level(plain, 800), kHeard) << "the sips: caller is heard";
  EXPECT_GT(goertzelDb(media.lastAudio(600), 500), kHeard) << "and hears the room";
  EXPECT_EQ(phone.bye().status, 200);
}

TEST_F(SipInteropTest, SrtpOffersOverTlsAreAnsweredAndTheirAudioGoesBothWays) {
  const std::uint16_t tls_port = startWithTls();
  Caller plain = dial("vault", "opus", 500);
  for (const auto suite :
       {mixer::srtp::SrtpSuite::kAesCm128HmacSha1_80, mixer::srtp::SrtpSuite::kAeadAes128Gcm}) {
    const std::string name(mixer::srtp::suiteName(suite));
    SCOPED_TRACE(name);
    SipUac phone(tls_port, std::string(kTlsDir) + "/cafile.pem");
    ASSERT_TRUE(phone.error().empty()) << phone.error();
    RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 800);
    const std::vector<std::uint8_t> key(mixer::srtp::masterKeyLength(suite), 0x5A);
    std::string offer = sdpOffer(media.port(), "PCMU");
    offer.replace(offer.find("RTP/AVP"), 7, "RTP/SAVP");
    offer += "a=crypto:7 " + name + " inline:" + sip::base64Encode(key) + "\r\n";
    const auto reply = phone.invite("vault", offer);
    ASSERT_EQ(reply.status, 200) << reply.message;
    const std::string prefix = "a=crypto:7 " + name + " inline:";
    const auto at = reply.body.find(prefix);
    ASSERT_NE(at, std::string::npos) << reply.body;
    const auto start_of_key = at + prefix.size();
    const auto theirs = sip::base64Decode(
        reply.body.substr(start_of_key, reply.body.find("\r\n", at) - start_of_key));
    ASSERT_TRUE(theirs.has_value());
    media.setSrtp({suite, key, *theirs});
    media.setServerPort(sdpAudioPort(reply.body));
    runFrames({plain.media.get(), &media}, 60);
    EXPECT_GT(level(plain, 800), kHeard) << "its SRTP is decrypted into the room";
    EXPECT_GT(goertzelDb(media.lastAudio(600), 500), kHeard) << "the room reaches it as SRTP";
    EXPECT_EQ(media.srtpFailures(), 0U);
    EXPECT_EQ(phone.bye().status, 200);
  }
}

TEST_F(SipInteropTest, SrtpKeysOverPlainUdpAreRefusedAndRequiredRefusesPlainRtp) {
  SipUac udp(server_->sipPort());
  std::string offer = sdpOffer(40000, "PCMU");
  offer.replace(offer.find("RTP/AVP"), 7, "RTP/SAVP");
  offer += "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" +
           sip::base64Encode(std::vector<std::uint8_t>(30, 1)) + "\r\n";
  const auto insecure = udp.invite("keys", offer);
  EXPECT_EQ(insecure.status, 488) << "keys in the clear are not taken";
  EXPECT_NE(headerValue(insecure.message, "Warning").find("TLS"), std::string::npos);
  startWithTls({{"MCU_MEDIA_SRTP", "required"}});
  SipUac plain(server_->sipPort());
  const auto refused = plain.invite("keys", sdpOffer(40000, "PCMU"));
  EXPECT_EQ(refused.status, 488);
  EXPECT_NE(headerValue(refused.message, "Warning").find("SRTP is required"), std::string::npos);
}

TEST_F(SipInteropTest, ARoomsOwnSrtpPolicyOverridesTheServers) {
  db_.exec("INSERT INTO rooms (name, srtp) VALUES ('strict', 'required')");
  server_.reset();
  start({});
  int status = 0;
  dial("strict", "PCMU", 500, &status);
  EXPECT_EQ(status, 488) << "plain RTP refused in a room that requires SRTP";
  dial("relaxed", "PCMU", 500, &status);
  EXPECT_EQ(status, 200) << "the server's policy (optional) elsewhere";
}

TEST_F(SipInteropTest, VideoAndT38LinesAreDeclinedInPlaceAndAudioAnswered) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  const auto result = runSipp("media_lines.xml", "fax", {"-m", "1", "-trace_err"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(db_.awaitScalar("SELECT codec || ' ' || leave_reason FROM calls WHERE left_at IS "
                            "NOT NULL"),
            "PCMU bye");
}

TEST_F(SipInteropTest, DtmfBySipInfoKeysThePin) {
  db_.exec("INSERT INTO rooms (name, pin_hash) VALUES ('board', '1234')");
  server_.reset();
  start({});
  Caller member = dial("board;pin=1234", "opus", 500);
  Caller guest = dial("board", "opus", 800);  // no PIN: answered, held apart until keyed in
  runFrames({member.media.get(), guest.media.get()}, 30);
  EXPECT_LT(level(member, 800, 400), kNotHeard) << "not in the room before the PIN";
  EXPECT_EQ(guest.sip->info("application/dtmf-relay", "Signal=1\r\nDuration=160\r\n").status, 200);
  EXPECT_EQ(guest.sip->info("application/dtmf", "2").status, 200);
  EXPECT_EQ(guest.sip->info("application/dtmf-relay", "Signal=3\r\nDuration=160\r\n").status, 200);
  EXPECT_EQ(guest.sip->info("application/x-unknown", "4").status, 415)
      << "a body we cannot read is refused, not taken as a key";
  EXPECT_EQ(guest.sip->info("application/dtmf-relay", "Signal=4\r\nDuration=160\r\n").status, 200);
  runFrames({member.media.get(), guest.media.get()}, 50);
  EXPECT_GT(level(guest, 500), kHeard) << "in the room after the PIN";
  EXPECT_GT(level(member, 800), kHeard);
}

TEST_F(SipInteropTest, ACallerWaitingForItsPinStillGetsAPacketEveryTwentyMilliseconds) {
  db_.exec("INSERT INTO rooms (name, pin_hash) VALUES ('board', '1234')");
  server_.reset();
  start({});
  Caller guest = dial("board", "PCMU", 800);
  runFrames({guest.media.get()}, 100);  // past the prompt
  const std::size_t before = guest.media->received().size();
  runFrames({guest.media.get()}, 100);  // 2 s of silence for it
  // 100 are sent; half is asserted so that a busy machine (late ticks) cannot fail it, while
  // the bug it guards against sent none.
  EXPECT_GE(guest.media->received().size() - before, 50U)
      << "phones and NATs end a call that receives nothing";
}

TEST_F(SipInteropTest, NoRtpGoesToAnAddressThatNeverSentAny) {
  Caller talker = dial("reflect", "PCMU", 500);
  // An INVITE whose SDP names a third party: a socket of ours that stays silent.
  mixer::UdpSocket victim = mixer::UdpSocket::bind("127.0.0.1", 0);
  SipUac forger(server_->sipPort());
  const std::string offer = sdpOffer(victim.localPort(), "PCMU");
  const auto reply = forger.invite("reflect", offer);
  ASSERT_EQ(reply.status, 200) << reply.message;
  runFrames({talker.media.get()}, 150);  // 3 s of a talking room
  std::array<std::uint8_t, 2048> buffer{};
  mixer::Endpoint from;
  std::size_t bytes = 0;
  for (ssize_t n = victim.receive(buffer, from); n > 0; n = victim.receive(buffer, from)) {
    bytes += static_cast<std::size_t>(n);
  }
  EXPECT_EQ(bytes, 0U) << "amplification toward a silent third party";
  // The real peer speaks from that address: from then on it gets the room.
  mixer::rtp::RtpHeader header;
  header.ssrc = 0x1234;  // payload type 0, PCMU
  const std::vector<std::uint8_t> silence(160, 0xFF);
  std::array<std::uint8_t, 512> packet{};
  const auto server = mixer::resolve({"127.0.0.1", sdpAudioPort(reply.body)});
  ASSERT_TRUE(server.has_value());
  std::size_t packets = 0;
  for (int i = 0; i < 25; ++i) {
    header.sequence = static_cast<std::uint16_t>(i);
    header.timestamp = static_cast<std::uint32_t>(i * 160);
    const std::size_t size = mixer::rtp::writeRtp(header, silence, packet);
    victim.send(std::span(packet.data(), size), *server);
    runFrames({talker.media.get()}, 2);
    while (victim.receive(buffer, from) > 0) {
      ++packets;
    }
  }
  EXPECT_GT(packets, 10U) << "a peer that speaks is answered (about 50 in that second)";
}

// Its end after Timer H is in simulated time: sip_timers_test.cpp.
TEST_F(SipInteropTest, AnAnswerNeverAckedIsNeitherMixedNorCounted) {
  Caller member = dial("acks", "opus", 500);
  RtpPeer ghost_media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 800);
  SipUac ghost(server_->sipPort());
  ghost.setAckInvites(false);
  const auto reply = ghost.invite("acks", sdpOffer(ghost_media.port(), "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  ghost_media.setServerPort(sdpAudioPort(reply.body));
  runFrames({member.media.get(), &ghost_media}, 60);
  EXPECT_LT(level(member, 800), kNotHeard) << "heard before its ACK";
  const std::string token = createToken(db_.url(), "viewer", "acks-viewer");
  const ApiClient api(server_->httpPort(), token);
  EXPECT_EQ(api.get("/v1/rooms/acks").json()["live"]["participants"], 1) << "nor counted";
  std::vector<std::string> states;
  const auto listed = api.get("/v1/rooms/acks/participants");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto listing = listed.json();
  for (const auto& p : listing["items"]) {
    states.push_back(p["state"]);
  }
  std::sort(states.begin(), states.end());
  EXPECT_EQ(states, (std::vector<std::string>{"connecting", "joined"}));
}

TEST_F(SipInteropTest, SdpInAMultipartBodyIsTakenAndAnUnknownBodyIs415) {
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  SipUac gateway(server_->sipPort());
  // SIP-T: the SDP beside an ISUP part (RFC 3204), as PSTN gateways send it.
  const std::string body = "--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n" +
                           sdpOffer(media.port(), "PCMU") +
                           "\r\n--unique-boundary-1\r\nContent-Type: application/ISUP;"
                           "version=nxv3\r\n\r\n\x01\x00\x49\x00\x00\x03\x02\x00\x07\r\n"
                           "--unique-boundary-1--\r\n";
  const auto reply =
      gateway.inviteWithBody("multi", "multipart/mixed;boundary=unique-boundary-1", body);
  EXPECT_EQ(reply.status, 200) << reply.message;
  EXPECT_EQ(sdpAudioPort(reply.body) != 0, true) << reply.body;
  SipUac odd(server_->sipPort());
  const auto refused = odd.inviteWithBody("multi", "application/x-private", "hello");
  EXPECT_EQ(refused.status, 415) << refused.message;
  EXPECT_NE(headerValue(refused.message, "Accept").find("application/sdp"), std::string::npos);
}

TEST_F(SipInteropTest, TheConferenceFactoryMakesAnUnguessableRoomNamedInTheContact) {
  RtpPeer first_media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  SipUac first(server_->sipPort());
  const auto reply = first.invite("conference-factory", sdpOffer(first_media.port(), "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  const std::string contact = headerValue(reply.message, "Contact");
  ASSERT_EQ(contact.rfind("<sip:conf-", 0), 0U) << contact;
  EXPECT_NE(contact.find(">;isfocus"), std::string::npos) << contact;
  const std::string room = contact.substr(5, contact.find('@') - 5);
  EXPECT_EQ(room.size(), 5U + 16U) << room << ": 64 random bits";
  first_media.setServerPort(sdpAudioPort(reply.body));
  // Another party dials the URI the factory gave: they are in one room.
  Caller second = dial(room, "PCMU", 800);
  runFrames({&first_media, second.media.get()}, 50);
  EXPECT_GT(goertzelDb(first_media.lastAudio(600), 800), kHeard);
  EXPECT_GT(level(second, 500), kHeard);
  SipUac again(server_->sipPort());
  const auto another = again.invite("conference-factory", sdpOffer(40000, "PCMU"));
  ASSERT_EQ(another.status, 200) << another.message;
  EXPECT_EQ(headerValue(another.message, "Contact").find("<sip:" + room + "@"), std::string::npos)
      << "each INVITE to the factory makes a new room";
}

TEST_F(SipInteropTest, ACallerRequiring100relIsAnsweredNotRefusedWith420) {
  SipUac caller(server_->sipPort());
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  caller.setExtraHeaders("Supported: 100rel\r\nRequire: 100rel\r\n");
  const auto reply = caller.invite("reliable", sdpOffer(media.port(), "PCMU"));
  EXPECT_EQ(reply.status, 200) << reply.message;
}

TEST_F(SipInteropTest, SessionTimerIsNegotiatedWithRequireTimerForEitherRefresher) {
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  SipUac refreshing(server_->sipPort());
  refreshing.setExtraHeaders("Supported: timer\r\nSession-Expires: 120\r\n");
  const auto uac = refreshing.invite("timers", sdpOffer(media.port(), "PCMU"));
  ASSERT_EQ(uac.status, 200) << uac.message;
  EXPECT_EQ(headerValue(uac.message, "Require"), "timer") << uac.message;
  EXPECT_EQ(headerValue(uac.message, "Session-Expires"), "120;refresher=uac") << uac.message;

  SipUac asking(server_->sipPort());
  asking.setExtraHeaders("Supported: timer\r\nSession-Expires: 600;refresher=uas\r\n");
  const auto uas = asking.invite("timers", sdpOffer(media.port(), "PCMU"));
  ASSERT_EQ(uas.status, 200) << uas.message;
  EXPECT_EQ(headerValue(uas.message, "Require"), "timer") << uas.message;
  EXPECT_EQ(headerCount(uas.message, "Require"), 1) << uas.message;
  EXPECT_EQ(headerValue(uas.message, "Session-Expires"), "600;refresher=uas") << uas.message;

  SipUac plain(server_->sipPort());
  const auto none = plain.invite("timers", sdpOffer(media.port(), "PCMU"));
  ASSERT_EQ(none.status, 200) << none.message;
  EXPECT_EQ(headerCount(none.message, "Require"), 0) << "never Require what it does not support";
}

TEST_F(SipInteropTest, AnIpv6OfferToIpv4MediaIs488NotSilence) {
  SipUac caller(server_->sipPort());
  std::string offer = sdpOffer(40000, "PCMU");
  for (auto at = offer.find("IN IP4 127.0.0.1"); at != std::string::npos;
       at = offer.find("IN IP4 127.0.0.1")) {
    offer.replace(at, 16, "IN IP6 ::1");
  }
  const auto reply = caller.invite("family", offer);
  EXPECT_EQ(reply.status, 488) << reply.message;
  EXPECT_EQ(headerValue(reply.message, "Warning").rfind("301 ", 0), 0U) << reply.message;
}

TEST_F(SipInteropTest, WithOnlyMediaBindSetTheAnswerNamesTheBoundAddress) {
  server_ = std::make_unique<ServerProcess>(
      db_.url(), std::map<std::string, std::string>{{"MCU_MEDIA_BIND", "127.0.0.3"}});
  ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  SipUac caller(server_->sipPort());
  RtpPeer media(gst_, {.kind = CodecKind::kPcmu, .payload_type = 0}, 500);
  const auto reply = caller.invite("bound", sdpOffer(media.port(), "PCMU"));
  ASSERT_EQ(reply.status, 200) << reply.message;
  EXPECT_NE(reply.body.find("c=IN IP4 127.0.0.3\r\n"), std::string::npos) << reply.body;
}

TEST_F(SipInteropTest, DialOutGoesThroughTheOutboundProxy) {
  ASSERT_TRUE(requireTool("/usr/bin/sipp")) << "sipp is missing: install sip-tester";
  // The "proxy" is a sipp UAS; the target's own port has no one: only the proxy can answer.
  const std::uint16_t proxy_port = freeUdpTcpPort();
  const std::uint16_t nobody_port = freeUdpTcpPort();
  server_.reset();
  start({{"MCU_DIALOUT_ALLOW", "127.0.0.1"},
         {"MCU_SIP_OUTBOUND_PROXY", "sip:127.0.0.1:" + std::to_string(proxy_port)}});
  const std::string token = createToken(db_.url(), "admin", "proxy-admin");
  const ApiClient api(server_->httpPort(), token);
  ChildProcess proxy({"/usr/bin/sipp", "-sf", std::string(MCU_SIPP_DIR) + "/uas_answer.xml", "-i",
                      "127.0.0.1", "-p", std::to_string(proxy_port), "-mi", "127.0.0.1", "-m", "1",
                      "-nostdin", "-timeout", "30s", "-timeout_error"},
                     {}, tempPath("sipp-proxy"));
  ASSERT_TRUE(awaitListening(proxy_port, 10s)) << "sipp never bound its port";
  const std::string uri = "sip:far@127.0.0.1:" + std::to_string(nobody_port);
  Caller inside = dial("sales", "opus", 500);
  const auto dialled = api.post("/v1/rooms/sales/participants", R"({"uri":")" + uri + R"("})");
  ASSERT_EQ(dialled.status, 202) << dialled.body;
  const std::string path = dialled.header("Location");
  std::string state;
  for (int i = 0; i < 200 && state != "joined"; ++i) {  // 20 s at most
    std::this_thread::sleep_for(100ms);
    state = api.get(path).json().value("state", "");
  }
  EXPECT_EQ(state, "joined") << server_->process().output();
  EXPECT_EQ(api.del(path).status, 204);
  const auto exit = proxy.waitExit(10s);
  ASSERT_TRUE(exit.has_value()) << "the BYE did not come through the proxy";
  EXPECT_EQ(*exit, 0) << proxy.output();
}

// A flood from one address (Kamailio's pike, issue 11 item 7): past its rate, new requests get
// 503 + Retry-After; its calls already up go on; another address is not affected.
TEST_F(SipInteropTest, AFloodingSourceGets503WhileItsCallsAndOtherSourcesGoOn) {
  server_.reset();
  start({{"MCU_SIP_REQUESTS_PER_SOURCE_PER_S", "5"}, {"MCU_SIP_RETRY_AFTER_S", "7"}});
  Caller a = dial("steady", "PCMU", 500);
  int answered = 0;
  int limited = 0;
  std::string refusal;
  for (int i = 0; i < 60; ++i) {
    const auto reply = udpExchange(server_->sipPort(),
                                   optionsRequest(static_cast<std::uint16_t>(2000 + i), "UDP"), 2s);
    ASSERT_TRUE(reply.has_value()) << "every request is answered, " << i;
    if (reply->starts_with("SIP/2.0 200")) {
      ++answered;
    } else if (reply->starts_with("SIP/2.0 503")) {
      ++limited;
      refusal = *reply;
    }
  }
  // A burst of twice the rate, then about five a second: most of 60 at once are refused.
  EXPECT_GE(answered, 9);
  EXPECT_GE(limited, 30);
  EXPECT_EQ(headerValue(refusal, "Retry-After"), "7") << refusal;
  // In-dialog requests of the flooding address are not limited: its call goes on.
  EXPECT_EQ(a.sip->reinvite(sdpOffer(a.media->port(), "PCMU", "sendonly")).status, 200);
  // Another address is served.
  const auto other = mixer::UdpSocket::bind("127.0.0.2", 0);
  ASSERT_TRUE(other.valid());
  const std::string options = optionsRequest(other.localPort(), "UDP");
  const auto server = mixer::resolve({"127.0.0.1", server_->sipPort()});
  ASSERT_TRUE(server.has_value());
  ASSERT_TRUE(other.send(
      std::span(reinterpret_cast<const std::uint8_t*>(options.data()), options.size()), *server));
  std::array<std::uint8_t, 4096> buf{};
  mixer::Endpoint from;
  ssize_t n = -1;
  for (int i = 0; i < 200 && n < 0; ++i) {
    std::this_thread::sleep_for(10ms);
    n = other.receive(buf, from);
  }
  ASSERT_GT(n, 0);
  EXPECT_TRUE(std::string(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n))
                  .starts_with("SIP/2.0 200"));
  EXPECT_NE(server_->get("/metrics").body.find("mcu_sip_requests_limited_total"),
            std::string::npos);
  EXPECT_EQ(a.sip->bye().status, 200);
}

// One INVITE whose SDP made sofia-sip's parser allocate without end (found by fuzzing) gets
// 488 at once, and the server goes on answering.
TEST_F(SipInteropTest, AnSdpThatHangsSofiasParserIsRefusedAndTheServerGoesOn) {
  SipUac attacker(server_->sipPort());
  const std::string poison =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 4000 X\x80\x80 0\r\n";
  const auto refused = attacker.invite("poison", poison);
  EXPECT_EQ(refused.status, 488) << refused.message;
  Caller after = dial("poison", "PCMU", 500);
  EXPECT_EQ(after.sip->bye().status, 200);
}

// A caller whose From is not text (Latin-1, raw bytes in the URI and Call-ID, a control
// character) still gets its call record, and the room's participant list still answers: the
// bytes are shown (Latin-1 read as such, \xNN, %XX), never stored raw or cut. Before, the row
// was lost (PostgreSQL refused the bytes) and the raw URI byte crashed the server while it
// wrote the join event. A NUL in the display name is refused by sofia with 400.
TEST_F(SipInteropTest, ACallerWhoseFromIsNotTextKeepsItsRecordAndTheRoomStillLists) {
  SipUac odd(server_->sipPort());
  odd.setIdentity(
      "\"caf\xe9 \\\x07"
      "bell\"",
      "a\xff", "\xfe");
  const auto answered = odd.invite("bytes", sdpOffer(40000, "PCMU"));
  ASSERT_EQ(answered.status, 200) << answered.message;
  EXPECT_EQ(db_.awaitScalar("SELECT display_name || '|' || from_uri || '|' ||"
                            " (call_id LIKE '%\\%FE@127.0.0.1') FROM calls"),
            "caf\xc3\xa9 \\x07"
            "bell|sip:a%FF@127.0.0.1|true");
  const ApiClient api(server_->httpPort(), createToken(db_.url(), "viewer", "bytes"));
  const auto listed = api.get("/v1/rooms/bytes/participants");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["items"][0]["display_name"],
            "caf\xc3\xa9 \\x07"
            "bell");

  SipUac nul(server_->sipPort());
  nul.setIdentity(std::string("\"nul\\\0x\"", 8), "b", "");
  EXPECT_EQ(nul.invite("bytes", sdpOffer(40002, "PCMU")).status, 400);
  EXPECT_EQ(odd.bye().status, 200);
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE left_at IS NOT NULL", "1"), "1");
}

}  // namespace
}  // namespace mcu::test
