#include "tests/load/call_churn.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>

#include "mixer/engine/udp_socket.h"
#include "mixer/rtp/rtp_packet.h"
#include "tests/integration/sip_uac.h"

namespace mcu::test {
namespace {

// Enough workers that one slow transaction does not hold the rate: each does its share.
constexpr int kWorkers = 4;

struct ChurnCall {
  std::unique_ptr<SipUac> sip;
  mixer::UdpSocket rtp;
  std::chrono::steady_clock::time_point joined;
};

}  // namespace

CallChurn::CallChurn(ChurnOptions options) : options_(std::move(options)) {}

CallChurn::~CallChurn() {
  if (!workers_.empty()) {
    stop();
  }
}

void CallChurn::start() {
  if (options_.per_second <= 0) {
    return;
  }
  results_.assign(kWorkers, {});
  for (int i = 0; i < kWorkers; ++i) {
    workers_.emplace_back([this, i] { work(i, kWorkers, results_[static_cast<std::size_t>(i)]); });
  }
}

ChurnResult CallChurn::stop() {
  stopping_ = true;
  for (auto& w : workers_) {
    w.join();
  }
  workers_.clear();
  ChurnResult sum;
  for (const auto& r : results_) {
    sum.setups += r.setups;
    sum.failed += r.failed;
    sum.max_setup_ms = std::max(sum.max_setup_ms, r.max_setup_ms);
    sum.total_setup_ms += r.total_setup_ms;
  }
  return sum;
}

void CallChurn::work(int index, int workers, ChurnResult& out) {
  const auto period = std::chrono::microseconds(1'000'000LL * workers / options_.per_second);
  // Workers start spread over one period, so the set-ups are evenly spaced in all.
  auto next = std::chrono::steady_clock::now() + period * index / workers;
  std::deque<ChurnCall> up;
  std::uint16_t seq = 0;
  const auto hangUp = [&](ChurnCall& call) {
    if (call.sip->bye().status != 200) {
      ++out.failed;
    }
  };
  while (!stopping_) {
    std::this_thread::sleep_until(next);
    next += period;
    const auto now = std::chrono::steady_clock::now();
    while (!up.empty() && now - up.front().joined >= options_.hold) {
      hangUp(up.front());
      up.pop_front();
    }
    ChurnCall call{.sip = std::make_unique<SipUac>(options_.sip_port),
                   .rtp = mixer::UdpSocket::bind("127.0.0.1", 0),
                   .joined = now};
    const auto reply = call.sip->invite(options_.room, options_.offer(call.rtp.localPort()));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - now).count();
    ++out.setups;
    out.total_setup_ms += ms;
    out.max_setup_ms = std::max(out.max_setup_ms, ms);
    if (reply.status != 200) {
      ++out.failed;
      continue;
    }
    // One packet: the server sends no media to an address it has not heard from.
    mixer::rtp::RtpHeader h;
    h.payload_type = options_.payload_type;
    h.sequence = seq++;
    h.ssrc = 0x5000U + static_cast<std::uint32_t>(index);
    const int level_ext = options_.level_ext(reply.body);
    if (level_ext > 0) {
      h.audio_level = 127;  // silence, as a WebRTC or Opus phone says it
    }
    std::array<std::uint8_t, mixer::rtp::kMaxRtpPacket> packet{};
    const std::size_t size = mixer::rtp::writeRtp(h, options_.silence, packet, level_ext);
    if (const auto server = mixer::resolve({"127.0.0.1", sdpAudioPort(reply.body)})) {
      call.rtp.send(std::span<const std::uint8_t>(packet.data(), size), *server);
    }
    up.push_back(std::move(call));
  }
  for (auto& call : up) {
    hangUp(call);
  }
}

}  // namespace mcu::test
