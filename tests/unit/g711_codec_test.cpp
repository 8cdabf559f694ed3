// G.711 without GStreamer (g711_law, rate_6x, g711_codec): the law against its own expansion
// and the standard's fixed points, the 1:6 filter's pass and stop bands measured by Goertzel,
// and the engine's G.711 decoder and encoder against GStreamer's chains (mulawenc/alawenc,
// mulawdec/alawdec and audioresample), an implementation that is not ours.
#include "mixer/codec/g711_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <vector>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/codec_factory.h"
#include "mixer/codec/g711_law.h"
#include "mixer/codec/rate_6x.h"
#include "tests/support/tone.h"

namespace mcu::mixer::codec {
namespace {

std::vector<std::int16_t> sine(double hz, int rate, std::size_t n, double amplitude = 8000.0) {
  std::vector<std::int16_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<std::int16_t>(std::lround(
        amplitude * std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / rate)));
  }
  return out;
}

// The second half: past the filter's start-up.
std::span<const std::int16_t> settled(const std::vector<std::int16_t>& pcm) {
  return std::span(pcm).subspan(pcm.size() / 2);
}

TEST(G711LawTest, FixedPointsOfTheStandard) {
  EXPECT_EQ(linearToUlaw(0), 0xFF);
  EXPECT_EQ(linearToUlaw(32767), 0x80);
  EXPECT_EQ(linearToUlaw(-32768), 0x00);
  EXPECT_EQ(linearToAlaw(0), 0xD5);
  EXPECT_EQ(linearToAlaw(-1), 0x55);
  EXPECT_EQ(linearToAlaw(32767), 0xAA);
  EXPECT_EQ(linearToAlaw(-32768), 0x2A);
}

TEST(G711LawTest, EveryCodeComesBackAndEverySampleIsWithinItsStep) {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    if (code != 0x7F) {  // μ-law's negative zero: it expands to 0, which compresses to 0xFF
      EXPECT_EQ(linearToUlaw(ulawToLinear(code)), code) << c;
    }
    EXPECT_EQ(linearToAlaw(alawToLinear(code)), code) << c;
  }
  for (int s = -32768; s <= 32767; ++s) {
    const auto sample = static_cast<std::int16_t>(s);
    // A segment's step is at most an eighth of the smallest magnitude in it (and 16 near 0);
    // μ-law clips at 32,635.
    const int bound = std::max(32, std::abs(s) / 8);
    ASSERT_LE(std::abs(ulawToLinear(linearToUlaw(sample)) - s), bound) << s;
    ASSERT_LE(std::abs(alawToLinear(linearToAlaw(sample)) - s), bound) << s;
  }
}

TEST(Rate6xTest, UpsamplingPassesTheTelephoneBandAndLeavesNoImages) {
  for (const double hz : {300.0, 1000.0, 3000.0}) {
    const auto in = sine(hz, 8000, 4000);
    std::vector<std::int16_t> out(in.size() * kRateRatio);
    Upsampler6x up;
    up.process(std::span(in).first(1000), std::span(out).first(6000));  // in two calls
    up.process(std::span(in).subspan(1000), std::span(out).subspan(6000));
    const double level = test::goertzelDb(settled(in), hz, 8000);
    EXPECT_NEAR(test::goertzelDb(settled(out), hz), level, hz < 3000.0 ? 0.5 : 1.5) << hz;
    // The images of zero-stuffing: 8 kHz +- the tone, and 16 kHz +- it.
    for (const double image : {8000.0 - hz, 8000.0 + hz, 16000.0 - hz}) {
      EXPECT_LT(test::goertzelDb(settled(out), image), level - 55.0) << hz << " at " << image;
    }
  }
}

