#include "mixer/engine/prompt_queue.h"

#include <algorithm>

namespace mcu::mixer {

void PromptQueue::setBackground(Samples samples, std::int64_t delay_frames) {
  background_ = samples && !samples->empty() ? std::move(samples) : nullptr;
  background_pos_ = 0;
  background_wait_ = std::max<std::int64_t>(0, delay_frames);
}

bool PromptQueue::nextBackground(core::Pcm& out) {
  if (background_ == nullptr) {
    return false;
  }
  if (background_wait_ > 0) {
    --background_wait_;
    return false;
  }
  const auto& samples = *background_;
  for (auto& s : out) {
    s = samples[background_pos_];
    background_pos_ = background_pos_ + 1 < samples.size() ? background_pos_ + 1 : 0;
  }
  return true;
}

bool PromptQueue::next(core::Pcm& out, std::vector<PlaybackId>& finished) {
  if (prompts_.empty()) {
    return nextBackground(out);
  }
  if (background_wait_ > 0) {
    --background_wait_;  // the delay is time, whatever plays meanwhile
  }
  const auto& samples = *prompts_.front().samples;
  for (auto& s : out) {
    s = pos_ < samples.size() ? samples[pos_++] : std::int16_t{0};
  }
  if (pos_ >= samples.size()) {
    if (prompts_.front().id != PlaybackId::kNone) {
      finished.push_back(prompts_.front().id);
    }
    prompts_.pop_front();
    pos_ = 0;
  }
  return true;
}

bool PromptQueue::stop(PlaybackId id) {
  if (id == PlaybackId::kNone) {
    return false;
  }
  const auto it =
      std::find_if(prompts_.begin(), prompts_.end(), [id](const Prompt& p) { return p.id == id; });
  if (it == prompts_.end()) {
    return false;
  }
  if (it == prompts_.begin()) {
    pos_ = 0;  // the next one starts from its beginning
  }
  prompts_.erase(it);
  return true;
}

}  // namespace mcu::mixer
