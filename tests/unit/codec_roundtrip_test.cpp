// Every codec through its real GStreamer encoder and decoder chains: a tone goes in, the same
// tone (and not another) comes out; a lost frame is concealed; no streaming thread is started.
#include <gtest/gtest.h>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "tests/support/thread_count.h"
#include "tests/support/tone.h"

namespace mcu::mixer::codec {
namespace {

class CodecRoundTripTest : public ::testing::TestWithParam<CodecKind> {};

TEST_P(CodecRoundTripTest, ToneSurvivesEncodeAndDecode) {
  std::string error;
  ASSERT_TRUE(ensureGstreamer(&error)) << error;
  GstPipelineHost host;
  CodecSpec spec{.kind = GetParam(), .payload_type = 0};
  AudioEncoder encoder(host, spec);
  AudioDecoder decoder(host, spec);
  ASSERT_TRUE(encoder.ok());
  ASSERT_TRUE(decoder.ok());
  test::ToneGenerator tone(700.0);
  core::Pcm in;
  core::Pcm out;
  int decoded = 0;
  for (int i = 0; i < 50; ++i) {
    tone.next(in);
    const auto payload = encoder.encode(in);
    if (!payload.empty() && decoder.decode(payload, out)) {
      ++decoded;
    }
  }
  EXPECT_GE(decoded, 45);
  EXPECT_GT(test::goertzelDb(out, 700.0), -20.0);
  EXPECT_LT(test::goertzelDb(out, 1300.0), -45.0);
  // A lost packet is concealed with something close to the tone, not a click of silence.
  core::Pcm concealed;
  decoder.conceal(concealed);
  EXPECT_GT(test::goertzelDb(concealed, 700.0), -35.0);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecRoundTripTest,
                         ::testing::Values(CodecKind::kOpus, CodecKind::kPcmu, CodecKind::kPcma,
                                           CodecKind::kG722),
                         [](const auto& param_info) {
                           return std::string(codecName(param_info.param));
                         });

TEST(CodecPoolTest, EndedChainsAreReusedAndStillDecodeCorrectly) {
  ensureGstreamer(nullptr);
  GstPipelineHost host;
  const CodecSpec spec{.kind = CodecKind::kPcma, .payload_type = 8};
  for (int call = 0; call < 50; ++call) {
    AudioEncoder encoder(host, spec);
    AudioDecoder decoder(host, spec);
    test::ToneGenerator tone(400.0 + 10 * call);
    core::Pcm in;
    core::Pcm out;
    for (int i = 0; i < 10; ++i) {
      tone.next(in);
      decoder.decode(encoder.encode(in), out);
    }
    ASSERT_GT(test::goertzelDb(out, 400.0 + 10 * call), -20.0) << "call " << call;
  }
  // One encoder and one decoder chain served all fifty calls.
  EXPECT_EQ(host.pooled(), 2U);
}

TEST(CodecThreadsTest, TwoHundredChainsStartNoThread) {
  ensureGstreamer(nullptr);
  GstPipelineHost host;
  const int before = test::threadCount();
  std::vector<std::unique_ptr<AudioDecoder>> decoders;
  std::vector<std::unique_ptr<AudioEncoder>> encoders;
  for (int i = 0; i < 100; ++i) {
    decoders.push_back(std::make_unique<AudioDecoder>(host, CodecSpec{}));
    encoders.push_back(std::make_unique<AudioEncoder>(host, CodecSpec{.kind = CodecKind::kPcmu}));
  }
  core::Pcm pcm{};
  for (auto& e : encoders) {
    e->encode(pcm);
  }
  EXPECT_EQ(test::threadCount(), before);
}

}  // namespace
}  // namespace mcu::mixer::codec

namespace mcu::mixer::codec {
namespace {

TEST(PayloadDuration, TellsHowLongAPacketPlays) {
  const std::vector<std::uint8_t> pcmu30(240, 0xff);
  EXPECT_EQ(payloadDurationTs(CodecKind::kPcmu, pcmu30), 240);
  EXPECT_EQ(payloadDurationTs(CodecKind::kG722, std::vector<std::uint8_t>(160, 0)), 160);
  // Opus TOC: config 1 (SILK 20 ms), one frame; config 3 (SILK 60 ms); CELT 20 ms (config 31)
  // with code 1 (two frames); code 3 with a frame count byte of 3.
  EXPECT_EQ(payloadDurationTs(CodecKind::kOpus, std::vector<std::uint8_t>{1 << 3, 0}), 960);
  EXPECT_EQ(payloadDurationTs(CodecKind::kOpus, std::vector<std::uint8_t>{3 << 3, 0}), 2880);
  EXPECT_EQ(payloadDurationTs(CodecKind::kOpus, std::vector<std::uint8_t>{(31 << 3) | 1, 0}), 1920);
  EXPECT_EQ(payloadDurationTs(CodecKind::kOpus, std::vector<std::uint8_t>{(31 << 3) | 3, 3}), 2880);
  EXPECT_EQ(payloadDurationTs(CodecKind::kOpus, std::vector<std::uint8_t>{}), 0);
  EXPECT_EQ(payloadDurationTs(CodecKind::kOpus, std::vector<std::uint8_t>{(31 << 3) | 3}), 0)
      << "a code-3 packet without its count byte";
}

}  // namespace
}  // namespace mcu::mixer::codec