TEST(Rate6xTest, DownsamplingPassesTheTelephoneBandAndFoldsNothingBackIntoIt) {
  const auto tone = sine(1000.0, 48000, 24000);
  const auto high = sine(6000.0, 48000, 24000);  // would fold to 2 kHz
  std::vector<std::int16_t> in(tone.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i] = static_cast<std::int16_t>(tone[i] + high[i]);
  }
  std::vector<std::int16_t> out(in.size() / kRateRatio);
  Downsampler6x down;
  for (std::size_t at = 0; at < out.size(); at += 160) {  // frame by frame, as the encoder
    down.process(std::span(in).subspan(at * kRateRatio, 960), std::span(out).subspan(at, 160));
  }
  const double level = test::goertzelDb(settled(tone), 1000.0);
  EXPECT_NEAR(test::goertzelDb(settled(out), 1000.0, 8000), level, 0.5);
  EXPECT_LT(test::goertzelDb(settled(out), 2000.0, 8000), level - 55.0);
}

TEST(Rate6xTest, TheFilterHasUnitGainAtDc) {
  double sum = 0.0;
  for (const float tap : rate6xFilter()) {
    sum += tap;
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  // A constant stays that constant both ways, once the history is full.
  const std::vector<std::int16_t> dc(480, 1000);
  std::vector<std::int16_t> up(2880);
  Upsampler6x u;
  u.process(dc, up);
  EXPECT_NEAR(up.back(), 1000, 2);
  std::vector<std::int16_t> down(480);
  Downsampler6x d;
  d.process(up, down);
  EXPECT_NEAR(down.back(), 1000, 2);
}

class G711CodecTest : public ::testing::TestWithParam<CodecKind> {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(ensureGstreamer(&error)) << error;
  }
  CodecSpec spec() const { return {.kind = GetParam(), .payload_type = 0}; }
  GstPipelineHost host_;
};

// Ours into GStreamer's and GStreamer's into ours: a 700 Hz tone arrives at the level it left
// with (within 1 dB of the other way round), and 1300 Hz is not there.
TEST_P(G711CodecTest, OursAndGstreamersUnderstandEachOther) {
  AudioEncoder their_encoder(host_, spec());
  AudioDecoder their_decoder(host_, spec());
  ASSERT_TRUE(their_encoder.ok());
  ASSERT_TRUE(their_decoder.ok());
  G711Encoder our_encoder(GetParam());
  G711Decoder our_decoder(GetParam());
  test::ToneGenerator tone(700.0);
  core::Pcm in{};
  core::Pcm via_ours{};    // our encoder, their decoder
  core::Pcm via_theirs{};  // their encoder, our decoder
  int frames = 0;
  for (int i = 0; i < 50; ++i) {
    tone.next(in);
    const auto ours = our_encoder.encode(in);
    ASSERT_EQ(ours.size(), 160U) << "one 20 ms payload every frame";
    their_decoder.decode(ours, via_ours);
    const auto theirs = their_encoder.encode(in);
    if (!theirs.empty() && our_decoder.decode(theirs, via_theirs)) {
      ++frames;
    }
  }
  EXPECT_GE(frames, 45);
  const double sent = test::goertzelDb(in, 700.0);
  EXPECT_NEAR(test::goertzelDb(via_ours, 700.0), sent, 1.0);
  EXPECT_NEAR(test::goertzelDb(via_theirs, 700.0), sent, 1.0);
  EXPECT_LT(test::goertzelDb(via_ours, 1300.0), sent - 40.0);
  EXPECT_LT(test::goertzelDb(via_theirs, 1300.0), sent - 40.0);
  // A lost packet is bridged with the tone, fading.
  core::Pcm concealed{};
  our_decoder.conceal(concealed);
  EXPECT_GT(test::goertzelDb(concealed, 700.0), sent - 10.0);
}

