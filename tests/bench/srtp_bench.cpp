// What SRTP adds per packet (libsrtp2 through SrtpSession): protect what we send, unprotect
// what we receive, for the packet sizes of our codecs. A participant costs 50 of each per
// second (20 ms packets), so ms CPU per participant-second = 50 x (protect + unprotect) in ms.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "mixer/rtp/rtp_packet.h"
#include "mixer/srtp/srtp_session.h"

namespace {

using mcu::mixer::srtp::SrtpKeys;
using mcu::mixer::srtp::SrtpSession;
using mcu::mixer::srtp::SrtpSuite;

void protectAndUnprotect(benchmark::State& state, SrtpSuite suite) {
  const std::size_t key_length = mcu::mixer::srtp::masterKeyLength(suite);
  const std::vector<std::uint8_t> a(key_length, 0x11);
  const std::vector<std::uint8_t> b(key_length, 0x22);
  auto sender = SrtpSession::create({suite, a, b});
  auto receiver = SrtpSession::create({suite, b, a});
  const std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 0x55);
  std::array<std::uint8_t, 1600> packet{};
  mcu::mixer::rtp::RtpHeader header;
  header.ssrc = 42;
  for (auto _ : state) {
    ++header.sequence;
    header.timestamp += 160;
    const std::size_t plain = mcu::mixer::rtp::writeRtp(header, payload, packet);
    const std::size_t secured = sender->protectRtp(packet, plain);
    const auto back = receiver->unprotectRtp(packet, secured);
    benchmark::DoNotOptimize(back);
  }
  state.SetLabel(std::string(mcu::mixer::srtp::suiteName(suite)));
}

void BM_SrtpAesCm80(benchmark::State& state) {
  protectAndUnprotect(state, SrtpSuite::kAesCm128HmacSha1_80);
}
void BM_SrtpAesGcm(benchmark::State& state) {
  protectAndUnprotect(state, SrtpSuite::kAeadAes128Gcm);
}

// 80 bytes: Opus at ~32 kbit/s; 160: G.711 and G.722.
BENCHMARK(BM_SrtpAesCm80)->Arg(80)->Arg(160);
BENCHMARK(BM_SrtpAesGcm)->Arg(80)->Arg(160);

}  // namespace

BENCHMARK_MAIN();
