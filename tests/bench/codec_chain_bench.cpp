// What it costs a media thread to give a participant a decoder or an encoder: a chain built
// from new GStreamer elements (a thread's first of its shape), or one taken back from its
// pipeline's pool (GstPipelineHost); and what a frame costs, through a chain or through
// libopus directly. Run with deploy/local bench; no timing is asserted.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/codec_factory.h"
#include "mixer/codec/opus_frame_decoder.h"
#include "mixer/codec/opus_frame_encoder.h"

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

// One 20 ms frame of a 440 Hz tone.
core::Pcm toneFrame() {
  core::Pcm pcm{};
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<std::int16_t>(
        8000.0 * std::sin(2.0 * 3.14159265 * 440.0 * static_cast<double>(i) / 48000.0));
  }
  return pcm;
}

// `n` Opus packets of that tone, from an encoder of the default configuration.
std::vector<std::vector<std::uint8_t>> opusTonePackets(GstPipelineHost& host, int n) {
  AudioEncoder encoder(host, {.kind = CodecKind::kOpus});
  const core::Pcm pcm = toneFrame();
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < n; ++i) {
    const auto bytes = encoder.encode(pcm);
    packets.emplace_back(bytes.begin(), bytes.end());
  }
  return packets;
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

// The second argument of the Opus frame benchmarks: 0 through GStreamer's opusenc/opusdec
// chain (the product's path until session 36), 1 libopus called directly (OpusFrameEncoder,
// OpusFrameDecoder: the product's path now).
std::string opusPath(std::int64_t path) { return path == 0 ? "gstreamer chain" : "libopus"; }

// One 20 ms frame of a tone through an Opus encoder: 0 the listeners' (FEC, 32 kbit/s,
// complexity 10), 1 a recording's (no FEC, 48 kbit/s, complexity 10), 2 the same at complexity
// 5, which was dearer than 10 when measured (why recordings keep 10). Per frame; 50 frames are
// one second of a recording.
void BM_OpusEncodeFrame(benchmark::State& state) {
  GstPipelineHost host;
  CodecSpec spec{.kind = CodecKind::kOpus};
  if (state.range(0) > 0) {
    spec.inband_fec = false;
    spec.max_bitrate = 48000;
    spec.complexity = state.range(0) == 1 ? 10 : 5;
  }
  std::unique_ptr<FrameEncoder> encoder;
  if (state.range(1) == 0) {
    encoder = std::make_unique<AudioEncoder>(host, spec);
  } else {
    encoder = std::make_unique<OpusFrameEncoder>(spec);
  }
  const core::Pcm pcm = toneFrame();
  for (auto _ : state) {
    benchmark::DoNotOptimize(encoder->encode(pcm).size());
  }
  state.SetLabel(opusPath(state.range(1)) + ", complexity " + std::to_string(spec.complexity) +
                 (spec.inband_fec ? " fec" : " no fec"));
}

// A new libopus encoder (made on the tick, as the engine makes a talker's) and its first
// frame; then a new decoder and its first packet. What a tick pays now when a caller first
// becomes a talker or is first mixed, against the chains' BM_FirstOpusEncode/Decode.
void BM_NewLibopusEncoderAndFirstFrame(benchmark::State& state) {
  const CodecSpec spec{.kind = CodecKind::kOpus};
  const core::Pcm pcm = toneFrame();
  for (auto _ : state) {
    OpusFrameEncoder encoder(spec);
    benchmark::DoNotOptimize(encoder.encode(pcm).size());
  }
}

void BM_NewLibopusDecoderAndFirstPacket(benchmark::State& state) {
  GstPipelineHost host;
  const CodecSpec spec{.kind = CodecKind::kOpus};
  const std::vector<std::uint8_t> packet = opusTonePackets(host, 5).back();
  core::Pcm out{};
  for (auto _ : state) {
    OpusFrameDecoder decoder(spec);
    benchmark::DoNotOptimize(decoder.decode(packet, out));
  }
}

