#include "tests/support/opus_voice_encoder.h"

#include <opus.h>

#include <array>

namespace mcu::test {

OpusVoiceEncoder::OpusVoiceEncoder(bool fec) {
  int error = OPUS_OK;
  encoder_ = opus_encoder_create(mixer::core::kMixRate, 1, OPUS_APPLICATION_VOIP, &error);
  if (error != OPUS_OK) {
    encoder_ = nullptr;
    return;
  }
  opus_encoder_ctl(encoder_, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  opus_encoder_ctl(encoder_, OPUS_SET_BITRATE(32000));
  opus_encoder_ctl(encoder_, OPUS_SET_INBAND_FEC(fec ? 1 : 0));
  opus_encoder_ctl(encoder_, OPUS_SET_PACKET_LOSS_PERC(fec ? 10 : 0));
}

OpusVoiceEncoder::~OpusVoiceEncoder() {
  if (encoder_ != nullptr) {
    opus_encoder_destroy(encoder_);
  }
}

std::vector<std::uint8_t> OpusVoiceEncoder::encode(const mixer::core::Pcm& pcm) {
  std::array<std::uint8_t, 1500> packet{};
  const int n = encoder_ == nullptr
                    ? -1
                    : opus_encode(encoder_, pcm.data(), static_cast<int>(pcm.size()), packet.data(),
                                  static_cast<opus_int32>(packet.size()));
  return n > 0 ? std::vector<std::uint8_t>(packet.begin(), packet.begin() + n)
               : std::vector<std::uint8_t>{};
}

}  // namespace mcu::test
