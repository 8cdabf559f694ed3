// The product's Opus codec (libopus called directly, opus_frame_decoder.h): a tone survives
// it from the first frame; it speaks with GStreamer's opusenc and opusdec both ways; packets
// of other lengths play in turn; a lost frame is concealed, and rebuilt from the next packet's
// in-band FEC when that packet is already here; a packet libopus refuses costs one frame.
#include <gtest/gtest.h>
#include <opus.h>

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/codec_factory.h"
#include "mixer/codec/opus_frame_decoder.h"
#include "mixer/codec/opus_frame_encoder.h"
#include "tests/support/opus_voice_encoder.h"
#include "tests/support/tone.h"

namespace mcu::mixer::codec {
namespace {

constexpr CodecSpec kOpus{.kind = CodecKind::kOpus, .payload_type = 111};

std::vector<std::vector<std::uint8_t>> tonePackets(FrameEncoder& encoder, double hz, int frames) {
  test::ToneGenerator tone(hz);
  std::vector<std::vector<std::uint8_t>> packets;
  core::Pcm in;
  for (int i = 0; i < frames; ++i) {
    tone.next(in);
    const auto payload = encoder.encode(in);
    packets.emplace_back(payload.begin(), payload.end());
  }
  return packets;
}

TEST(OpusFrameCodecTest, TheFactoryGivesLibopusAndNoChain) {
  GstPipelineHost host;
  EXPECT_FALSE(runsInChain(CodecKind::kOpus));
  EXPECT_NE(dynamic_cast<OpusFrameDecoder*>(makeDecoder(host, kOpus).get()), nullptr);
  EXPECT_NE(dynamic_cast<OpusFrameEncoder*>(makeEncoder(host, kOpus).get()), nullptr);
  EXPECT_EQ(host.built(), 0U);
}

TEST(OpusFrameCodecTest, AToneComesBackFromTheFirstFrameAndAlone) {
  OpusFrameEncoder encoder(kOpus);
  OpusFrameDecoder decoder(kOpus);
  ASSERT_TRUE(encoder.ok());
  ASSERT_TRUE(decoder.ok());
  test::ToneGenerator tone(700.0);
  core::Pcm in;
  core::Pcm out;
  for (int i = 0; i < 50; ++i) {
    tone.next(in);
    const auto payload = encoder.encode(in);
    ASSERT_FALSE(payload.empty()) << "frame " << i;
    EXPECT_LE(payload.size(), 32000U / 8 / 50 * 2) << "about the spec's 32 kbit/s";
    // No chain holds a frame back: every packet gives its frame at once.
    ASSERT_TRUE(decoder.decode(payload, out)) << "frame " << i;
  }
  EXPECT_GT(test::goertzelDb(out, 700.0), -20.0);
  EXPECT_LT(test::goertzelDb(out, 1300.0), -45.0);
  core::Pcm concealed;
  decoder.conceal(concealed);
  EXPECT_GT(test::goertzelDb(concealed, 700.0), -35.0) << "PLC carries the tone on";
}

TEST(OpusFrameCodecTest, ItSpeaksWithGstreamersOpusBothWays) {
  GstPipelineHost host;
  OpusFrameEncoder ours(kOpus);
  AudioDecoder their_decoder(host, kOpus);
  AudioEncoder their_encoder(host, kOpus);
  OpusFrameDecoder our_decoder(kOpus);
  core::Pcm via_theirs;
  core::Pcm via_ours;
  for (const auto& p : tonePackets(ours, 600.0, 30)) {
    their_decoder.decode(p, via_theirs);
  }
  for (const auto& p : tonePackets(their_encoder, 900.0, 30)) {
    if (!p.empty()) {
      our_decoder.decode(p, via_ours);
    }
  }
  EXPECT_GT(test::goertzelDb(via_theirs, 600.0), -20.0) << "opusdec hears our packets";
  EXPECT_GT(test::goertzelDb(via_ours, 900.0), -20.0) << "we hear opusenc's";
  EXPECT_LT(test::goertzelDb(via_ours, 600.0), -45.0);
}

TEST(OpusFrameCodecTest, AStereoListenerGetsTheMixOnBothChannelsAndAMonoDecoderHearsIt) {
  CodecSpec stereo = kOpus;
  stereo.channels = 2;
  OpusFrameEncoder encoder(stereo);
  OpusFrameDecoder decoder(stereo);
  core::Pcm out;
  for (const auto& p : tonePackets(encoder, 800.0, 20)) {
    ASSERT_EQ(opus_packet_get_nb_channels(p.data()), 2);
    ASSERT_TRUE(decoder.decode(p, out));
  }
  EXPECT_GT(test::goertzelDb(out, 800.0), -20.0);
}

// 60 ms packets (a phone's setting) and 10 ms ones: whole frames play in turn.
TEST(OpusFrameCodecTest, PacketsLongerOrShorterThanAFramePlayInTurn) {
  int error = OPUS_OK;
  OpusEncoder* raw = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &error);
  ASSERT_EQ(error, OPUS_OK);
  test::ToneGenerator tone(500.0);
  std::vector<std::int16_t> pcm;
  core::Pcm frame;
  for (int i = 0; i < 30; ++i) {
    tone.next(frame);
    pcm.insert(pcm.end(), frame.begin(), frame.end());
  }
  OpusFrameDecoder decoder(kOpus);
  std::array<std::uint8_t, 1500> packet{};
  core::Pcm out;
  int frames = 0;
  // 60 ms (2,880 samples): one frame now, two more buffered.
  for (std::size_t at = 0; at + 2880 <= 15 * core::kFrameSamples; at += 2880) {
    const int n = opus_encode(raw, pcm.data() + at, 2880, packet.data(), 1500);
    ASSERT_GT(n, 0);
    ASSERT_TRUE(decoder.decode({packet.data(), static_cast<std::size_t>(n)}, out));
    ++frames;
    while (decoder.hasBufferedFrame()) {
      ASSERT_TRUE(decoder.takeBuffered(out));
      ++frames;
    }
  }
  EXPECT_EQ(frames, 15);
  EXPECT_GT(test::goertzelDb(out, 500.0), -20.0);
  // 10 ms: every second packet completes a frame.
  int completed = 0;
  for (std::size_t at = 15 * core::kFrameSamples; at + 480 <= pcm.size(); at += 480) {
    const int n = opus_encode(raw, pcm.data() + at, 480, packet.data(), 1500);
    ASSERT_GT(n, 0);
    completed += decoder.decode({packet.data(), static_cast<std::size_t>(n)}, out) ? 1 : 0;
  }
  EXPECT_EQ(completed, 15);
  EXPECT_GT(test::goertzelDb(out, 500.0), -20.0);
  opus_encoder_destroy(raw);
}

// 10 ms packets, the second half of a frame lost: the half that came plays in the concealed
// frame, in its place, and the PLC guesses only the rest. Before, the PLC guessed a whole
// frame and the half waited, to play a frame late, ahead of the next packet, so that the
// stream ran 10 ms late from then on.
TEST(OpusFrameCodecTest, AHalfFrameWaitingPlaysInTheConcealedFrame) {
  int error = OPUS_OK;
  OpusEncoder* raw = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &error);
  ASSERT_EQ(error, OPUS_OK);
  test::ToneGenerator tone(500.0);
  std::vector<std::vector<std::uint8_t>> packets;
  std::array<std::uint8_t, 1500> packet{};
  core::Pcm frame;
  for (int i = 0; i < 4; ++i) {
    tone.next(frame);
    for (std::size_t half = 0; half < 2; ++half) {
      const int n = opus_encode(raw, frame.data() + half * 480, 480, packet.data(), 1500);
      ASSERT_GT(n, 0);
      packets.emplace_back(packet.begin(), packet.begin() + n);
    }
  }
  opus_encoder_destroy(raw);
  OpusFrameDecoder decoder(kOpus);
  core::Pcm out;
  EXPECT_FALSE(decoder.decode(packets[0], out));
  EXPECT_TRUE(decoder.decode(packets[1], out));
  EXPECT_FALSE(decoder.decode(packets[2], out)) << "half a frame: it waits";
  decoder.conceal(out);  // packets[3] is lost
  EXPECT_GT(test::goertzelDb(std::span<const std::int16_t>(out).first(480), 500.0), -20.0)
      << "the half that came";
  EXPECT_FALSE(decoder.decode(packets[4], out)) << "nothing left waiting: a half again";
  EXPECT_TRUE(decoder.decode(packets[5], out));
  EXPECT_GT(test::goertzelDb(out, 500.0), -20.0);
}

