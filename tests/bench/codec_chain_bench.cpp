// What it costs a media thread to give a participant a decoder or an encoder: a chain built
// from new GStreamer elements (a thread's first of its shape), or one taken back from its
// pipeline's pool (GstPipelineHost). Run with deploy/local bench; no timing is asserted.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"

namespace mcu::mixer::codec {
namespace {

CodecSpec specOf(std::int64_t kind) {
  switch (kind) {
    case 0:
      return {.kind = CodecKind::kOpus, .payload_type = 111};
    case 1:
      return {.kind = CodecKind::kPcmu, .payload_type = 0};
    default:
      return {.kind = CodecKind::kG722, .payload_type = 9};
  }
}

// Every iteration builds a chain in a pipeline whose pool is empty of its shape.
template <typename Chain>
void BM_BuildNew(benchmark::State& state) {
  GstPipelineHost host;
  const CodecSpec spec = specOf(state.range(0));
  std::vector<std::unique_ptr<Chain>> kept;  // kept alive: freed chains would go to the pool
  for (auto _ : state) {
    kept.push_back(std::make_unique<Chain>(host, spec));
    benchmark::DoNotOptimize(kept.back()->ok());
  }
  state.SetLabel(std::string(codecName(spec.kind)));
}

// Every iteration takes the chain the previous one gave back.
template <typename Chain>
void BM_FromPool(benchmark::State& state) {
  GstPipelineHost host;
  const CodecSpec spec = specOf(state.range(0));
  { const Chain warm(host, spec); }
  for (auto _ : state) {
    const Chain chain(host, spec);
    benchmark::DoNotOptimize(chain.ok());
  }
  state.SetLabel(std::string(codecName(spec.kind)));
}

BENCHMARK(BM_BuildNew<AudioDecoder>)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FromPool<AudioDecoder>)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BuildNew<AudioEncoder>)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FromPool<AudioEncoder>)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mcu::mixer::codec

int main(int argc, char** argv) {
  std::string error;
  if (!mcu::mixer::codec::ensureGstreamer(&error)) {
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
