#include "mixer/rtp/rtp_packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace mcu::mixer::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes packet(const RtpHeader& h, const Bytes& payload, int ext_id = 0) {
  Bytes out(kMaxRtpPacket);
  out.resize(writeRtp(h, payload, out, ext_id));
  return out;
}

TEST(RtpPacketTest, RoundTripsHeaderAndPayload) {
  RtpHeader h{111, true, 65535, 0xFFFFFF00U, 0xDEADBEEF, std::nullopt, false};
  const Bytes bytes = packet(h, {1, 2, 3});
  ASSERT_EQ(bytes.size(), 15U);
  const auto view = parseRtp(bytes, 0);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->header.payload_type, 111);
  EXPECT_TRUE(view->header.marker);
  EXPECT_EQ(view->header.sequence, 65535);
  EXPECT_EQ(view->header.timestamp, 0xFFFFFF00U);
  EXPECT_EQ(view->header.ssrc, 0xDEADBEEF);
  EXPECT_EQ(Bytes(view->payload.begin(), view->payload.end()), (Bytes{1, 2, 3}));
}

TEST(RtpPacketTest, ReadsTheAudioLevelExtensionWhenNegotiated) {
  RtpHeader h{111, false, 1, 2, 3, std::uint8_t{42}, true};
  const Bytes bytes = packet(h, {9}, 1);
  const auto view = parseRtp(bytes, 1);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->header.audio_level, 42);
  EXPECT_TRUE(view->header.voice_activity);
  EXPECT_EQ(view->payload.size(), 1U);
  EXPECT_FALSE(parseRtp(bytes, 2)->header.audio_level.has_value());  // other id negotiated
}

TEST(RtpPacketTest, SkipsCsrcsAndPadding) {
  Bytes bytes = packet({0, false, 1, 2, 3, std::nullopt, false}, {7, 7});
  bytes[0] |= 0x02;  // two CSRCs
  bytes.insert(bytes.begin() + 12, 8, 0xAA);
  bytes[0] |= 0x20;  // padding of 3
  bytes.insert(bytes.end(), {0, 0, 3});
  const auto view = parseRtp(bytes, 0);
  ASSERT_TRUE(view);
  EXPECT_EQ(Bytes(view->payload.begin(), view->payload.end()), (Bytes{7, 7}));
}

TEST(RtpPacketTest, RejectsGarbage) {
  const Bytes good = packet({0, false, 1, 2, 3, std::nullopt, false}, {1, 2, 3, 4});
  EXPECT_TRUE(parseRtp(good, 0));
  EXPECT_FALSE(parseRtp(Bytes(good.begin(), good.begin() + 11), 0)) << "truncated header";
  Bytes v1 = good;
  v1[0] = static_cast<std::uint8_t>((v1[0] & 0x3F) | 0x40);
  EXPECT_FALSE(parseRtp(v1, 0)) << "version 1";
  Bytes csrc = good;
  csrc[0] |= 0x0F;
  EXPECT_FALSE(parseRtp(csrc, 0)) << "CSRC list past the end";
  Bytes ext = good;
  ext[0] |= 0x10;
  EXPECT_FALSE(parseRtp(ext, 0)) << "extension header past the end";
  Bytes pad = good;
  pad[0] |= 0x20;
  pad.back() = 200;
  EXPECT_FALSE(parseRtp(pad, 0)) << "padding longer than the packet";
  Bytes rtcp = good;
  rtcp[1] = 200;  // SR
  EXPECT_FALSE(parseRtp(rtcp, 0)) << "RTCP on a muxed port";
  EXPECT_TRUE(looksLikeRtcp(rtcp));
  EXPECT_FALSE(parseRtp(Bytes(good.begin(), good.begin() + 12), 0)) << "no payload";
  EXPECT_FALSE(parseRtp(Bytes(2000, 0x80), 0)) << "absurd size";
}

TEST(RtpPacketTest, WriteRefusesASmallBuffer) {
  std::array<std::uint8_t, 13> small{};
  const Bytes payload(10, 1);
  EXPECT_EQ(writeRtp({}, payload, small), 0U);
}

}  // namespace
}  // namespace mcu::mixer::rtp

namespace mcu::mixer::rtp {
namespace {

TEST(RtpPacketCsrcTest, ContributingSourcesRoundTripBeforeTheExtension) {
  RtpHeader h;
  h.payload_type = 111;
  h.sequence = 7;
  h.timestamp = 960;
  h.ssrc = 0xAABBCCDD;
  h.csrc_count = 2;
  h.csrcs[0] = 0x11111111;
  h.csrcs[1] = 0x22222222;
  h.audio_level = 30;
  const std::array<std::uint8_t, 3> payload{1, 2, 3};
  std::array<std::uint8_t, 64> out{};
  const std::size_t size = writeRtp(h, payload, out, 1);
  ASSERT_EQ(size, kRtpHeaderSize + 8 + 8 + payload.size());
  EXPECT_EQ(out[0] & 0x0F, 2);
  const auto parsed = parseRtp(std::span(out.data(), size), 1);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->header.contributors().size(), 2U);
  EXPECT_EQ(parsed->header.csrcs[0], 0x11111111U);
  EXPECT_EQ(parsed->header.csrcs[1], 0x22222222U);
  EXPECT_EQ(parsed->header.audio_level, 30);
  EXPECT_EQ(parsed->payload.size(), payload.size());
}

// RFC 6465 beside RFC 6464 in one extension block: 2 + 1 + 3 bytes of elements, padded to two
// words; each level is read back in its CSRC's place.
TEST(RtpPacketCsrcTest, ContributorsLevelsRoundTripInTheSameOrder) {
  RtpHeader h;
  h.payload_type = 0;
  h.ssrc = 1;
  h.csrc_count = 3;
  h.csrcs = {10, 20, 30};
  h.csrc_level_count = 3;
  h.csrc_levels = {12, 40, 127};
  h.audio_level = 5;
  const std::array<std::uint8_t, 2> payload{9, 9};
  std::array<std::uint8_t, 80> out{};
  const std::size_t size = writeRtp(h, payload, out, 1, 2);
  ASSERT_EQ(size, kRtpHeaderSize + 12 + 4 + 8 + payload.size());
  const auto parsed = parseRtp(std::span(out.data(), size), 1, 2);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->header.audio_level, 5);
  ASSERT_EQ(parsed->header.contributorLevels().size(), 3U);
  EXPECT_EQ(parsed->header.csrc_levels[0], 12);
  EXPECT_EQ(parsed->header.csrc_levels[1], 40);
  EXPECT_EQ(parsed->header.csrc_levels[2], 127);
  EXPECT_EQ(parsed->payload.size(), payload.size());
  // Without the id negotiated, neither is written.
  EXPECT_EQ(writeRtp(h, payload, out, 0, 0), kRtpHeaderSize + 12 + payload.size());
}

}  // namespace
}  // namespace mcu::mixer::rtp
