// Load run of the whole media engine: one room of N participants driven from this process
// over loopback, paced at 20 ms. K talkers send Opus tones (encoded here at the chosen
// complexity); the others send Opus silence with an RFC 6464 level, as WebRTC and most modern
// phones do. Everything the engine sends back is counted (loss from sequence gaps, lateness
// from arrival times) and a few receivers are decoded and listened to (Goertzel).
//
//   room_load --participants 1000 --talkers 3 --seconds 20 --complexity 10
//   room_load --participants 100 --codec pcmu   (G.711 phones: no RFC 6464 level, so the
//                                               engine decodes every participant every tick)
//
// Prints one line of key=value results. CPU is measured with getrusage over the steady
// window (load generator included) and per media thread from /proc (engine alone).
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/core/level_meter.h"
#include "mixer/engine/media_engine.h"
#include "mixer/engine/udp_socket.h"
#include "mixer/rtp/rtp_packet.h"
#include "tests/support/thread_count.h"
#include "tests/support/tone.h"

namespace {

using namespace mcu;
using Clock = std::chrono::steady_clock;

struct Options {
  int participants = 100;
  int talkers = 3;
  int seconds = 10;
  int complexity = 10;
  int threads = 2;
  bool pcmu = false;
};

struct Peer {
  mixer::UdpSocket socket;
  mixer::Endpoint server{};
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  std::uint32_t ssrc = 0;
  bool talker = false;
  std::unique_ptr<test::ToneGenerator> tone;
  std::unique_ptr<mixer::codec::AudioEncoder> encoder;
  std::unique_ptr<mixer::codec::AudioDecoder> decoder;  // only for the receivers we listen to
  std::vector<std::int16_t> audio;
  // Receive statistics over the measured window.
  std::uint64_t received = 0;
  std::uint64_t lost = 0;
  std::uint64_t late = 0;
  std::optional<std::uint16_t> last_seq;
  std::optional<double> first_offset_ms;  // arrival - media time, at the first packet
};

double cpuSeconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of this process's threads named mcu-media-*.
double mediaThreadCpuSeconds() {
  double total = 0;
  const long ticks = sysconf(_SC_CLK_TCK);
  DIR* d = opendir("/proc/self/task");
  while (dirent* e = readdir(d)) {
    const std::string base = std::string("/proc/self/task/") + e->d_name;
    std::ifstream comm(base + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name.rfind("mcu-media", 0) != 0) {
      continue;
    }
    std::ifstream stat(base + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    std::vector<std::string> v;
    while (fields >> field) {
      v.push_back(field);
    }
    total +=
        static_cast<double>(std::stoll(v[11]) + std::stoll(v[12])) / static_cast<double>(ticks);
  }
  closedir(d);
  return total;
}

long rssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--codec") {
      o.pcmu = std::string(argv[i + 1]) == "pcmu";
      continue;
    }
    const int v = std::stoi(argv[i + 1]);
    if (k == "--participants")
      o.participants = v;
    else if (k == "--talkers")
      o.talkers = v;
    else if (k == "--seconds")
      o.seconds = v;
    else if (k == "--complexity")
      o.complexity = v;
    else if (k == "--threads")
      o.threads = v;
  }
  return o;
}

// `level`: the RFC 6464 level to send, or nothing (a phone that does not send one).
void send(Peer& p, const mixer::codec::CodecSpec& spec, std::span<const std::uint8_t> payload,
          std::optional<int> level) {
  mixer::rtp::RtpHeader h;
  h.payload_type = spec.payload_type;
  h.sequence = p.seq++;
  h.timestamp = p.ts;
  h.ssrc = p.ssrc;
  if (level) {
    h.audio_level = static_cast<std::uint8_t>(*level);
    h.voice_activity = *level < 127;
  }
  p.ts += mixer::codec::rtpTimestampsPerFrame(spec.kind);
  std::array<std::uint8_t, 1500> packet{};
  const std::size_t n = mixer::rtp::writeRtp(h, payload, packet, level ? 1 : 0);
  p.socket.send(std::span(packet.data(), n), p.server);
}

