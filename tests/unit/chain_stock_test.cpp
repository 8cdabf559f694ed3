// The stock of spare codec chains (chain_stock.h), over a real GStreamer pipeline: it builds
// what its codecs need, one chain per call, stops when the spares are there, and what it built
// is what decoders and encoders then take instead of building.
#include "mixer/codec/chain_stock.h"

#include <gtest/gtest.h>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "tests/support/tone.h"

namespace mcu::mixer::codec {
namespace {

// G.722 is the one codec left in GStreamer chains (codec_factory.h).
constexpr CodecSpec kG722{.kind = CodecKind::kG722, .payload_type = 9};

std::size_t buildAll(ChainStock& stock) {
  std::size_t n = 0;
  while (stock.buildOne()) {
    ++n;
    if (n > 100) {
      break;  // a stock that never fills is the failure this bounds
    }
  }
  return n;
}

TEST(ChainStockTest, BuildsOneChainPerCallUntilEachShapeHasItsSpares) {
  GstPipelineHost host;
  ChainStock stock(host, 2, 8);
  EXPECT_FALSE(stock.buildOne()) << "no codec wanted yet";
  stock.want(kG722);
  ASSERT_TRUE(stock.buildOne());
  EXPECT_EQ(host.built(), 1U);
  EXPECT_EQ(host.pooled(), 1U);
  EXPECT_EQ(buildAll(stock), 3U) << "two decoders and two encoders in all";
  EXPECT_EQ(host.pooled(AudioDecoder::shape(kG722).key()), 2U);
  EXPECT_EQ(host.pooled(AudioEncoder::shape(kG722).key()), 2U);
  EXPECT_EQ(stock.built(), 4U);
}

TEST(ChainStockTest, DecodersAndEncodersTakeWhatItBuiltAndItReplacesThem) {
  GstPipelineHost host;
  ChainStock stock(host, 2, 8);
  stock.want(kG722);
  buildAll(stock);
  const std::uint64_t built = host.built();
  {
    const AudioDecoder decoder(host, kG722);
    const AudioEncoder encoder(host, kG722);
    ASSERT_TRUE(decoder.ok());
    ASSERT_TRUE(encoder.ok());
    EXPECT_EQ(host.built(), built) << "both came from the stock";
    EXPECT_EQ(buildAll(stock), 2U) << "the stock makes up what they took";
  }
  // Ended, they go back to the pool: more than the spares now, and nothing more is built.
  EXPECT_EQ(host.pooled(), 6U);
  EXPECT_FALSE(stock.buildOne());
}

// A stocked encoder, taken, is flushed, and what it encodes is the caller's audio from the
// first frame on: one payload per frame, with nothing a previous user left in it.
TEST(ChainStockTest, AnEncoderTakenFromTheStockEncodesTheToneFromItsFirstFrame) {
  GstPipelineHost host;
  ChainStock stock(host, 1, 8);
  stock.want(kG722);
  buildAll(stock);
  const std::uint64_t built = host.built();
  AudioEncoder encoder(host, kG722);
  ASSERT_EQ(host.built(), built) << "taken from the stock";
  AudioDecoder decoder(host, kG722);
  test::ToneGenerator tone(700.0);
  core::Pcm in;
  core::Pcm out;
  int decoded = 0;
  for (int i = 0; i < 25; ++i) {
    tone.next(in);
    const auto payload = encoder.encode(in);
    ASSERT_FALSE(payload.empty()) << "frame " << i << ": one payload per frame from the first";
    EXPECT_EQ(payload.size(), 160U) << "frame " << i << ": 20 ms, no more, no less";
    decoded += decoder.decode(payload, out) ? 1 : 0;
  }
  EXPECT_GE(decoded, 22) << "the decoder's own start-up may hold a frame or two";
  EXPECT_GT(test::goertzelDb(out, 700.0), -20.0);
  EXPECT_LT(test::goertzelDb(out, 1300.0), -45.0);
}

TEST(ChainStockTest, EachCodecConfigurationOnceAndNoMoreThanItsLimit) {
  GstPipelineHost host;
  ChainStock stock(host, 1, 1);
  stock.want(kG722);
  stock.want({.kind = CodecKind::kG722, .payload_type = 96});  // another number, same chains
  EXPECT_EQ(stock.codecs(), 1U);
  stock.want({.kind = CodecKind::kPcmu, .payload_type = 0});    // G.711 needs no chain
  stock.want({.kind = CodecKind::kOpus, .payload_type = 111});  // nor does Opus
  EXPECT_EQ(stock.codecs(), 1U);
  EXPECT_EQ(buildAll(stock), 2U);
  EXPECT_EQ(host.pooled(AudioDecoder::shape(kG722).key()), 1U);
  EXPECT_EQ(host.pooled(AudioDecoder::shape({.kind = CodecKind::kOpus}).key()), 0U);
}

}  // namespace
}  // namespace mcu::mixer::codec
