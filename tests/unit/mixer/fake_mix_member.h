// A room member and an encoder of the test's own, for running the room's tick (RoomMixer,
// MixFanOut) without sockets or GStreamer. The encoder writes the frame's first sample and a
// serial number, so a payload names what was heard and which encode made it; the member
// counts what the tick asked of it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mixer/codec/frame_encoder.h"
#include "mixer/engine/mix_member.h"

namespace mcu::mixer::fakes {

class CountingEncoder final : public codec::FrameEncoder {
 public:
  explicit CountingEncoder(int& encodes) : encodes_(encodes) {}
  std::span<const std::uint8_t> encode(const core::Pcm& pcm) override {
    ++encodes_;
    const auto sample = static_cast<std::uint16_t>(pcm[0]);
    payload_ = {static_cast<std::uint8_t>(sample & 0xFFU), static_cast<std::uint8_t>(sample >> 8U),
                static_cast<std::uint8_t>(++serial_)};
    return payload_;
  }

 private:
  int& encodes_;
  int serial_ = 0;
  std::vector<std::uint8_t> payload_;
};

// The first sample of what an encoder of this file was given.
inline std::int16_t heardSample(const std::vector<std::uint8_t>& payload) {
  return static_cast<std::int16_t>(payload.at(0) | (payload.at(1) << 8U));
}

class FakeMember final : public MixMember {
 public:
  // `sample`: every sample of the frame it sends; `level_dbov`: the level it reports.
  FakeMember(ParticipantId id, codec::CodecSpec spec, int& personal_encodes)
      : id_(id), spec_(spec), personal_(personal_encodes) {}

  ParticipantId id() const override { return id_; }
  // Phase 1.
  void pullFrame(std::int64_t /*now_us*/) override { ++pulls; }
  int level() const override { return level_dbov; }
  bool mayBeMixed() const override { return mixable; }
  std::uint32_t remoteSsrc() const override { return ssrc; }
  bool checkTimeout(std::int64_t /*now_us*/, int /*timeout_ms*/) override { return false; }
  // Phase 2.
  const core::Pcm& pcm() override {
    ++decodes;
    pcm_.fill(sample);
    return pcm_;
  }
  float inputGain() const override { return 1.0F; }
  void setSelected(bool s) override { selected = s; }
  void setTalking(bool t) override { talking = t; }
  // Phase 3.
  bool wantsAudio() const override { return wants_audio; }
  void skipSend() override { ++skipped; }
  bool sendDtmfPacket() override { return dtmf; }
  bool deaf() const override { return is_deaf; }
  float outputGain() const override { return gain; }
  const codec::CodecSpec& codecSpec() const override { return spec_; }
  bool hasPrompt() const override { return prompt; }
  bool mixPrompt(core::Pcm& pcm, std::vector<PlaybackId>& finished) override {
    if (prompt) {
      pcm[0] = static_cast<std::int16_t>(pcm[0] + 1);
      if (prompt_ends) {
        finished.push_back(prompt_id);
        prompt = false;
      }
    }
    return prompt || prompt_ends;
  }
  std::span<const std::uint8_t> encodePersonal(const core::Pcm& pcm) override {
    return personal_.encode(pcm);
  }
  void sendPayload(std::span<const std::uint8_t> payload,
                   std::span<const std::uint32_t> contributors,
                   std::span<const std::uint8_t> /*levels*/) override {
    last_payload.assign(payload.begin(), payload.end());
    last_contributors.assign(contributors.begin(), contributors.end());
    ++sent;
  }

  // What it sends.
  int level_dbov = 127;
  bool mixable = true;
  std::uint32_t ssrc = 0;
  std::int16_t sample = 0;
  // Its controls.
  bool wants_audio = true;
  bool dtmf = false;
  bool is_deaf = false;
  bool prompt = false;
  bool prompt_ends = false;  // its prompt's last frame is the next one
  PlaybackId prompt_id = PlaybackId::kNone;
  float gain = 1.0F;
  // What the tick did with it.
  int pulls = 0;
  int decodes = 0;
  bool selected = false;
  bool talking = false;
  int sent = 0;
  int skipped = 0;
  std::vector<std::uint8_t> last_payload;
  std::vector<std::uint32_t> last_contributors;

 private:
  ParticipantId id_;
  codec::CodecSpec spec_;
  core::Pcm pcm_{};
  CountingEncoder personal_;
};

}  // namespace mcu::mixer::fakes
