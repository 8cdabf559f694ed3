// Mouth-to-ear latency through a running server, from outside it: two callers (G.711, or Opus
// with --codec opus) dial ROOM by SIP and tests/support/latency_probe times 1 kHz bursts from
// one to the other, with optional jitter and loss on the talker's packets. Prints p50/p95 in
// milliseconds.
//   sip_latency SIP_PORT [--room R] [--bursts N] [--jitter-ms J] [--loss-pct L] [--codec opus]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/integration/sip_uac.h"
#include "tests/support/latency_probe.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s SIP_PORT [--room R] [--bursts N] [--jitter-ms J] "
                 "[--loss-pct L] [--codec opus]\n",
                 argv[0]);
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  std::string room = "latency";
  mcu::test::LatencyOptions options;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--room") {
      room = argv[i + 1];
    } else if (flag == "--bursts") {
      options.bursts = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--jitter-ms") {
      options.jitter_ms = std::max(0, std::atoi(argv[i + 1]));
    } else if (flag == "--loss-pct") {
      options.loss_pct = std::atof(argv[i + 1]);
    } else if (flag == "--codec") {
      options.opus = std::string(argv[i + 1]) == "opus";
    }
  }
  const auto a = mcu::mixer::UdpSocket::bind("127.0.0.1", 0);
  const auto b = mcu::mixer::UdpSocket::bind("127.0.0.1", 0);
  mcu::test::SipUac a_sip(port);
  mcu::test::SipUac b_sip(port);
  const std::string codec = options.opus ? "opus" : "PCMU";
  const auto a_reply = a_sip.invite(room, mcu::test::sdpOffer(a.localPort(), codec));
  const auto b_reply = b_sip.invite(room, mcu::test::sdpOffer(b.localPort(), codec));
  if (a_reply.status != 200 || b_reply.status != 200) {
    std::fprintf(stderr, "INVITEs got %d and %d\n", a_reply.status, b_reply.status);
    return 1;
  }
  const auto a_to = mcu::mixer::resolve({"127.0.0.1", mcu::test::sdpAudioPort(a_reply.body)});
  const auto b_to = mcu::mixer::resolve({"127.0.0.1", mcu::test::sdpAudioPort(b_reply.body)});
  const auto r = mcu::test::measureMouthToEar(a, *a_to, b, *b_to, options);
  std::printf(
      "codec=%s bursts=%d jitter_ms=%d loss_pct=%.1f heard=%zu missed=%d p50_ms=%.1f "
      "p95_ms=%.1f max_ms=%.1f first_burst_ms=%.1f\n",
      codec.c_str(), options.bursts, options.jitter_ms, options.loss_pct, r.ms.size(), r.missed,
      r.percentile(50), r.percentile(95), r.percentile(100),
      r.warmup_ms.empty() ? 0.0 : r.warmup_ms.front());
  a_sip.bye();
  b_sip.bye();
  return r.missed == 0 ? 0 : 1;
}