void drain(Peer& p, Clock::time_point start, bool measuring, double ts_per_ms) {
  std::array<std::uint8_t, 2048> buf{};
  mixer::Endpoint from;
  for (;;) {
    const ssize_t n = p.socket.receive(buf, from);
    if (n < 0) {
      return;
    }
    const auto pkt = mixer::rtp::parseRtp(std::span(buf.data(), static_cast<std::size_t>(n)), 0);
    if (!pkt) {
      continue;
    }
    if (p.decoder) {
      mcu::mixer::core::Pcm pcm{};
      p.decoder->decode(pkt->payload, pcm);
      p.audio.insert(p.audio.end(), pcm.begin(), pcm.end());
    }
    if (!measuring) {
      p.last_seq = pkt->header.sequence;
      continue;
    }
    ++p.received;
    if (p.last_seq) {
      const auto gap = static_cast<std::uint16_t>(pkt->header.sequence - *p.last_seq);
      if (gap > 1 && gap < 1000) {
        p.lost += gap - 1U;
      }
    }
    p.last_seq = pkt->header.sequence;
    // Lateness: arrival against the stream's own media clock, relative to its first packet.
    const double arrival_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const double offset = arrival_ms - static_cast<double>(pkt->header.timestamp) / ts_per_ms;
    if (!p.first_offset_ms) {
      p.first_offset_ms = offset;
    } else if (offset - *p.first_offset_ms > 40.0) {
      ++p.late;  // more than two frames behind where its clock says it should be
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  std::string error;
  if (!mixer::codec::ensureGstreamer(&error)) {
    std::fprintf(stderr, "gstreamer: %s\n", error.c_str());
    return 1;
  }
  const long rss_start = rssKb();
  auto engine = mixer::createMediaEngine(
      {.threads = opt.threads, .port_min = 40000, .port_max = 49999}, nullptr);
  mixer::RoomMediaConfig room;
  engine->createRoom(1, room);
  mixer::codec::GstPipelineHost gst;
  const mixer::codec::CodecSpec spec =
      opt.pcmu ? mixer::codec::CodecSpec{.kind = mixer::codec::CodecKind::kPcmu, .payload_type = 0}
               : mixer::codec::CodecSpec{.kind = mixer::codec::CodecKind::kOpus,
                                         .payload_type = 111,
                                         .complexity = opt.complexity};
  const double ts_per_ms = mixer::codec::rtpClockRate(spec.kind) / 1000.0;
  // G.711 phones send no level: each packet must be decoded to know it.
  const auto level_of = [&](int dbov) { return opt.pcmu ? std::nullopt : std::optional(dbov); };
  // One encoded frame of silence serves every listener.
  mixer::codec::AudioEncoder silence_encoder(gst, spec);
  std::vector<std::uint8_t> silence;
  for (int i = 0; i < 5 && silence.empty(); ++i) {
    const auto s = silence_encoder.encode(mcu::mixer::core::Pcm{});
    silence.assign(s.begin(), s.end());
  }
  std::vector<Peer> peers(static_cast<std::size_t>(opt.participants));
  // No tone is a low-order intermodulation product of two others (400 = 2 * 650 - 900 was,
  // and the mix's nonlinearity put it 38 dB down into the ear of the one who sent 400).
  const double tones[] = {440, 700, 1030, 1230, 1470};
  for (std::size_t i = 0; i < peers.size(); ++i) {
    Peer& p = peers[i];
    p.socket = mixer::UdpSocket::bind("127.0.0.1", 0);
    const int rcvbuf = 1 << 20;
    setsockopt(p.socket.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    p.ssrc = static_cast<std::uint32_t>(0x1000 + i);
    p.talker = static_cast<int>(i) < opt.talkers;
    if (p.talker) {
      p.tone = std::make_unique<test::ToneGenerator>(tones[i % 5]);
      p.encoder = std::make_unique<mixer::codec::AudioEncoder>(gst, spec);
    }
    if (p.talker || i == peers.size() - 1) {
      p.decoder = std::make_unique<mixer::codec::AudioDecoder>(gst, spec);
    }
    mixer::MediaEndpoint e;
    e.codec = spec;
    e.audio_level_ext_id = opt.pcmu ? 0 : 1;
    e.remote = {"127.0.0.1", p.socket.localPort()};
    const auto port = engine->addParticipant(
        1, mixer::ParticipantId(static_cast<std::uint32_t>(i + 1)), e, false);
    if (!port) {
      std::fprintf(stderr, "no port for participant %zu\n", i);
      return 1;
    }
    p.server = *mixer::resolve({"127.0.0.1", *port});
  }
  const long rss_joined = rssKb();
  const int warmup_ticks = 100;
  const int ticks = warmup_ticks + opt.seconds * 50;
  const auto start = Clock::now();
  auto next = start;
  double cpu0 = 0;
  double media0 = 0;
  Clock::time_point measure_start;
  int overruns = 0;
  for (int tick = 0; tick < ticks; ++tick) {
    const bool measuring = tick >= warmup_ticks;
    if (tick == warmup_ticks) {
      cpu0 = cpuSeconds();
      media0 = mediaThreadCpuSeconds();
      measure_start = Clock::now();
    }
    mcu::mixer::core::Pcm pcm{};
    for (auto& p : peers) {
      if (p.talker) {
        p.tone->next(pcm);
        const auto payload = p.encoder->encode(pcm);
        send(p, spec, payload, level_of(mcu::mixer::core::levelDbov(pcm)));
      } else {
        send(p, spec, silence, level_of(127));
      }
    }
    next += std::chrono::milliseconds(20);
    if (Clock::now() > next) {
      ++overruns;
    }
    std::this_thread::sleep_until(next);
    for (auto& p : peers) {
      drain(p, start, measuring, ts_per_ms);
    }
  }
  const double wall = std::chrono::duration<double>(Clock::now() - measure_start).count();
  const double cpu = cpuSeconds() - cpu0;
  const double media_cpu = mediaThreadCpuSeconds() - media0;
  std::uint64_t received = 0, lost = 0, late = 0;
  for (const auto& p : peers) {
    received += p.received;
    lost += p.lost;
    late += p.late;
  }
  const double expected = static_cast<double>(opt.participants) * opt.seconds * 50;
  // Listen: the last listener hears every talker; each talker hears the others, not itself.
  int tone_errors = 0;
  const auto last_second = [](const Peer& p) {
    return std::span(p.audio).subspan(p.audio.size() > 48000 ? p.audio.size() - 48000 : 0);
  };
  for (int t = 0; t < opt.talkers && t < 3; ++t) {
    if (test::goertzelDb(last_second(peers.back()), tones[t]) < -40) ++tone_errors;
    for (int u = 0; u < opt.talkers && u < 3; ++u) {
      const double db = test::goertzelDb(last_second(peers[static_cast<std::size_t>(t)]), tones[u]);
      if ((t == u && db > -55) || (t != u && db < -40)) ++tone_errors;
    }
  }
  const auto stats = engine->engineStats();
  std::printf(
      "codec=%s participants=%d talkers=%d complexity=%d seconds=%d received=%llu expected=%.0f "
      "lost_pct=%.4f late_pct=%.4f tone_errors=%d cpu_pct=%.1f media_cpu_pct=%.1f "
      "cpu_ms_per_participant_s=%.3f media_cpu_ms_per_participant_s=%.3f "
      "rss_kb_per_participant=%.1f "
      "threads=%d late_ticks=%llu max_tick_ms=%.2f shared_encodes=%llu personal_encodes=%llu "
      "generator_overruns=%d\n",
      opt.pcmu ? "pcmu" : "opus", opt.participants, opt.talkers, opt.complexity, opt.seconds,
      static_cast<unsigned long long>(received), expected,
      100.0 * static_cast<double>(lost) / expected, 100.0 * static_cast<double>(late) / expected,
      tone_errors, 100.0 * cpu / wall, 100.0 * media_cpu / wall,
      1000.0 * cpu / wall / opt.participants, 1000.0 * media_cpu / wall / opt.participants,
      static_cast<double>(rss_joined - rss_start) / opt.participants, mcu::test::threadCount(),
      static_cast<unsigned long long>(stats.late_ticks), stats.max_tick_ms,
      static_cast<unsigned long long>(stats.shared_encodes),
      static_cast<unsigned long long>(stats.personal_encodes), overruns);
  return tone_errors == 0 ? 0 : 3;
}