// Packets with in-band FEC as a phone sends them when it speaks (OpusVoiceEncoder).
std::vector<std::vector<std::uint8_t>> fecPackets(std::span<const double> tones_hz,
                                                  int frames_each) {
  test::OpusVoiceEncoder encoder;
  std::vector<std::vector<std::uint8_t>> packets;
  core::Pcm in;
  for (const double hz : tones_hz) {
    test::ToneGenerator tone(hz);
    for (int i = 0; i < frames_each; ++i) {
      tone.next(in);
      packets.push_back(encoder.encode(in));
      EXPECT_FALSE(packets.back().empty());
      EXPECT_LT(packets.back().front() >> 3, 16)
          << "SILK or hybrid (RFC 6716 §3.1), which carry FEC";
    }
  }
  return packets;
}

// The tone changes at the lost frame: libopus's PLC carries the old tone on, while the next
// packet's in-band FEC brings the new one, as the far end sent it.
TEST(OpusFrameCodecTest, ALostFrameIsRebuiltFromTheNextPacketsFec) {
  constexpr std::size_t kLost = 30;
  const std::array<double, 2> tones{500.0, 1100.0};
  const auto packets = fecPackets(tones, static_cast<int>(kLost));
  CodecSpec without_fec = kOpus;
  without_fec.inband_fec = false;
  OpusFrameDecoder with(kOpus);
  OpusFrameDecoder plc(without_fec);
  core::Pcm out;
  for (std::size_t i = 0; i < kLost; ++i) {
    ASSERT_TRUE(with.decode(packets[i], out));
    ASSERT_TRUE(plc.decode(packets[i], out));
  }
  core::Pcm rebuilt;
  core::Pcm concealed;
  EXPECT_TRUE(with.concealBefore(packets[kLost + 1], rebuilt)) << "rebuilt, not guessed";
  EXPECT_FALSE(plc.concealBefore(packets[kLost + 1], concealed)) << "no FEC asked for: PLC";
  EXPECT_GT(test::goertzelDb(rebuilt, 1100.0), -25.0) << "the lost frame's own tone";
  EXPECT_GT(test::goertzelDb(rebuilt, 1100.0), test::goertzelDb(concealed, 1100.0) + 15.0);
  EXPECT_GT(test::goertzelDb(concealed, 500.0), -25.0) << "without FEC, PLC goes on with the old";
  // And the next packet then plays as usual.
  ASSERT_TRUE(with.decode(packets[kLost + 1], out));
  EXPECT_GT(test::goertzelDb(out, 1100.0), -20.0);
}

