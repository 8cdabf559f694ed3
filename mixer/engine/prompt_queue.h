// Prompts waiting to be heard (48 kHz mono samples, shared by everyone they are played to), in
// 20 ms frames, one after another: a room's (mixed beside its speakers) and a participant's own
// (added to what it hears) are the same queue. A prompt with an id can be stopped, and says
// when it has been played to its end. Behind the prompts, a room may have music: a loop heard
// whenever no prompt plays (while a caller is alone or waits for the moderator), which pauses
// for a prompt and goes on where it was.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "mixer/core/audio_frame.h"
#include "mixer/engine/media_types.h"

namespace mcu::mixer {

class PromptQueue {
 public:
  using Samples = std::shared_ptr<const std::vector<std::int16_t>>;

  void push(Samples samples, PlaybackId id = PlaybackId::kNone) {
    prompts_.push_back({std::move(samples), id});
  }
  bool playing() const { return !prompts_.empty() || background_ != nullptr; }
  // The loop behind the prompts, from its start after `delay_frames` of silence (so that it
  // begins after a prompt the caller hears on its own); null stops it.
  void setBackground(Samples samples, std::int64_t delay_frames = 0);
  // The next 20 ms of the prompt playing (its last frame padded with silence); false, and
  // `out` untouched, when none plays. A prompt that ends makes way for the next, and its id
  // (if it has one) is added to `finished`.
  bool next(core::Pcm& out, std::vector<PlaybackId>& finished);
  // Removes the prompt (playing or waiting); false if it is not here (it ended, or never was).
  bool stop(PlaybackId id);

 private:
  bool nextBackground(core::Pcm& out);

  struct Prompt {
    Samples samples;
    PlaybackId id;
  };
  std::deque<Prompt> prompts_;
  std::size_t pos_ = 0;  // in the front prompt
  Samples background_;   // null or never empty
  std::size_t background_pos_ = 0;
  std::int64_t background_wait_ = 0;  // frames before it starts
};

}  // namespace mcu::mixer
