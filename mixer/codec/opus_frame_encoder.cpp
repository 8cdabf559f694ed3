#include "mixer/codec/opus_frame_encoder.h"

#include <opus.h>

#include "mcu/common/log.h"

namespace mcu::mixer::codec {

OpusFrameEncoder::OpusFrameEncoder(const CodecSpec& spec) : channels_(spec.channels == 2 ? 2 : 1) {
  int error = OPUS_OK;
  encoder_ = opus_encoder_create(core::kMixRate, channels_, OPUS_APPLICATION_VOIP, &error);
  if (error != OPUS_OK) {
    log::error("media", "opus_encoder_create_failed").kv("error", opus_strerror(error));
    encoder_ = nullptr;
    return;
  }
  opus_encoder_ctl(encoder_, OPUS_SET_BITRATE(spec.max_bitrate));
  opus_encoder_ctl(encoder_, OPUS_SET_COMPLEXITY(spec.complexity));
  opus_encoder_ctl(encoder_, OPUS_SET_INBAND_FEC(spec.inband_fec ? 1 : 0));
  opus_encoder_ctl(encoder_, OPUS_SET_PACKET_LOSS_PERC(spec.inband_fec ? 5 : 0));
  opus_encoder_ctl(encoder_, OPUS_SET_VBR(1));
  opus_encoder_ctl(encoder_, OPUS_SET_VBR_CONSTRAINT(1));
  opus_encoder_ctl(encoder_, OPUS_SET_BANDWIDTH(OPUS_BANDWIDTH_FULLBAND));
  opus_encoder_ctl(encoder_, OPUS_SET_DTX(0));
  // The two channels carry the same mix: phase inversion would only hurt a mono downmix.
  opus_encoder_ctl(encoder_, OPUS_SET_PHASE_INVERSION_DISABLED(1));
}

OpusFrameEncoder::~OpusFrameEncoder() { opus_encoder_destroy(encoder_); }

std::span<const std::uint8_t> OpusFrameEncoder::encode(const core::Pcm& pcm) {
  if (encoder_ == nullptr) {
    return {};
  }
  const std::int16_t* input = pcm.data();
  if (channels_ == 2) {
    for (std::size_t i = 0; i < pcm.size(); ++i) {
      stereo_[2 * i] = stereo_[2 * i + 1] = pcm[i];
    }
    input = stereo_.data();
  }
  const opus_int32 n = opus_encode(encoder_, input, static_cast<int>(core::kFrameSamples),
                                   packet_.data(), static_cast<opus_int32>(packet_.size()));
  if (n <= 0) {
    return {};
  }
  return {packet_.data(), static_cast<std::size_t>(n)};
}

}  // namespace mcu::mixer::codec
