// G.711 levels read from the bytes must agree with what the real decoder chain (GStreamer's
// mulawdec/alawdec and the resampler to 48 kHz) gives, since the mixer picks speakers from
// one and mixes the other.
#include "mixer/codec/g711_level.h"

#include <gtest/gtest.h>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/g711_law.h"
#include "mixer/core/level_meter.h"
#include "tests/support/tone.h"

namespace mcu::mixer::codec {
namespace {

TEST(G711LevelTest, ExpansionMatchesTheStandardsEndPoints) {
  EXPECT_EQ(ulawToLinear(0xFF), 0);
  EXPECT_EQ(ulawToLinear(0x7F), 0);
  EXPECT_EQ(ulawToLinear(0x00), -32124);
  EXPECT_EQ(ulawToLinear(0x80), 32124);
  EXPECT_EQ(alawToLinear(0xD5), 8);
  EXPECT_EQ(alawToLinear(0x55), -8);
  EXPECT_EQ(alawToLinear(0xAA), 32256);
  EXPECT_EQ(alawToLinear(0x2A), -32256);
}

TEST(G711LevelTest, OnlyG711PayloadsOfOneFrameHaveALevelFromTheirBytes) {
  const std::vector<std::uint8_t> frame(160, 0xFF);
  EXPECT_EQ(g711LevelDbov(CodecKind::kPcmu, frame), core::kSilenceDbov);
  EXPECT_FALSE(g711LevelDbov(CodecKind::kOpus, frame).has_value());
  EXPECT_FALSE(g711LevelDbov(CodecKind::kG722, frame).has_value());
  const std::vector<std::uint8_t> longer(320, 0xFF);
  EXPECT_FALSE(g711LevelDbov(CodecKind::kPcma, longer).has_value());
}

class G711LevelAgreementTest : public ::testing::TestWithParam<CodecKind> {};

TEST_P(G711LevelAgreementTest, LevelFromBytesAgreesWithTheDecodedLevel) {
  std::string error;
  ASSERT_TRUE(ensureGstreamer(&error)) << error;
  GstPipelineHost host;
  const CodecSpec spec{.kind = GetParam(), .payload_type = 0};
  for (const double amplitude : {300.0, 3000.0, 20000.0}) {
    AudioEncoder encoder(host, spec);
    AudioDecoder decoder(host, spec);
    test::ToneGenerator tone(700.0, amplitude);
    core::Pcm in;
    core::Pcm out;
    int compared = 0;
    for (int i = 0; i < 20; ++i) {
      tone.next(in);
      const auto payload = encoder.encode(in);
      if (payload.empty()) {
        continue;
      }
      const auto from_bytes = g711LevelDbov(spec.kind, payload);
      ASSERT_TRUE(from_bytes.has_value());
      const bool decoded = decoder.decode(payload, out);
      if (decoded && i >= 5) {  // past the resampler's start-up
        EXPECT_NEAR(*from_bytes, core::levelDbov(out), 1) << "amplitude " << amplitude;
        ++compared;
      }
    }
    EXPECT_GE(compared, 10) << "amplitude " << amplitude;
  }
}

INSTANTIATE_TEST_SUITE_P(BothLaws, G711LevelAgreementTest,
                         ::testing::Values(CodecKind::kPcmu, CodecKind::kPcma),
                         [](const auto& param_info) {
                           return std::string(codecName(param_info.param));
                         });

}  // namespace
}  // namespace mcu::mixer::codec