// The first 20 ms frame of a tone through a new Opus encoder chain: -1 one ChainStock built
// ahead (GstPushChain::stock: pooled, flushed when taken); N >= 0 one built on use and fed N
// frames of silence first. What a tick paid when a caller first became a talker, before Opus
// left the chains (BM_NewLibopusEncoderAndFirstFrame is what it pays now). Feeding stocked
// chains a frame of silence halved this for Opus (835 -> 439 us) but did nothing for G.722, the
// one codec still stocked (29 us warmed against 26 us not), so stocked chains are not fed.
void BM_FirstOpusEncode(benchmark::State& state) {
  GstPipelineHost host;
  const CodecSpec spec{.kind = CodecKind::kOpus};
  std::vector<std::unique_ptr<AudioEncoder>> kept;  // kept alive: freed chains would be reused
  const core::Pcm pcm = toneFrame();
  for (auto _ : state) {
    state.PauseTiming();
    if (state.range(0) < 0) {
      GstPushChain::stock(host, AudioEncoder::shape(spec));  // as ChainStock does
    }
    kept.push_back(std::make_unique<AudioEncoder>(host, spec));
    for (std::int64_t i = 0; i < state.range(0); ++i) {
      benchmark::DoNotOptimize(kept.back()->encode(core::Pcm{}).size());
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(kept.back()->encode(pcm).size());
  }
  state.SetLabel(state.range(0) < 0 ? std::string("stocked (pooled, flushed when taken)")
                                    : "built on use, after " + std::to_string(state.range(0)) +
                                          " frames of silence");
}

// One Opus packet of a tone through a decoder that has decoded many: a talker's cost to its
// media thread every tick it is mixed.
void BM_OpusDecodeFrame(benchmark::State& state) {
  GstPipelineHost host;
  const auto packets = opusTonePackets(host, 50);
  const CodecSpec spec{.kind = CodecKind::kOpus};
  std::unique_ptr<FrameDecoder> decoder;
  if (state.range(0) == 0) {
    decoder = std::make_unique<AudioDecoder>(host, spec);
  } else {
    decoder = std::make_unique<OpusFrameDecoder>(spec);
  }
  core::Pcm out{};
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decoder->decode(packets[i++ % packets.size()], out));
  }
  state.SetLabel(opusPath(state.range(0)));
}

// The first Opus packet through a new decoder (its chain built, never used): 0 as it is, N
// after N concealed frames went through it. What a tick pays when a caller is first mixed.
void BM_FirstOpusDecode(benchmark::State& state) {
  GstPipelineHost host;
  const CodecSpec spec{.kind = CodecKind::kOpus};
  const std::vector<std::uint8_t> packet = opusTonePackets(host, 5).back();
  std::vector<std::unique_ptr<AudioDecoder>> kept;
  core::Pcm out{};
  for (auto _ : state) {
    state.PauseTiming();
    kept.push_back(std::make_unique<AudioDecoder>(host, spec));
    for (std::int64_t i = 0; i < state.range(0); ++i) {
      kept.back()->conceal(out);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(kept.back()->decode(packet, out));
  }
  state.SetLabel("after " + std::to_string(state.range(0)) + " concealed frames");
}

// One 20 ms PCMU frame decoded and one encoded, as a G.711 caller costs its media thread every
// tick it is mixed and heard: 0 through GStreamer chains (mulawdec/mulawenc and audioresample,
// as before), 1 by table and the 1:6 filter (G711Decoder/G711Encoder, what the engine uses).
void BM_G711FrameBothWays(benchmark::State& state) {
  GstPipelineHost host;
  const CodecSpec spec{.kind = CodecKind::kPcmu, .payload_type = 0};
  std::unique_ptr<FrameDecoder> decoder;
  std::unique_ptr<FrameEncoder> encoder;
  if (state.range(0) == 0) {
    decoder = std::make_unique<AudioDecoder>(host, spec);
    encoder = std::make_unique<AudioEncoder>(host, spec);
  } else {
    decoder = makeDecoder(host, spec);
    encoder = makeEncoder(host, spec);
  }
  const core::Pcm pcm = toneFrame();
  const std::vector<std::uint8_t> payload(160, 0x55);
  core::Pcm out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(encoder->encode(pcm).size());
    benchmark::DoNotOptimize(decoder->decode(payload, out));
  }
  state.SetLabel(state.range(0) == 0 ? "gstreamer chains" : "table and filter");
}

BENCHMARK(BM_G711FrameBothWays)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpusEncodeFrame)->ArgsProduct({{0, 1, 2}, {0, 1}})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpusDecodeFrame)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NewLibopusEncoderAndFirstFrame)->Unit(benchmark::kMicrosecond)->Iterations(200);
BENCHMARK(BM_NewLibopusDecoderAndFirstPacket)->Unit(benchmark::kMicrosecond)->Iterations(200);
BENCHMARK(BM_FirstOpusDecode)
    ->Arg(0)
    ->Arg(1)
    ->Arg(3)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);
BENCHMARK(BM_FirstOpusEncode)
    ->Arg(-1)
    ->Arg(0)
    ->Arg(1)
    ->Arg(3)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);
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
