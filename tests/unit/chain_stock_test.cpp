// The stock of spare codec chains (chain_stock.h), over a real GStreamer pipeline: it builds
// what its codecs need, one chain per call, stops when the spares are there, and what it built
// is what decoders and encoders then take instead of building.
#include "mixer/codec/chain_stock.h"

#include <gtest/gtest.h>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"

namespace mcu::mixer::codec {
namespace {

constexpr CodecSpec kOpus{.kind = CodecKind::kOpus, .payload_type = 111};
constexpr CodecSpec kG722{.kind = CodecKind::kG722, .payload_type = 9};

CodecSpec stereoOpus() {
  CodecSpec spec;
  spec.channels = 2;
  return spec;
}

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
  stock.want(kOpus);
  ASSERT_TRUE(stock.buildOne());
  EXPECT_EQ(host.built(), 1U);
  EXPECT_EQ(host.pooled(), 1U);
  EXPECT_EQ(buildAll(stock), 3U) << "two decoders and two encoders in all";
  EXPECT_EQ(host.pooled(AudioDecoder::shape(kOpus).key()), 2U);
  EXPECT_EQ(host.pooled(AudioEncoder::shape(kOpus).key()), 2U);
  EXPECT_EQ(stock.built(), 4U);
}

TEST(ChainStockTest, DecodersAndEncodersTakeWhatItBuiltAndItReplacesThem) {
  GstPipelineHost host;
  ChainStock stock(host, 2, 8);
  stock.want(kOpus);
  buildAll(stock);
  const std::uint64_t built = host.built();
  {
    const AudioDecoder decoder(host, kOpus);
    const AudioEncoder encoder(host, kOpus);
    ASSERT_TRUE(decoder.ok());
    ASSERT_TRUE(encoder.ok());
    EXPECT_EQ(host.built(), built) << "both came from the stock";
    EXPECT_EQ(buildAll(stock), 2U) << "the stock makes up what they took";
  }
  // Ended, they go back to the pool: more than the spares now, and nothing more is built.
  EXPECT_EQ(host.pooled(), 6U);
  EXPECT_FALSE(stock.buildOne());
}

TEST(ChainStockTest, EachCodecConfigurationOnceAndNoMoreThanItsLimit) {
  GstPipelineHost host;
  ChainStock stock(host, 1, 2);
  stock.want(kOpus);
  stock.want({.kind = CodecKind::kOpus, .payload_type = 96});  // another number, same chains
  EXPECT_EQ(stock.codecs(), 1U);
  stock.want({.kind = CodecKind::kPcmu, .payload_type = 0});  // G.711 needs no chain
  EXPECT_EQ(stock.codecs(), 1U);
  stock.want(kG722);
  stock.want(stereoOpus());  // past the limit of 2
  EXPECT_EQ(stock.codecs(), 2U);
  EXPECT_EQ(buildAll(stock), 4U);
  EXPECT_EQ(host.pooled(AudioDecoder::shape(kG722).key()), 1U);
}

}  // namespace
}  // namespace mcu::mixer::codec
