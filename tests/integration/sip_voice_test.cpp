// The built-in voice (issue 15 item 2) with real callers over SIP and RTP, listened to: a caller
// alone in a room is told so, one who joins a room with somebody in is not, and a caller in a
// room waiting for its moderator is asked to wait, a caller of a room with a PIN is asked for it
// (and told a wrong one is wrong), and *2 says how many are in. What a caller hears is matched
// against the prompt itself by its loudness contour (20 ms frames): speech, not a tone, and that
// sentence.
#include <cmath>

#include "mcu/conference/spoken_prompts.h"
#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

using conference::SpokenPrompt;

constexpr std::size_t kFrame = 960;  // 20 ms at 48 kHz

std::vector<double> contour(const std::vector<std::int16_t>& pcm) {
  std::vector<double> out;
  for (std::size_t at = 0; at + kFrame <= pcm.size(); at += kFrame) {
    double sum = 0.0;
    for (std::size_t i = at; i < at + kFrame; ++i) {
      sum += static_cast<double>(pcm[i]) * pcm[i];
    }
    out.push_back(std::sqrt(sum / kFrame));
  }
  return out;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<double>(a.size());
  double ma = 0.0;
  double mb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  double ab = 0.0;
  double aa = 0.0;
  double bb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return aa > 0.0 && bb > 0.0 ? ab / std::sqrt(aa * bb) : 0.0;
}

// How well what was heard follows the prompt's contour, at the best alignment (the prompt may
// have begun up to a second before the recording did, or up to three seconds after): 1 is the
// same sentence (0.96 measured over Opus); a tone, silence or another sentence score far lower
// (0.17 and 0.51 for the other sentences here). At least 80 % of the
// prompt must lie inside what was heard.
double likeness(const std::vector<std::int16_t>& heard, const conference::TonePcm& prompt) {
  const auto said = contour(*prompt);
  const auto got = contour(heard);
  double best = 0.0;
  for (int lag = -50; lag <= 150; ++lag) {
    std::vector<double> a;
    std::vector<double> b;
    for (std::size_t i = 0; i < said.size(); ++i) {
      const auto j = static_cast<std::ptrdiff_t>(i) + lag;
      if (j >= 0 && j < static_cast<std::ptrdiff_t>(got.size())) {
        a.push_back(said[i]);
        b.push_back(got[static_cast<std::size_t>(j)]);
      }
    }
    if (a.size() * 5 >= said.size() * 4) {
      best = std::max(best, pearson(a, b));
    }
  }
  return best;
}

double likeness(const std::vector<std::int16_t>& heard, SpokenPrompt prompt) {
  return likeness(heard, conference::spokenPrompt(prompt));
}

// The loudest 20 ms of what was heard, in dBFS.
double peakDbfs(const std::vector<std::int16_t>& heard) {
  double peak = 1.0;
  for (const double rms : contour(heard)) {
    peak = std::max(peak, rms);
  }
  return 20.0 * std::log10(peak / 32768.0);
}

class SipVoiceTest : public SipCallTest {
 protected:
  void SetUp() override { start({{"MCU_PROMPTS_SPOKEN", "true"}}); }
  // What `c` hears in the next `frames` 20 ms frames, sending silence.
  static std::vector<std::int16_t> listen(Caller& c, int frames) {
    c.media->setSilent(true);
    const auto mark = c.media->audioMark();
    runFrames({c.media.get()}, frames);
    return c.media->audioSince(mark);
  }
};

TEST_F(SipVoiceTest, ACallerAloneIsToldSoAndOneWhoJoinsSomebodyIsNot) {
  Caller first = dial("voice", "opus", 500);
  const auto heard = listen(first, 200);
  EXPECT_GT(likeness(heard, SpokenPrompt::kOnlyParticipant), 0.8)
      << "the first caller is told it is alone";
  EXPECT_LT(likeness(heard, SpokenPrompt::kWaitForModerator), 0.75) << "and nothing else";

  Caller second = dial("voice", "opus", 800);
  second.media->setSilent(true);
  const auto mark = second.media->audioMark();
  runFrames({first.media.get(), second.media.get()}, 200);
  EXPECT_LT(peakDbfs(second.media->audioSince(mark)), -50.0)
      << "a caller joining somebody (silent) hears no prompt";
}

TEST_F(SipVoiceTest, ACallerWaitingForTheModeratorIsAskedToWait) {
  const auto reply = ApiClient(server_->httpPort(), adminToken())
                         .post("/v1/rooms", R"({"name":"lobby","moderator_pin":"9999",)"
                                            R"("wait_for_moderator":true})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  Caller waiting = dial("lobby", "opus", 500);
  const auto heard = listen(waiting, 250);
  EXPECT_GT(likeness(heard, SpokenPrompt::kWaitForModerator), 0.8) << "asked to wait";
  EXPECT_LT(likeness(heard, SpokenPrompt::kOnlyParticipant), 0.75)
      << "a caller waiting is not also told it is alone";
}

TEST_F(SipVoiceTest, APinIsAskedForAndAWrongOneIsSaidToBeWrong) {
  const auto reply = ApiClient(server_->httpPort(), adminToken())
                         .post("/v1/rooms", R"({"name":"vault","pin":"4321"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  Caller guest = dial("vault", "opus", 500);
  const auto asked = listen(guest, 150);
  EXPECT_GT(likeness(asked, SpokenPrompt::kEnterPin), 0.8) << "asked for the PIN";
  EXPECT_LT(likeness(asked, SpokenPrompt::kOnlyParticipant), 0.75);
  for (const int digit : {1, 1, 1, 1}) {
    guest.media->sendDtmf(digit, 101);
    runFrames({guest.media.get()}, 5);
  }
  const auto wrong = listen(guest, 200);
  EXPECT_GT(likeness(wrong, SpokenPrompt::kWrongPin), 0.8) << "told the PIN was wrong";
}

TEST_F(SipVoiceTest, StarTwoSaysHowManyAreIn) {
  Caller a = dial("counted", "opus", 500);
  Caller b = dial("counted", "opus", 800);
  runFrames({a.media.get(), b.media.get()}, 175);  // past a's "only participant"
  b.media->setSilent(true);
  a.media->sendDtmf(10, 101);  // *
  runFrames({a.media.get(), b.media.get()}, 3);
  a.media->sendDtmf(2, 101);
  const auto heard = listen(a, 200);
  EXPECT_GT(likeness(heard, conference::spokenCount(2)), 0.8)
      << "participants in this conference: two";
  EXPECT_LT(likeness(heard, SpokenPrompt::kMenuHelp), 0.75) << "not another prompt";
}

}  // namespace
}  // namespace mcu::test
