#include "mixer/engine/prompt_queue.h"

namespace mcu::mixer {

bool PromptQueue::next(core::Pcm& out) {
  if (prompts_.empty()) {
    return false;
  }
  const auto& samples = *prompts_.front();
  for (auto& s : out) {
    s = pos_ < samples.size() ? samples[pos_++] : std::int16_t{0};
  }
  if (pos_ >= samples.size()) {
    prompts_.pop_front();
    pos_ = 0;
  }
  return true;
}

}  // namespace mcu::mixer
