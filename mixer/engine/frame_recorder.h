// One recording as a room's tick feeds it (issue 15 item 4): each 20 ms frame is encoded to
// Opus here (Ogg) or copied (WAV) and handed to the engine's RecordingWriter, which does the
// disk on its own thread. A room's mix has one; so has each participant recorded on its own
// (its voice as the server receives it).
#pragma once

#include <memory>
#include <string>

#include "mixer/codec/frame_encoder.h"
#include "mixer/engine/recording_writer.h"

namespace mcu::mixer {

class FrameRecorder {
 public:
  FrameRecorder(RecordingWriter& writer, RecordingKey key, RecordingFormat format,
                const codec::EncoderFactory& make_encoder);
  FrameRecorder(const FrameRecorder&) = delete;
  FrameRecorder& operator=(const FrameRecorder&) = delete;
  // Ends the recording (reason "ended") if end() was not called.
  ~FrameRecorder();

  RecordingKey key() const { return key_; }
  void record(const core::Pcm& pcm);
  // The writer finalises the file and reports its end with `reason`.
  void end(const std::string& reason);

 private:
  RecordingWriter& writer_;  // Borrowed: the engine's, which outlives every room.
  RecordingKey key_;
  RecordingFormat format_;
  std::unique_ptr<codec::FrameEncoder> encoder_;  // Owned; Ogg only.
  bool ended_ = false;
};

}  // namespace mcu::mixer
