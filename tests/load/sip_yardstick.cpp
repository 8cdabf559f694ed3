// The yardstick room, from outside the server: CALLERS phones join ROOM by SIP (UDP) and send
// PCMU RTP paced at 20 ms from this process; the first three talk (440, 1000 and 1700 Hz), the
// rest send silence. Every WINDOW seconds it prints, for each tone, the share of 20 ms frames
// in which the other callers heard it (mix-minus: its own talker must not), and how many
// (listener, tone) expectations broke. Run it beside a flood (tests/load/sip_flood_run.sh) to
// see whether live callers keep their audio. Bounded by --seconds.
//   sip_yardstick SIP_PORT [--room R] [--callers N] [--seconds S] [--window W]
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mixer/codec/gst_push_chain.h"
#include "tests/integration/sip_uac.h"
#include "tests/support/frames_heard.h"
#include "tests/support/rtp_peer.h"
#include "tests/support/tone.h"

namespace {

using namespace std::chrono_literals;
using mcu::test::RtpPeer;
using mcu::test::SipUac;

constexpr std::array<double, 3> kTones = {440.0, 1000.0, 1700.0};

struct Phone {
  std::unique_ptr<RtpPeer> media;
  std::unique_ptr<SipUac> sip;
  std::size_t mark = 0;
};

double shareHeard(const std::vector<std::int16_t>& audio, double hz) {
  const std::array<double, 1> tone{hz};
  return mcu::test::framesHeard(audio, tone).share();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SIP_PORT [--room R] [--callers N] [--seconds S] [--window W]\n",
                 argv[0]);
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  std::string room = "yardstick";
  int callers = 10;
  int seconds = 60;
  int window = 5;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--room") {
      room = argv[i + 1];
    } else if (flag == "--callers") {
      callers = std::max(static_cast<int>(kTones.size()) + 1, std::atoi(argv[i + 1]));
    } else if (flag == "--seconds") {
      seconds = std::atoi(argv[i + 1]);
    } else if (flag == "--window") {
      window = std::max(1, std::atoi(argv[i + 1]));
    }
  }
  mcu::mixer::codec::GstPipelineHost gst;
  const mcu::mixer::codec::CodecSpec pcmu{.kind = mcu::mixer::codec::CodecKind::kPcmu,
                                          .payload_type = 0};
  std::vector<Phone> phones;
  for (int i = 0; i < callers; ++i) {
    Phone p;
    const bool talker = i < static_cast<int>(kTones.size());
    p.media =
        std::make_unique<RtpPeer>(gst, pcmu, talker ? kTones[static_cast<std::size_t>(i)] : 0.0);
    p.media->setSilent(!talker);
    p.sip = std::make_unique<SipUac>(port);
    const auto reply = p.sip->invite(room, mcu::test::sdpOffer(p.media->port(), "PCMU"));
    if (reply.status != 200) {
      std::fprintf(stderr, "caller %d: INVITE got %d\n", i, reply.status);
      return 1;
    }
    p.media->setServerPort(mcu::test::sdpAudioPort(reply.body));
    phones.push_back(std::move(p));
  }
  std::printf(
      "window  %s  broken  (share of frames each tone was heard by the others: min/avg;"
      " self = heard by its own talker)\n",
      "440_min 440_avg 440_self 1000_min 1000_avg 1000_self 1700_min 1700_avg 1700_self");
  auto next = std::chrono::steady_clock::now();
  const auto frames_per_window = window * 50;
  for (int w = 0; w < seconds / window; ++w) {
    for (auto& p : phones) {
      p.mark = p.media->audioMark();
    }
    for (int f = 0; f < frames_per_window; ++f) {
      for (auto& p : phones) {
        p.media->sendFrame();
        p.media->receiveAll();
      }
      next += 20ms;
      std::this_thread::sleep_until(next);
    }
    int broken = 0;
    std::printf("%6d ", (w + 1) * window);
    for (std::size_t t = 0; t < kTones.size(); ++t) {
      double min = 1.0;
      double sum = 0.0;
      double self = 0.0;
      for (std::size_t l = 0; l < phones.size(); ++l) {
        const double share = shareHeard(phones[l].media->audioSince(phones[l].mark), kTones[t]);
        if (l == t) {
          self = share;
          broken += share > 0.1 ? 1 : 0;  // its own voice came back
          continue;
        }
        min = std::min(min, share);
        sum += share;
        broken += share < 0.9 ? 1 : 0;  // lost a tenth of the talker's frames
      }
      std::printf(" %7.3f %7.3f %8.3f", min, sum / static_cast<double>(phones.size() - 1), self);
    }
    std::printf("  %6d\n", broken);
    std::fflush(stdout);
  }
  for (auto& p : phones) {
    p.sip->bye();
  }
  return 0;
}