// 10 ms packets, the second half of a frame lost: the half that came plays in the concealed
// frame, in its place, and the repeated last frame fills the rest. Before, it waited, and
// played a frame late: the stream ran 10 ms late from then on.
TEST_P(G711CodecTest, AHalfFrameWaitingPlaysInTheConcealedFrame) {
  G711Encoder encoder(GetParam());
  G711Decoder decoder(GetParam());
  test::ToneGenerator tone(700.0);
  core::Pcm in{};
  core::Pcm out{};
  tone.next(in);
  const double sent = test::goertzelDb(in, 700.0);
  ASSERT_TRUE(decoder.decode(encoder.encode(in), out));
  tone.next(in);
  const auto payload = encoder.encode(in);
  const std::vector<std::uint8_t> first(payload.begin(), payload.begin() + 80);
  EXPECT_FALSE(decoder.decode(first, out)) << "half a frame: it waits";
  decoder.conceal(out);  // the second half is lost
  const std::span<const std::int16_t> heard(out);
  EXPECT_NEAR(test::goertzelDb(heard.first(480), 700.0), sent, 2.0) << "the half that came";
  EXPECT_GT(test::goertzelDb(heard.last(480), 700.0), sent - 10.0) << "the guess";
  EXPECT_FALSE(decoder.decode(first, out)) << "nothing left waiting: a half again";
}

// 30 ms packets (240 bytes): each decode gives a frame, and every second one leaves a whole
// frame behind for the next tick, as the chains' decoders do.
TEST_P(G711CodecTest, LongerPacketsLeaveFramesForTheNextTicks) {
  const auto decoder = makeDecoder(host_, spec());
  const std::vector<std::uint8_t> payload(240, GetParam() == CodecKind::kPcmu ? 0xFF : 0xD5);
  core::Pcm out{};
  ASSERT_TRUE(decoder->decode(payload, out));
  EXPECT_FALSE(decoder->hasBufferedFrame());  // 1,440 samples: one frame out, 480 left
  ASSERT_TRUE(decoder->decode(payload, out));
  EXPECT_TRUE(decoder->hasBufferedFrame());  // 480 + 1,440 - 960
  EXPECT_TRUE(decoder->takeBuffered(out));
  EXPECT_FALSE(decoder->hasBufferedFrame());
}

// The codec's share of mouth-to-ear latency (issue 13 item 5): a click through our encoder and
// decoder comes out 2.9 ms later (the two filters' group delays). GStreamer's chains delayed
// it 8.0 ms, measured the same way when this path replaced them.
TEST_P(G711CodecTest, TheCodecPathDelaysAClickByUnderThreeMilliseconds) {
  G711Encoder encoder(GetParam());
  G711Decoder decoder(GetParam());
  constexpr std::size_t kClickAt = 5 * core::kFrameSamples + 480;
  std::vector<std::int16_t> heard;
  for (std::size_t f = 0; f < 10; ++f) {
    core::Pcm in{};
    if (f == kClickAt / core::kFrameSamples) {
      in[kClickAt % core::kFrameSamples] = 30000;
    }
    core::Pcm out{};
    ASSERT_TRUE(decoder.decode(encoder.encode(in), out));
    heard.insert(heard.end(), out.begin(), out.end());
  }
  const auto peak = std::max_element(heard.begin(), heard.end(),
                                     [](auto x, auto y) { return std::abs(x) < std::abs(y); });
  const auto delay = static_cast<double>(peak - heard.begin()) - static_cast<double>(kClickAt);
  EXPECT_GT(delay / 48.0, 2.0) << "the filters are linear-phase: about 72 samples each";
  EXPECT_LT(delay / 48.0, 3.0);
}

TEST_P(G711CodecTest, TheEngineBuildsNoChainForIt) {
  EXPECT_FALSE(runsInChain(GetParam()));
  EXPECT_FALSE(runsInChain(CodecKind::kOpus));
  EXPECT_TRUE(runsInChain(CodecKind::kG722));
  EXPECT_NE(dynamic_cast<G711Decoder*>(makeDecoder(host_, spec()).get()), nullptr);
  EXPECT_NE(dynamic_cast<G711Encoder*>(makeEncoder(host_, spec()).get()), nullptr);
}

INSTANTIATE_TEST_SUITE_P(BothLaws, G711CodecTest,
                         ::testing::Values(CodecKind::kPcmu, CodecKind::kPcma),
                         [](const auto& param_info) {
                           return std::string(codecName(param_info.param));
                         });

}  // namespace
}  // namespace mcu::mixer::codec
