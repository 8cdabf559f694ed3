// Mouth-to-ear latency through the server, measured from outside it as a phone would see it:
// caller A sends frames paced at 20 ms, silence with a 1 kHz burst of 200 ms every 500 ms;
// caller B sends silence (so the server sends to it) and listens. One measurement is the time
// from the nominal sending time of a burst's first frame (before any jitter or loss the probe
// applies to A's packets) to the arrival at B of the first packet in which 1 kHz stands out.
// G.711 u-law by formula; or Opus (with in-band FEC, as browsers and baresip send it) through
// GStreamer's opusenc and opusdec, an implementation apart from the server's libopus calls,
// whose decoder here runs without FEC so that it holds no packet back.
#pragma once

#include <cstdint>
#include <vector>

#include "mixer/engine/udp_socket.h"

namespace mcu::test {

struct LatencyOptions {
  int bursts = 12;
  // Bursts timed but kept apart (LatencyResult::warmup_ms): a caller's first talk burst also
  // builds its decoder and the talkers' encoders, on the room's tick.
  int warmup_bursts = 1;
  int jitter_ms = 0;       // each of A's packets is held back 0..jitter_ms (uniform)
  double loss_pct = 0.0;   // and dropped with this chance
  std::uint32_t seed = 1;  // of the jitter and loss
  bool opus = false;       // Opus (payload type 111) instead of PCMU: see above
};

struct LatencyResult {
  std::vector<double> warmup_ms;  // the warm-up bursts heard
  std::vector<double> ms;         // one per later burst heard
  int missed = 0;                 // bursts never heard
  // The p-th percentile (0..100) of `ms`, nearest rank; 0 when nothing was heard.
  double percentile(double p) const;
};

// `a` and `b` are the callers' RTP sockets, `a_to` and `b_to` the server's ports for them.
LatencyResult measureMouthToEar(const mixer::UdpSocket& a, const mixer::Endpoint& a_to,
                                const mixer::UdpSocket& b, const mixer::Endpoint& b_to,
                                const LatencyOptions& options);

}  // namespace mcu::test
