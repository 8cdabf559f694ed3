// A media thread's pipeline releases what its pool holds when it ends (gst_ref.h): the pads we
// pushed from and our references to the appsinks were never released before; nor was any
// chain or pipeline, because the bus handler kept every message it dropped (and each message
// its sender).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <array>

#include "mixer/codec/audio_decoder.h"

namespace mcu::mixer::codec {
namespace {

TEST(GstPipelineHostTest, PooledChainsAreReleasedWithThePipeline) {
  const CodecSpec opus{.kind = CodecKind::kOpus, .payload_type = 111};
  const ChainShape shape = AudioDecoder::shape(opus);
  // Weak pointers: GObject clears them when the object is finalized.
  std::array<gpointer, 3> watched{};
  {
    GstPipelineHost host;
    ASSERT_TRUE(GstPushChain::stock(host, shape));
    { const AudioDecoder ended(host, opus); }  // taken from the pool and given back
    auto chain = host.take(shape.key());
    ASSERT_TRUE(chain.has_value());
    watched = {chain->bin, chain->sink.get(), chain->src.get()};
    for (gpointer& object : watched) {
      g_object_add_weak_pointer(G_OBJECT(object), &object);
    }
    host.give(shape.key(), std::move(*chain));
    EXPECT_EQ(host.pooled(shape.key()), 1U);
    for (const gpointer object : watched) {
      EXPECT_NE(object, nullptr) << "alive while pooled";
    }
  }
  EXPECT_EQ(watched[0], nullptr) << "the chain's bin";
  EXPECT_EQ(watched[1], nullptr) << "its appsink";
  EXPECT_EQ(watched[2], nullptr) << "the pad we pushed from";
}

}  // namespace
}  // namespace mcu::mixer::codec
