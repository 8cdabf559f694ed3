// Cost of the pure mixing core per 20 ms tick for a room of N participants with 3 talkers:
// speaker selection over N levels, then mix-minus of the selected. Run with deploy/local bench.
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "mixer/core/level_meter.h"
#include "mixer/core/mix_minus.h"
#include "mixer/core/speaker_selector.h"

namespace mcu::mixer::core {
namespace {

Pcm tone(double hz) {
  Pcm p;
  for (std::size_t i = 0; i < p.size(); ++i) {
    p[i] = static_cast<std::int16_t>(
        8000 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / kMixRate));
  }
  return p;
}

void BM_RoomTick(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<SourceLevel> levels;
  for (std::uint32_t id = 0; id < n; ++id) {
    levels.push_back({ParticipantId(id), id < 3 ? 20 + static_cast<int>(id) : 127, true});
  }
  const std::vector<Pcm> voices{tone(300), tone(500), tone(700)};
  SpeakerSelector selector;
  MixMinus mixer;
  MixResult result;
  std::vector<SourceFrame> sources;
  for (auto _ : state) {
    const auto& selected = selector.update(levels);
    sources.clear();
    for (const ParticipantId id : selected) {
      sources.push_back({id, &voices[id.value() % voices.size()], 1.0F, true});
    }
    mixer.mix(sources, result);
    benchmark::DoNotOptimize(result.full.data());
  }
}
BENCHMARK(BM_RoomTick)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_LevelMeter(benchmark::State& state) {
  const Pcm voice = tone(440);
  for (auto _ : state) {
    benchmark::DoNotOptimize(levelDbov(voice));
  }
}
BENCHMARK(BM_LevelMeter)->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace mcu::mixer::core

BENCHMARK_MAIN();
