#include "tests/support/latency_probe.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <numbers>
#include <random>
#include <thread>

#include "mixer/codec/g711_law.h"
#include "mixer/rtp/rtp_packet.h"
#include "tests/support/frames_heard.h"
#include "tests/support/tone.h"

namespace mcu::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kFrameSamples = 160;  // 20 ms at 8 kHz
constexpr int kBurstEveryFrames = 25;
constexpr int kBurstFrames = 10;
constexpr double kToneHz = 1000.0;

std::vector<std::uint8_t> packet(std::uint16_t seq, std::uint32_t ssrc, bool tone, int frame) {
  std::array<std::uint8_t, kFrameSamples> payload{};
  for (int i = 0; i < kFrameSamples; ++i) {
    const double t = static_cast<double>(frame * kFrameSamples + i) / 8000.0;
    const double v = tone ? 8000.0 * std::sin(2.0 * std::numbers::pi * kToneHz * t) : 0.0;
    payload[static_cast<std::size_t>(i)] = mixer::codec::linearToUlaw(static_cast<std::int16_t>(v));
  }
  mixer::rtp::RtpHeader h;
  h.payload_type = 0;
  h.sequence = seq;
  h.timestamp = static_cast<std::uint32_t>(frame * kFrameSamples);
  h.ssrc = ssrc;
  std::vector<std::uint8_t> out(mixer::rtp::kMaxRtpPacket);
  out.resize(mixer::rtp::writeRtp(h, payload, out));
  return out;
}

bool hearsTone(std::span<const std::uint8_t> datagram) {
  const auto p = mixer::rtp::parseRtp(datagram, 0);
  if (!p || p->header.payload_type != 0 || p->payload.empty()) {
    return false;
  }
  std::vector<std::int16_t> pcm;
  pcm.reserve(p->payload.size());
  for (const std::uint8_t byte : p->payload) {
    pcm.push_back(mixer::codec::ulawToLinear(byte));
  }
  return goertzelDb(pcm, kToneHz, 8000) > kHeardDb;
}

}  // namespace

double LatencyResult::percentile(double p) const {
  if (ms.empty()) {
    return 0.0;
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

LatencyResult measureMouthToEar(const mixer::UdpSocket& a, const mixer::Endpoint& a_to,
                                const mixer::UdpSocket& b, const mixer::Endpoint& b_to,
                                const LatencyOptions& options) {
  std::mt19937 rng(options.seed);
  std::uniform_int_distribution<int> jitter(0, std::max(0, options.jitter_ms));
  std::uniform_real_distribution<double> chance(0.0, 100.0);
  // One second of silence first, so both streams run and the server hears both callers.
  constexpr int kLeadFrames = 50;
  const int frames = kLeadFrames + (options.warmup_bursts + options.bursts) * kBurstEveryFrames;
  int heard = 0;
  const auto start = Clock::now();
  const auto at = [&](double ms) {
    return start + std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000.0));
  };
  std::deque<std::pair<Clock::time_point, std::vector<std::uint8_t>>> held;  // A's, jittered
  bool listening = false;  // for the burst that began at `onset`
  Clock::time_point onset{};
  LatencyResult result;
  std::array<std::uint8_t, mixer::rtp::kMaxRtpPacket> buffer{};
  mixer::Endpoint from;
  const int total_ms = frames * 20 + 400;  // the last burst's tail, heard late
  for (int ms = 0; ms < total_ms; ++ms) {
    if (ms % 20 == 0 && ms / 20 < frames) {
      const int frame = ms / 20;
      const int in_cycle = (frame - kLeadFrames) % kBurstEveryFrames;
      const bool tone = frame >= kLeadFrames && in_cycle < kBurstFrames;
      if (tone && in_cycle == 0) {
        if (listening) {
          ++result.missed;  // the previous burst was never heard
        }
        listening = true;
        onset = at(ms);
      }
      const auto seq = static_cast<std::uint16_t>(frame);
      if (!(options.loss_pct > 0 && chance(rng) < options.loss_pct)) {
        held.emplace_back(at(ms + jitter(rng)), packet(seq, 0xA0A0A0A0, tone, frame));
        std::stable_sort(held.begin(), held.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
      }
      b.send(packet(seq, 0xB0B0B0B0, false, frame), b_to);
    }
    while (!held.empty() && held.front().first <= Clock::now()) {
      a.send(held.front().second, a_to);
      held.pop_front();
    }
    for (ssize_t n = b.receive(buffer, from); n > 0; n = b.receive(buffer, from)) {
      if (listening && hearsTone(std::span(buffer.data(), static_cast<std::size_t>(n)))) {
        const double ms_taken =
            std::chrono::duration<double, std::milli>(Clock::now() - onset).count();
        (heard++ < options.warmup_bursts ? result.warmup_ms : result.ms).push_back(ms_taken);
        listening = false;
      }
    }
    std::this_thread::sleep_until(at(ms + 1));
  }
  if (listening) {
    ++result.missed;
  }
  return result;
}

}  // namespace mcu::test
