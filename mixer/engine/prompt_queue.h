// Prompts waiting to be heard (48 kHz mono samples, shared by everyone they are played to), in
// 20 ms frames: a room's (mixed beside its speakers) and a participant's own (added to what it
// hears) are the same queue.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "mixer/core/audio_frame.h"

namespace mcu::mixer {

class PromptQueue {
 public:
  using Samples = std::shared_ptr<const std::vector<std::int16_t>>;

  void push(Samples samples) { prompts_.push_back(std::move(samples)); }
  bool playing() const { return !prompts_.empty(); }
  // The next 20 ms of the prompt playing (its last frame padded with silence); false, and
  // `out` untouched, when none plays. A prompt that ends makes way for the next.
  bool next(core::Pcm& out);

 private:
  std::deque<Samples> prompts_;
  std::size_t pos_ = 0;  // in the front prompt
};

}  // namespace mcu::mixer
