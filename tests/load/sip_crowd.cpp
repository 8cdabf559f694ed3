// The external load generator: N callers join one room of a running server by SIP (UDP) and
// send RTP from this process, each from its own port as a phone would, with jitter and loss;
// a few of them are listened to (decoded, Goertzel). Its packets go out through the same
// batched I/O as the server's (io_uring), so one core of it carries thousands of callers and
// it is not what a run measures. What the callers receive is read every 20 ms with one
// recvmmsg per socket, and no receive is armed on their sockets: on loopback the delivery into
// a receiving socket runs in the sender's context, and a multishot receive's wake-up on each
// caller's socket was charged to the server (about 4 % of its CPU at 1,000 callers, perf).
//
//   sip_crowd SIP_PORT [--room R] [--callers N] [--talkers K] [--codec pcmu|opus|mixed]
//             [--seconds S] [--jitter-ms J] [--loss-pct L] [--listeners M] [--joins-per-s R]
//             [--http-port P] [--server-pid PID] [--churn-per-s C] [--churn-hold-ms H]
//             [--churn-levels 0|1] [--janus-http P --janus-room ID] [--stall-probe 0|1]
//
// The first K callers talk (440, 1000, 1700, ... Hz); the others send silence (Opus callers
// with an RFC 6464 level, as WebRTC and most phones do). Opus callers offer RFC 6464; "mixed"
// alternates Opus, PCMU and PCMA. After everyone joined and 3 s of settling it measures S
// seconds and prints one line of key=value:
//   seq_loss_pct      sequence gaps in what the callers received, over what they received
//   wall_s            how long the measured S seconds took (longer: the generator fell behind)
//   realtime_pct      packets received over 50 per caller-second of wall time
//   mix_minus_ok      every listened caller heard every other talker in > 90 % of frames and
//                     no talker heard itself in > 10 %
//   server_ms_per_ps  server CPU (/proc/PID/stat) per participant-second (of wall time)
//   late_ticks, max_tick_ms from the server's /metrics (the run's difference, and the maximum)
//   ticks, ticks_over_5ms, ticks_over_20ms  the run's media ticks, from the tick histogram
//   tick_mean_ms      the run's mean tick
//   receive_ahead_mean_ms, max_receive_ahead_ms  the reads of RTP just before each tick (the
//                     run's mean; the maximum), which the ticks no longer include
//   server_kb_per_caller  RSS growth from before the joins, per caller
// With --churn-per-s, C more callers per second join (silent, one packet each) and leave
// after H ms (default 1000) while it measures (call_churn.h): churn_setups, churn_failed and
// the INVITE-to-200 times. --churn-levels 0: their packet has no RFC 6464 level (an Opus
// phone without it), so the server decodes it, with a decoder for each.
// With --stall-probe 1, MachineStallProbe watches the machine from the first join (the line's
// figures are the measured window's), and the line
// also gives machine_stalls (spans of 3 ms or more in which a CPU could not run the probe),
// whole_machine_stalls (every CPU at once), max_machine_stall_ms, probe_rt (the probe had its
// real-time priority), and the run's slow ticks (over 5 ms) split by SlowTickTimeline into
// slow_ticks_near_stall (near any stall the probe recorded, 2 ms or more) and slow_ticks_alone,
// with stall_cover_pct, the share of the run near such a stall (where slow ticks would fall by
// chance). Each stall also goes to stderr with its start on CLOCK_MONOTONIC, the clock of
// the server's slow_tick log lines. It reads /metrics ten times a second,
// which the server's CPU figure then includes.
// With --janus-http, the callers join Janus AudioBridge room ID over its HTTP API on port P
// (plain-RTP participants, janus_bridge.h) instead of dialling SIP_PORT, and send it the same
// RTP: the yardstick, measured the same way (--server-pid: Janus's; it has no /metrics).
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/core/level_meter.h"
#include "mixer/engine/packet_io.h"
#include "mixer/rtp/rtp_packet.h"
#include "tests/integration/sip_uac.h"
#include "tests/load/call_churn.h"
#include "tests/load/janus_bridge.h"
#include "tests/load/machine_stall_probe.h"
#include "tests/load/server_sample.h"
#include "tests/load/slow_tick_timeline.h"
#include "tests/support/frames_heard.h"
#include "tests/support/tone.h"

