#include "mixer/engine/frame_recorder.h"

namespace mcu::mixer {

FrameRecorder::FrameRecorder(RecordingWriter& writer, RecordingKey key, RecordingFormat format,
                             const codec::EncoderFactory& make_encoder)
    : writer_(writer), key_(key), format_(format) {
  if (format == RecordingFormat::kOgg) {
    // A file loses no packets: no in-band FEC (its bits go to the audio). Complexity stays 10:
    // lower is not cheaper here (codec_chain_bench BM_OpusEncodeFrame, libopus: 60 us a frame
    // at 10, 112 us at 5).
    encoder_ = make_encoder(codec::CodecSpec{
        .kind = codec::CodecKind::kOpus, .inband_fec = false, .max_bitrate = 48000});
  }
}

FrameRecorder::~FrameRecorder() { end("ended"); }

void FrameRecorder::record(const core::Pcm& pcm) {
  if (ended_) {
    return;
  }
  if (format_ == RecordingFormat::kWav) {
    writer_.push(key_, std::span(reinterpret_cast<const std::uint8_t*>(pcm.data()), sizeof(pcm)));
    return;
  }
  writer_.push(key_, encoder_->encode(pcm));
}

void FrameRecorder::end(const std::string& reason) {
  if (!ended_) {
    ended_ = true;
    writer_.close(key_, reason);
  }
}

}  // namespace mcu::mixer
