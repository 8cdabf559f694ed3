#include "mixer/engine/mix_fan_out.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

namespace mcu::mixer {
namespace {

// `in` and `out` may be the same frame: each sample is read before it is written.
void applyGain(const core::Pcm& in, float gain, core::Pcm& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = static_cast<std::int16_t>(
        std::clamp(std::lround(static_cast<float>(in[i]) * gain), -32768L, 32767L));
  }
}

}  // namespace

bool MixFanOut::SharedKey::operator<(const SharedKey& o) const {
  return std::tie(spec.kind, spec.channels, spec.inband_fec, spec.max_bitrate, spec.complexity,
                  gain, silent) < std::tie(o.spec.kind, o.spec.channels, o.spec.inband_fec,
                                           o.spec.max_bitrate, o.spec.complexity, o.gain, o.silent);
}

void MixFanOut::send(const MixOutput& out, std::span<MixRecipient* const> recipients) {
  // Listeners share one encode per distinct (codec configuration, output gain); a talker, or
  // anyone hearing a prompt of their own, gets a personal one.
  encoded_.clear();
  static const core::Pcm kSilence{};
  const auto& talkers = out.mix.talkers;
  for (MixRecipient* p : recipients) {
    if (!p->wantsAudio()) {
      p->skipSend();
      continue;
    }
    if (p->sendDtmfPacket()) {
      continue;
    }
    const auto talker = std::find_if(talkers.begin(), talkers.end(),
                                     [&](const core::TalkerMix& t) { return t.id == p->id(); });
    const bool is_talker = talker != talkers.end();
    const core::Pcm& heard = p->deaf() ? kSilence : (is_talker ? talker->pcm : out.mix.full);
    std::span<const std::uint32_t> heard_from =
        p->deaf() ? std::span<const std::uint32_t>{} : std::span(out.contributor_ssrcs);
    std::span<const std::uint8_t> heard_levels =
        p->deaf() ? std::span<const std::uint8_t>{} : std::span(out.contributor_levels);
    if (is_talker || p->hasPrompt()) {
      // A talker hears the others: its own SSRC is not among the contributors it is told of.
      std::array<std::uint32_t, 15> others{};
      std::array<std::uint8_t, 15> other_levels{};
      std::size_t n = 0;
      for (std::size_t i = 0; i < out.contributor_ids.size(); ++i) {
        if (out.contributor_ids[i] != p->id() && n < others.size()) {
          other_levels[n] = out.contributor_levels[i];
          others[n++] = out.contributor_ssrcs[i];
        }
      }
      if (p->deaf()) {
        n = 0;
      }
      sendPersonal(*p, heard, std::span<const std::uint32_t>(others.data(), n),
                   std::span<const std::uint8_t>(other_levels.data(), n));
    } else {
      sendShared(*p, heard, heard_from, heard_levels);
    }
  }
}

void MixFanOut::sendPersonal(MixRecipient& p, const core::Pcm& heard,
                             std::span<const std::uint32_t> contributors,
                             std::span<const std::uint8_t> levels) {
  scratch_ = heard;
  p.mixPrompt(scratch_, finished_);
  if (p.outputGain() != 1.0F) {
    applyGain(scratch_, p.outputGain(), scratch_);
  }
  p.sendPayload(p.encodePersonal(scratch_), contributors, levels);
  ++counters_.personal_encodes;
}

// A listener costs no copy of the mix: the frame is encoded once per configuration and the
// payload reused for everyone with that configuration.
void MixFanOut::sendShared(MixRecipient& p, const core::Pcm& heard,
                           std::span<const std::uint32_t> contributors,
                           std::span<const std::uint8_t> levels) {
  const SharedKey key{p.codecSpec(), p.outputGain(), p.deaf()};
  auto it = std::find_if(encoded_.begin(), encoded_.end(),
                         [&](const auto& e) { return !(e.first < key) && !(key < e.first); });
  if (it == encoded_.end()) {
    auto& encoder = shared_encoders_[key];
    if (!encoder) {
      encoder = make_encoder_(key.spec);
    }
    const core::Pcm* pcm = &heard;
    if (key.gain != 1.0F) {
      applyGain(heard, key.gain, scratch_);
      pcm = &scratch_;
    }
    encoded_.emplace_back(key, encoder->encode(*pcm));
    it = encoded_.end() - 1;
    ++counters_.shared_encodes;
  }
  p.sendPayload(it->second, contributors, levels);
}

}  // namespace mcu::mixer
