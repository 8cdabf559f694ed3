// Codec chains are built between ticks, not on them (chain_stock.h, issue 13 item 3): a
// caller who starts talking takes a decoder and an encoder its media thread built ahead.
#include "tests/integration/media_engine_fixture.h"

namespace mcu::mixer {
namespace {

TEST_F(MediaEngineTest, NewTalkersTakeChainsBuiltBetweenTicks) {
  // Each thread stocks three Opus decoders and three encoders from its start, one per tick.
  const EngineStats stocked =
      publishedEngineStats([](const EngineStats& s) { return s.chains_built_ahead >= 12; });
  ASSERT_GE(stocked.chains_built_ahead, 12U);
  ASSERT_EQ(stocked.chains_built_on_demand, 0U);

  // Two talkers, each with a decoder and (heard by the other alone) a personal encoder.
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 800);
  join(a, opus());
  join(b, opus());
  test::runFrames({&a, &b}, 50);
  EXPECT_GT(level(a, 800, 600), kHeard);
  EXPECT_GT(level(b, 500, 600), kHeard);
  const EngineStats after =
      publishedEngineStats([&](const EngineStats& s) { return s.ticks >= stocked.ticks + 40; });
  EXPECT_EQ(after.chains_built_on_demand, 0U);
  EXPECT_GE(after.personal_encodes, 2U) << "both were talkers, each with its own encoder";
}

}  // namespace
}  // namespace mcu::mixer