namespace {

using namespace std::chrono_literals;
using mcu::mixer::Endpoint;
using mcu::mixer::PacketIo;
using mcu::mixer::UdpSocket;
using mcu::mixer::codec::CodecKind;
using mcu::mixer::codec::CodecSpec;
using mcu::test::sampleServer;
using mcu::test::ServerSample;

constexpr std::array<double, 6> kTones = {440.0, 1000.0, 1700.0, 2300.0, 2900.0, 3500.0};
constexpr int kAudioLevelExt = 1;
constexpr int kWheelSlots = 256;    // ms; holds the largest jitter
constexpr int kProbePriority = 50;  // above the server's media threads (SCHED_FIFO 10)
constexpr double kStallMs = 3.0;    // a stall that can push a 2 ms tick past 5 ms
// Any stall the probe records (2 ms or more): with a tick of 3 ms, which happens, one of them
// is enough to make it slow.
constexpr double kNearStallMs = 2.0;

struct Options {
  std::uint16_t sip_port = 0;
  std::string room = "crowd";
  int callers = 100;
  int talkers = 3;
  std::string codec = "opus";
  int seconds = 20;
  int jitter_ms = 0;
  double loss_pct = 0.0;
  int listeners = 3;
  int joins_per_s = 200;
  std::uint16_t http_port = 0;
  int server_pid = 0;
  int churn_per_s = 0;
  int churn_hold_ms = 1000;
  bool churn_levels = true;
  std::uint16_t janus_http = 0;  // 0: the callers dial SIP_PORT
  std::uint64_t janus_room = 0;
  bool stall_probe = false;
};

struct Caller {
  UdpSocket rtp;
  std::unique_ptr<mcu::test::SipUac> sip;
  Endpoint server;
  CodecSpec spec;
  int level_ext = 0;  // RFC 6464 id the server answered with (0: none)
  int talker = -1;    // index into kTones
  int phase_ms = 0;   // when in each 20 ms it sends
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  std::uint32_t ssrc = 0;
  std::uint64_t frame = 0;
  // What it receives.
  std::uint64_t received = 0;
  std::uint64_t gaps = 0;
  bool have_seq = false;
  std::uint16_t last_seq = 0;
  std::unique_ptr<mcu::mixer::codec::AudioDecoder> decoder;  // listened callers only
  std::vector<std::int16_t> audio;
};

// One talker's second of tone (50 frames; every tone here is whole cycles in a second, so the
// loop is seamless), encoded once per codec; and the levels of its frames.
struct Voice {
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<std::uint8_t> levels;
};

Voice makeVoice(mcu::mixer::codec::GstPipelineHost& gst, const CodecSpec& spec, double hz) {
  mcu::mixer::codec::AudioEncoder encoder(gst, spec);
  mcu::test::ToneGenerator tone(hz);
  Voice v;
  for (int i = 0; i < 50; ++i) {
    mcu::mixer::core::Pcm pcm{};
    if (hz > 0) {
      tone.next(pcm);
    }
    const auto payload = encoder.encode(pcm);
    v.frames.emplace_back(payload.begin(), payload.end());
    v.levels.push_back(static_cast<std::uint8_t>(mcu::mixer::core::levelDbov(pcm)));
  }
  return v;
}

CodecSpec specFor(const std::string& codec, std::size_t index) {
  const std::string kind =
      codec == "mixed" ? std::array<std::string, 3>{"opus", "pcmu", "pcma"}[index % 3] : codec;
  if (kind == "pcmu") {
    return {.kind = CodecKind::kPcmu, .payload_type = 0};
  }
  if (kind == "pcma") {
    return {.kind = CodecKind::kPcma, .payload_type = 8};
  }
  return {.kind = CodecKind::kOpus, .payload_type = 111};
}

std::string offerFor(const CodecSpec& spec, std::uint16_t port) {
  if (spec.kind == CodecKind::kOpus) {
    return mcu::test::sdpOffer(port, "opus") + "a=extmap:" + std::to_string(kAudioLevelExt) +
           " urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n";
  }
  return mcu::test::sdpOffer(port, spec.kind == CodecKind::kPcmu ? "PCMU" : "PCMA");
}

int answeredLevelExt(const std::string& sdp) {
  const auto at = sdp.find(" urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  if (at == std::string::npos) {
    return 0;
  }
  const auto start = sdp.rfind("a=extmap:", at);
  return start == std::string::npos ? 0 : std::atoi(sdp.c_str() + start + 9);
}

// `total` over `count`, 0 for none.
double perCount(double total, double count) { return count > 0 ? total / count : 0.0; }

double ownCpuS() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The share of 20 ms frames of `audio` in which `hz` is heard.
double shareHeard(const std::vector<std::int16_t>& audio, double hz) {
  const std::array<double, 1> tone{hz};
  return mcu::test::framesHeard(audio, tone).share();
}

Options parse(int argc, char** argv) {
  Options o;
  o.sip_port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--room") {
      o.room = v;
    } else if (flag == "--callers") {
      o.callers = std::max(1, std::atoi(v));
    } else if (flag == "--talkers") {
      o.talkers = std::clamp(std::atoi(v), 0, static_cast<int>(kTones.size()));
    } else if (flag == "--codec") {
      o.codec = v;
    } else if (flag == "--seconds") {
      o.seconds = std::clamp(std::atoi(v), 1, 3600);
    } else if (flag == "--jitter-ms") {
      o.jitter_ms = std::clamp(std::atoi(v), 0, kWheelSlots - 21);
    } else if (flag == "--loss-pct") {
      o.loss_pct = std::clamp(std::atof(v), 0.0, 100.0);
    } else if (flag == "--listeners") {
      o.listeners = std::max(0, std::atoi(v));
    } else if (flag == "--joins-per-s") {
      o.joins_per_s = std::clamp(std::atoi(v), 1, 10000);
    } else if (flag == "--http-port") {
      o.http_port = static_cast<std::uint16_t>(std::atoi(v));
    } else if (flag == "--server-pid") {
      o.server_pid = std::atoi(v);
    } else if (flag == "--churn-per-s") {
      o.churn_per_s = std::clamp(std::atoi(v), 0, 2000);
    } else if (flag == "--churn-levels") {
      o.churn_levels = std::atoi(v) != 0;
    } else if (flag == "--janus-http") {
      o.janus_http = static_cast<std::uint16_t>(std::atoi(v));
    } else if (flag == "--janus-room") {
      o.janus_room = std::strtoull(v, nullptr, 10);
    } else if (flag == "--stall-probe") {
      o.stall_probe = std::atoi(v) != 0;
    } else if (flag == "--churn-hold-ms") {
      o.churn_hold_ms = std::clamp(std::atoi(v), 0, 600000);
    }
  }
  o.talkers = std::min(o.talkers, o.callers);
  if (o.janus_http != 0 && o.churn_per_s > 0) {
    std::fprintf(stderr, "--churn-per-s dials by SIP: it does not go with --janus-http\n");
    std::exit(2);
  }
  return o;
}

}  // namespace