// A next packet without FEC leaves libopus's PLC to guess the lost frame, and the decoder says
// so: a decode with decode_fec would run the PLC and report success all the same, and the
// frame would count as rebuilt. Both kinds: SILK whose LBRR flag is off (a voice encoder told
// no FEC), and CELT, which has no SILK layer at all (a low-delay encoder).
TEST(OpusFrameCodecTest, ConcealingBeforeAPacketWithoutFecSaysItGuessed) {
  test::OpusVoiceEncoder silk_without_fec(false);
  int error = OPUS_OK;
  OpusEncoder* celt = opus_encoder_create(48000, 1, OPUS_APPLICATION_RESTRICTED_LOWDELAY, &error);
  ASSERT_EQ(error, OPUS_OK);
  std::array<std::vector<std::vector<std::uint8_t>>, 2> streams;
  test::ToneGenerator tone(700.0);
  core::Pcm in;
  std::array<std::uint8_t, 1500> buffer{};
  for (int i = 0; i < 6; ++i) {
    tone.next(in);
    streams[0].push_back(silk_without_fec.encode(in));
    const int n = opus_encode(celt, in.data(), static_cast<int>(in.size()), buffer.data(), 1500);
    ASSERT_GT(n, 0);
    streams[1].emplace_back(buffer.begin(), buffer.begin() + n);
  }
  opus_encoder_destroy(celt);
  ASSERT_LT(streams[0][5].front() >> 3, 16) << "SILK or hybrid (RFC 6716 §3.1)";
  ASSERT_GE(streams[1][5].front() >> 3, 16) << "CELT only";
  for (const auto& packets : streams) {
    OpusFrameDecoder decoder(kOpus);
    core::Pcm out;
    for (std::size_t i = 0; i < 4; ++i) {
      ASSERT_TRUE(decoder.decode(packets[i], out));
    }
    EXPECT_FALSE(decoder.concealBefore(packets[5], out));
    EXPECT_GT(test::goertzelDb(out, 700.0), -25.0) << "PLC carries the tone on";
  }
  OpusFrameDecoder decoder(kOpus);
  core::Pcm out;
  EXPECT_FALSE(decoder.concealBefore(std::vector<std::uint8_t>{}, out))
      << "nothing to rebuild from";
}

TEST(OpusFrameCodecTest, APacketLibopusRefusesCostsOneFrameAndNothingElse) {
  OpusFrameEncoder encoder(kOpus);
  OpusFrameDecoder decoder(kOpus);
  const auto packets = tonePackets(encoder, 700.0, 10);
  core::Pcm out;
  ASSERT_TRUE(decoder.decode(packets[0], out));
  // Code 3 (frames counted in the second byte) with 63 frames of 20 ms: past 120 ms.
  const std::vector<std::uint8_t> too_long{(1 << 3) | 3, 63, 1, 2, 3};
  EXPECT_FALSE(decoder.decode(too_long, out));
  EXPECT_FALSE(decoder.decode(std::vector<std::uint8_t>{}, out));
  const std::vector<std::uint8_t> truncated{(1 << 3) | 2, 200};  // code 2: a length past the end
  EXPECT_FALSE(decoder.decode(truncated, out));
  EXPECT_FALSE(decoder.hasBufferedFrame());
  for (std::size_t i = 1; i < packets.size(); ++i) {
    ASSERT_TRUE(decoder.decode(packets[i], out)) << "packet " << i;
  }
  EXPECT_GT(test::goertzelDb(out, 700.0), -20.0);
}

}  // namespace
}  // namespace mcu::mixer::codec
