// Codec chains are built between ticks, not on them (chain_stock.h, issue 13 item 3): a
// caller who starts talking takes a decoder and an encoder its media thread built ahead, in
// the codec it joined with or the one a re-INVITE moved it to. Only G.722 runs in chains.
#include "tests/integration/media_engine_fixture.h"

namespace mcu::mixer {
namespace {

TEST_F(MediaEngineTest, NewTalkersTakeChainsBuiltBetweenTicks) {
  // Opus talkers need no chain at all (libopus, codec_factory.h): none is built, ahead or on
  // the tick, though each has a decoder and (heard by the other alone) a personal encoder.
  auto& a = peer(opus(), 500);
  auto& b = peer(opus(), 800);
  join(a, opus());
  join(b, opus());
  test::runFrames({&a, &b}, 50);
  EXPECT_GT(level(a, 800, 600), kHeard);
  EXPECT_GT(level(b, 500, 600), kHeard);
  const EngineStats opus_only =
      publishedEngineStats([](const EngineStats& s) { return s.personal_encodes >= 2; });
  EXPECT_GE(opus_only.personal_encodes, 2U) << "both were talkers, each with its own encoder";
  EXPECT_EQ(opus_only.chains_built_ahead, 0U);
  EXPECT_EQ(opus_only.chains_built_on_demand, 0U);

  // G.722 callers join silent: their thread stocks three decoders and three encoders, one
  // between each pair of ticks; when they talk they take those.
  auto& c = peer(g722(), 1100);
  auto& d = peer(g722(), 1900);
  join(c, g722());
  join(d, g722());
  const EngineStats stocked =
      publishedEngineStats([](const EngineStats& s) { return s.chains_built_ahead >= 6; });
  ASSERT_GE(stocked.chains_built_ahead, 6U);
  test::runFrames({&c, &d}, 50);
  EXPECT_GT(level(c, 1900, 600), kHeard);
  EXPECT_GT(level(d, 1100, 600), kHeard);
  const EngineStats after =
      publishedEngineStats([&](const EngineStats& s) { return s.ticks >= stocked.ticks + 40; });
  EXPECT_EQ(after.chains_built_on_demand, 0U);
}

// A codec that arrives with a re-INVITE is stocked as one that arrives with the call: a caller
// moved from Opus to G.722 finds its G.722 decoder and encoder built ahead on its thread. A
// move on to PCMU builds nothing: G.711 runs without a chain, as Opus does (codec_factory.h).
TEST_F(MediaEngineTest, ACodecAReinviteBringsIsStockedToo) {
  auto& a = peer(opus(), 500);
  const ParticipantId id = join(a, opus());
  const EngineStats opus_only =
      publishedEngineStats([](const EngineStats& s) { return s.ticks >= 10; });
  ASSERT_EQ(opus_only.chains_built_ahead, 0U) << "Opus needs no chain";
  MediaEndpoint moved;
  moved.codec = g722();
  moved.remote = {"127.0.0.1", a.port()};
  engine_->updateParticipant(id, moved);
  const EngineStats after = publishedEngineStats([&](const EngineStats& s) {
    return s.chains_built_ahead >= opus_only.chains_built_ahead + 6;
  });
  EXPECT_EQ(after.chains_built_ahead, opus_only.chains_built_ahead + 6)
      << "three G.722 decoders and encoders, on the caller's thread only";
  EXPECT_EQ(after.chains_built_on_demand, 0U);
  moved.codec = pcmu();
  engine_->updateParticipant(id, moved);
  const EngineStats later =
      publishedEngineStats([&](const EngineStats& s) { return s.ticks >= after.ticks + 25; });
  EXPECT_EQ(later.chains_built_ahead, after.chains_built_ahead) << "no chain for G.711";
  EXPECT_EQ(later.chains_built_on_demand, 0U);
}

}  // namespace
}  // namespace mcu::mixer