// What every caller's socket holds, handed to `fn` as PacketIo would (see the top).
template <typename Callers, typename Fn>
void readAll(const Callers& callers, const Fn& fn) {
  constexpr std::size_t kBatch = 8;
  std::array<std::array<std::uint8_t, mcu::mixer::rtp::kMaxRtpPacket>, kBatch> buffers{};
  std::array<Endpoint, kBatch> from{};
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  for (std::size_t i = 0; i < callers.size(); ++i) {
    int n = 0;
    do {
      for (std::size_t k = 0; k < kBatch; ++k) {
        iov[k] = {buffers[k].data(), buffers[k].size()};
        msgs[k] = {};
        msgs[k].msg_hdr.msg_name = &from[k].addr;
        msgs[k].msg_hdr.msg_namelen = sizeof from[k].addr;
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
      }
      n = ::recvmmsg(callers[i].rtp.fd(), msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      for (int k = 0; k < n; ++k) {
        const auto at = static_cast<std::size_t>(k);
        from[at].len = msgs[at].msg_hdr.msg_namelen;
        fn(PacketIo::Datagram{i, nullptr, std::span(buffers[at].data(), msgs[at].msg_len), from[at],
                              0});
      }
    } while (n == static_cast<int>(kBatch));
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SIP_PORT [--callers N] [--talkers K] ... (see the source)\n",
                 argv[0]);
    return 2;
  }
  const Options o = parse(argc, argv);
  auto io = PacketIo::create();
  if (!io) {
    std::fprintf(stderr, "io_uring is not available: the generator would be the bottleneck\n");
    return 1;
  }
  mcu::mixer::codec::GstPipelineHost gst;
  std::mt19937 rng(12345);
  // Voices per (codec, tone): encoded once, shared by every caller that sends them.
  std::vector<std::pair<std::pair<CodecKind, int>, Voice>> voices;
  const auto voiceFor = [&](const CodecSpec& spec, int talker) -> const Voice& {
    for (const auto& [key, v] : voices) {
      if (key == std::pair{spec.kind, talker}) {
        return v;
      }
    }
    voices.emplace_back(
        std::pair{spec.kind, talker},
        makeVoice(gst, spec, talker >= 0 ? kTones[static_cast<std::size_t>(talker)] : 0.0));
    return voices.back().second;
  };

  std::unique_ptr<mcu::test::JanusBridge> janus;
  if (o.janus_http != 0) {
    janus = std::make_unique<mcu::test::JanusBridge>(o.janus_http, o.janus_room);
    if (!janus->open()) {
      return 1;
    }
  }
  const ServerSample idle = sampleServer(o.server_pid, o.http_port);
  std::vector<Caller> callers(static_cast<std::size_t>(o.callers));
  // From the first join: the slow ticks of the joins and of the first packets are set beside
  // the stalls too (stderr); the figures on the line are the measured window's.
  std::optional<mcu::test::MachineStallProbe> probe;
  if (o.stall_probe) {
    probe.emplace(kProbePriority);
  }
  const auto join_started = std::chrono::steady_clock::now();
  for (int i = 0; i < o.callers; ++i) {
    Caller& c = callers[static_cast<std::size_t>(i)];
    c.rtp = UdpSocket::bind("127.0.0.1", 0);
    c.spec = specFor(o.codec, static_cast<std::size_t>(i));
    c.talker = i < o.talkers ? i : -1;
    c.phase_ms = static_cast<int>(rng() % 20);
    c.ssrc = static_cast<std::uint32_t>(rng());
    if (janus) {
      const auto port = janus->join({.local_port = c.rtp.localPort(),
                                     .payload_type = c.spec.payload_type,
                                     .level_ext = kAudioLevelExt});
      if (!port) {
        return 1;
      }
      c.server = *mcu::mixer::resolve({"127.0.0.1", *port});
      c.level_ext = kAudioLevelExt;
    } else {
      c.sip = std::make_unique<mcu::test::SipUac>(o.sip_port);
      const auto reply = c.sip->invite(o.room, offerFor(c.spec, c.rtp.localPort()));
      if (reply.status != 200) {
        std::fprintf(stderr, "caller %d: INVITE got %d\n", i, reply.status);
        return 1;
      }
      c.server = *mcu::mixer::resolve({"127.0.0.1", mcu::test::sdpAudioPort(reply.body)});
      c.level_ext = answeredLevelExt(reply.body);
    }
    if (i < o.talkers + o.listeners) {
      c.decoder = std::make_unique<mcu::mixer::codec::AudioDecoder>(gst, c.spec);
    }
    std::this_thread::sleep_until(join_started + (i + 1) * 1'000'000us / o.joins_per_s);
  }
  const double join_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - join_started).count();

  // The send wheel: packets due at each millisecond (jitter delays them, loss drops them).
  std::vector<std::vector<std::pair<int, std::vector<std::uint8_t>>>> wheel(kWheelSlots);
  std::uniform_int_distribution<int> jitter(0, o.jitter_ms);
  std::uniform_real_distribution<double> chance(0.0, 100.0);
  bool measuring = false;
  const auto receive = [&](const PacketIo::Datagram& d) {
    Caller& c = callers[d.key];
    const auto packet = mcu::mixer::rtp::parseRtp(d.data, 0);
    if (!packet || !measuring) {
      return;
    }
    ++c.received;
    if (c.have_seq) {
      const auto gap = static_cast<std::uint16_t>(packet->header.sequence - c.last_seq - 1);
      c.gaps += gap < 1000 ? gap : 0;  // not a reordering or a restart
    }
    c.have_seq = true;
    c.last_seq = packet->header.sequence;
    if (c.decoder) {
      mcu::mixer::core::Pcm pcm{};
      if (c.decoder->decode(packet->payload, pcm)) {
        c.audio.insert(c.audio.end(), pcm.begin(), pcm.end());
      }
    }
  };

  const CodecSpec churn_spec = specFor(o.codec, 1);  // "mixed": PCMU
  mcu::test::CallChurn churn(
      {.sip_port = o.sip_port,
       .room = o.room,
       .per_second = o.churn_per_s,
       .hold = std::chrono::milliseconds(o.churn_hold_ms),
       .offer = [&churn_spec](std::uint16_t port) { return offerFor(churn_spec, port); },
       .level_ext = o.churn_levels ? answeredLevelExt : [](const std::string&) { return 0; },
       .silence = voiceFor(churn_spec, -1).frames.back(),
       .payload_type = churn_spec.payload_type});

  const int settle_ms = 3000;
  const int total_ms = settle_ms + o.seconds * 1000;
  ServerSample start;
  double gen_cpu_start = 0;
  std::uint64_t sent = 0;
  std::array<std::vector<std::size_t>, 20> by_phase;  // who sends in each ms of the 20
  for (std::size_t i = 0; i < callers.size(); ++i) {
    by_phase[static_cast<std::size_t>(callers[i].phase_ms)].push_back(i);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto measure_started = t0;
  std::optional<mcu::test::SlowTickTimeline> timeline;
  for (int ms = 0; ms < total_ms; ++ms) {
    if (ms == settle_ms) {
      measuring = true;
      measure_started = std::chrono::steady_clock::now();
      start = sampleServer(o.server_pid, o.http_port);
      gen_cpu_start = ownCpuS();
      sent = 0;
      churn.start();
      if (o.stall_probe && o.http_port > 0) {
        timeline.emplace(o.http_port, 100ms);
      }
    }
    for (const std::size_t i : by_phase[static_cast<std::size_t>(ms % 20)]) {
      Caller& c = callers[i];
      const Voice& v = voiceFor(c.spec, c.talker);
      const std::size_t f = c.frame++ % v.frames.size();
      mcu::mixer::rtp::RtpHeader h;
      h.payload_type = c.spec.payload_type;
      h.sequence = c.seq++;
      h.timestamp = c.ts;
      h.ssrc = c.ssrc;
      if (c.level_ext > 0) {
        h.audio_level = v.levels[f];
      }
      c.ts += mcu::mixer::codec::rtpTimestampsPerFrame(c.spec.kind);
      if (o.loss_pct > 0 && chance(rng) < o.loss_pct) {
        continue;
      }
      std::array<std::uint8_t, mcu::mixer::rtp::kMaxRtpPacket> packet;  // written, then copied
      const std::size_t size = mcu::mixer::rtp::writeRtp(h, v.frames[f], packet, c.level_ext);
      wheel[static_cast<std::size_t>((ms + jitter(rng)) % kWheelSlots)].emplace_back(
          static_cast<int>(i), std::vector<std::uint8_t>(packet.begin(), packet.begin() + size));
    }
    auto& due = wheel[static_cast<std::size_t>(ms % kWheelSlots)];
    for (const auto& [i, bytes] : due) {
      const Caller& c = callers[static_cast<std::size_t>(i)];
      io->send(c.rtp, bytes, c.server);
    }
    sent += due.size();
    due.clear();
    io->flush();
    if (ms % 5 == 0) {
      io->poll([](const PacketIo::Datagram&) {});  // the sends' completions: their slots back
    }
    if (ms % 20 == 10) {
      readAll(callers, receive);
    }
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(ms + 1));
  }
  readAll(callers, receive);
  const ServerSample end = sampleServer(o.server_pid, o.http_port);
  if (probe) {
    probe->stop();
  }
  if (timeline) {
    timeline->stop();
  }
  // Wall time, not the S seconds asked for: a generator starved of CPU (e.g. by a server's
  // SCHED_FIFO threads) sends its S seconds of packets over longer, and counting against S
  // read that as the server sending more than real time.
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - measure_started).count();
  const mcu::test::ChurnResult churned = churn.stop();
  const double gen_cpu = ownCpuS() - gen_cpu_start;

  std::uint64_t received = 0;
  std::uint64_t gaps = 0;
  for (const auto& c : callers) {
    received += c.received;
    gaps += c.gaps;
  }
  // Mix-minus, by ear: each listened caller hears every talker but itself.
  double min_heard = 1.0;
  double max_self = 0.0;
  for (const auto& c : callers) {
    if (!c.decoder) {
      continue;
    }
    for (int t = 0; t < o.talkers; ++t) {
      const double share = shareHeard(c.audio, kTones[static_cast<std::size_t>(t)]);
      if (t == c.talker) {
        max_self = std::max(max_self, share);
      } else {
        min_heard = std::min(min_heard, share);
      }
    }
  }
  const double participant_s = static_cast<double>(o.callers) * wall_s;
  std::printf(
      "callers=%d codec=%s jitter_ms=%d loss_pct=%.1f join_s=%.1f wall_s=%.2f sent=%llu "
      "received=%llu "
      "seq_loss_pct=%.3f realtime_pct=%.2f min_heard=%.3f max_self=%.3f mix_minus_ok=%d "
      "server_ms_per_ps=%.3f gen_ms_per_ps=%.3f late_ticks=%.0f max_tick_ms=%.2f "
      "server_kb_per_caller=%.1f server_threads=%d idle_threads=%d ticks=%.0f "
      "ticks_over_5ms=%.0f ticks_over_20ms=%.0f churn_setups=%llu churn_failed=%llu "
      "churn_setup_mean_ms=%.1f churn_setup_max_ms=%.1f tick_mean_ms=%.2f "
      "receive_ahead_mean_ms=%.2f max_receive_ahead_ms=%.2f",
      o.callers, o.codec.c_str(), o.jitter_ms, o.loss_pct, join_s, wall_s,
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received),
      received == 0 ? 0.0
                    : 100.0 * static_cast<double>(gaps) / static_cast<double>(received + gaps),
      100.0 * static_cast<double>(received) / (participant_s * 50.0), min_heard, max_self,
      min_heard > 0.9 && max_self < 0.1 ? 1 : 0, (end.cpu_s - start.cpu_s) * 1000.0 / participant_s,
      gen_cpu * 1000.0 / participant_s, end.late_ticks - start.late_ticks, end.max_tick_ms,
      (end.rss_kb - idle.rss_kb) / o.callers, end.threads, idle.threads, end.ticks - start.ticks,
      (end.ticks - start.ticks) - (end.ticks_within_5ms - start.ticks_within_5ms),
      (end.ticks - start.ticks) - (end.ticks_within_20ms - start.ticks_within_20ms),
      static_cast<unsigned long long>(churned.setups),
      static_cast<unsigned long long>(churned.failed), churned.meanSetupMs(), churned.max_setup_ms,
      perCount(end.tick_s_sum - start.tick_s_sum, end.ticks - start.ticks) * 1000.0,
      perCount(end.receive_ahead_s - start.receive_ahead_s,
               end.receives_ahead - start.receives_ahead) *
          1000.0,
      end.max_receive_ahead_ms);
  if (probe) {
    // Each stall on stderr, on the server's clock (CLOCK_MONOTONIC), to set beside its
    // slow_tick lines (started_monotonic_us).
    const auto monotonicUs = [](std::chrono::steady_clock::time_point t) {
      return static_cast<long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
    };
    std::fprintf(stderr,
                 "probed joins_from_monotonic_us=%lld sending_from_monotonic_us=%lld "
                 "from_monotonic_us=%lld to_monotonic_us=%lld\n",
                 monotonicUs(join_started), monotonicUs(t0), monotonicUs(measure_started),
                 monotonicUs(std::chrono::steady_clock::now()));
    for (const auto& stall : probe->stalls()) {
      std::fprintf(stderr, "stall cpu=%d from_monotonic_us=%lld us=%lld\n", stall.cpu,
                   monotonicUs(stall.from), static_cast<long long>(stall.ms() * 1000.0));
    }
    const mcu::test::StallSummary stalls = probe->summary(kStallMs, measure_started);
    const mcu::test::SlowTickAttribution slow = mcu::test::attributeSlowTicks(
        timeline ? timeline->spans() : std::vector<mcu::test::SlowTickSpan>{}, probe->stalls(),
        kNearStallMs);
    std::printf(
        " machine_stalls=%d whole_machine_stalls=%d max_machine_stall_ms=%.2f probe_rt=%d "
        "slow_ticks_near_stall=%.0f slow_ticks_alone=%.0f stall_cover_pct=%.1f",
        stalls.stalls, stalls.whole_machine, stalls.max_ms, probe->realtime() ? 1 : 0,
        slow.with_stall, slow.without_stall, 100.0 * slow.covered_share);
  }
  std::printf("\n");
  for (auto& c : callers) {
    if (c.sip) {
      c.sip->bye();
    }
  }
  return 0;
}
