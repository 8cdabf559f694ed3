#include "tests/support/latency_probe.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <numbers>
#include <random>
#include <thread>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/g711_law.h"
#include "mixer/rtp/rtp_packet.h"
#include "tests/support/frames_heard.h"
#include "tests/support/tone.h"

namespace mcu::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kBurstEveryFrames = 25;
constexpr int kBurstFrames = 10;
constexpr double kToneHz = 1000.0;

// What the callers speak: the payloads of A's frames (silence or the tone) and B's silence,
// and whether a payload B receives holds the tone.
class ProbeVoice {
 public:
  explicit ProbeVoice(bool opus) : opus_(opus) {
    if (opus_) {
      const mixer::codec::CodecSpec talker{.kind = mixer::codec::CodecKind::kOpus};
      mixer::codec::CodecSpec listener = talker;
      listener.inband_fec = false;  // opusdec with FEC would hold each packet back a frame
      a_encoder_ = std::make_unique<mixer::codec::AudioEncoder>(host_, talker);
      b_encoder_ = std::make_unique<mixer::codec::AudioEncoder>(host_, talker);
      b_decoder_ = std::make_unique<mixer::codec::AudioDecoder>(host_, listener);
    }
  }
  std::uint8_t payloadType() const { return opus_ ? 111 : 0; }
  int rate() const { return opus_ ? 48000 : 8000; }

  // Frames in order, each once: Opus encoders keep state from one to the next.
  std::vector<std::uint8_t> payload(bool a, bool tone, int frame) {
    const int samples = rate() / 50;
    std::vector<std::int16_t> pcm(static_cast<std::size_t>(samples));
    for (int i = 0; i < samples; ++i) {
      const double t = static_cast<double>(frame * samples + i) / rate();
      pcm[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(
          tone ? 8000.0 * std::sin(2.0 * std::numbers::pi * kToneHz * t) : 0.0);
    }
    if (!opus_) {
      std::vector<std::uint8_t> ulaw(pcm.size());
      std::transform(pcm.begin(), pcm.end(), ulaw.begin(), mixer::codec::linearToUlaw);
      return ulaw;
    }
    mixer::core::Pcm frame_pcm{};
    std::copy(pcm.begin(), pcm.end(), frame_pcm.begin());
    const auto bytes = (a ? a_encoder_ : b_encoder_)->encode(frame_pcm);
    return {bytes.begin(), bytes.end()};
  }

  bool hearsTone(std::span<const std::uint8_t> payload) {
    if (!opus_) {
      std::vector<std::int16_t> pcm(payload.size());
      std::transform(payload.begin(), payload.end(), pcm.begin(), mixer::codec::ulawToLinear);
      return goertzelDb(pcm, kToneHz, 8000) > kHeardDb;
    }
    mixer::core::Pcm pcm{};
    return b_decoder_->decode(payload, pcm) && goertzelDb(pcm, kToneHz, 48000) > kHeardDb;
  }

 private:
  bool opus_;
  mixer::codec::GstPipelineHost host_;
  std::unique_ptr<mixer::codec::AudioEncoder> a_encoder_;
  std::unique_ptr<mixer::codec::AudioEncoder> b_encoder_;
  std::unique_ptr<mixer::codec::AudioDecoder> b_decoder_;
};

std::vector<std::uint8_t> packet(ProbeVoice& voice, bool a, std::uint16_t seq, bool tone,
                                 int frame) {
  const std::vector<std::uint8_t> payload = voice.payload(a, tone, frame);
  mixer::rtp::RtpHeader h;
  h.payload_type = voice.payloadType();
  h.sequence = seq;
  h.timestamp = static_cast<std::uint32_t>(frame * voice.rate() / 50);
  h.ssrc = a ? 0xA0A0A0A0 : 0xB0B0B0B0;
  std::vector<std::uint8_t> out(mixer::rtp::kMaxRtpPacket);
  out.resize(mixer::rtp::writeRtp(h, payload, out));
  return out;
}

bool hearsTone(ProbeVoice& voice, std::span<const std::uint8_t> datagram) {
  const auto p = mixer::rtp::parseRtp(datagram, 0);
  if (!p || p->header.payload_type != voice.payloadType() || p->payload.empty()) {
    return false;
  }
  return voice.hearsTone(p->payload);
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
  ProbeVoice voice(options.opus);
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
      // Encoded whether lost or not, as a phone's encoder never knows.
      auto sent = packet(voice, true, seq, tone, frame);
      if (!(options.loss_pct > 0 && chance(rng) < options.loss_pct)) {
        held.emplace_back(at(ms + jitter(rng)), std::move(sent));
        std::stable_sort(held.begin(), held.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
      }
      b.send(packet(voice, false, seq, false, frame), b_to);
    }
    while (!held.empty() && held.front().first <= Clock::now()) {
      a.send(held.front().second, a_to);
      held.pop_front();
    }
    for (ssize_t n = b.receive(buffer, from); n > 0; n = b.receive(buffer, from)) {
      // Every packet is decoded, heard for or not: Opus decoders keep state.
      if (hearsTone(voice, std::span(buffer.data(), static_cast<std::size_t>(n))) && listening) {
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
