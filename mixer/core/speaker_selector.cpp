#include "mixer/core/speaker_selector.h"

#include <algorithm>

namespace mcu::mixer::core {

SpeakerSelector::SpeakerSelector(SelectorConfig config) : config_(config) {}

// By the index, not a scan: update() and the room's talking check look every participant up
// every tick, and a scan made the tick quadratic (a room of 3,000 spent most of its tick here).
SpeakerSelector::Track* SpeakerSelector::find(ParticipantId id) {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &tracks_[it->second];
}

float SpeakerSelector::loudness(ParticipantId id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? 0.0F : tracks_[it->second].loudness;
}

bool SpeakerSelector::audible(const Track& t) const {
  return t.may_speak && t.loudness > static_cast<float>(127 - config_.audible_dbov);
}

float SpeakerSelector::admissionLoudness() const {
  const auto floor = static_cast<float>(127 - config_.audible_dbov);
  if (config_.max_speakers == 0 || selected_.size() < config_.max_speakers) {
    return floor;
  }
  float weakest = 127.0F;
  for (const ParticipantId id : selected_) {
    weakest = std::min(weakest, loudness(id));
  }
  return std::max(floor, weakest + config_.hysteresis_db);
}

const std::vector<ParticipantId>& SpeakerSelector::update(std::span<const SourceLevel> levels) {
  for (auto& t : tracks_) {
    t.seen = false;
  }
  for (const auto& level : levels) {
    const float target = static_cast<float>(127 - std::clamp(level.level_dbov, 0, 127));
    Track* t = find(level.id);
    if (t == nullptr) {
      index_[level.id] = tracks_.size();
      tracks_.push_back({level.id, 0.0F, level.may_speak, 0, true});
      t = &tracks_.back();
    }
    const float rate = target > t->loudness ? config_.attack : config_.release;
    t->loudness += rate * (target - t->loudness);
    t->may_speak = level.may_speak;
    t->seen = true;
  }
  if (std::any_of(tracks_.begin(), tracks_.end(), [](const Track& t) { return !t.seen; })) {
    std::erase_if(tracks_, [](const Track& t) { return !t.seen; });
    index_.clear();
    for (std::size_t i = 0; i < tracks_.size(); ++i) {
      index_[tracks_[i].id] = i;
    }
  }

  // Keep the current speakers that are still audible; a muted or silent one leaves at once.
  for (auto& t : tracks_) {
    if (t.held_ticks > 0 && !audible(t)) {
      t.held_ticks = 0;
    }
  }
  // The member, reused: no allocation per tick once the room has seen its size.
  std::vector<Track*>& by_loudness = by_loudness_;
  by_loudness.clear();
  for (auto& t : tracks_) {
    if (audible(t)) {
      by_loudness.push_back(&t);
    }
  }
  std::sort(by_loudness.begin(), by_loudness.end(),
            [](const Track* a, const Track* b) { return a->loudness > b->loudness; });
  const std::size_t k = config_.max_speakers == 0 ? by_loudness.size() : config_.max_speakers;
  // Free seats go to the loudest candidates (counted once, not per candidate: a room where
  // many are audible must not cost a square of them).
  auto selected_count = static_cast<std::size_t>(std::count_if(
      by_loudness.begin(), by_loudness.end(), [](const Track* t) { return t->held_ticks > 0; }));
  for (Track* t : by_loudness) {
    if (selected_count >= k) {
      break;
    }
    if (t->held_ticks == 0) {
      t->held_ticks = 1;
      ++selected_count;
    }
  }
  // The loudest challenger replaces the weakest speaker whose hold time is over, if clearly
  // louder; repeated while that holds (at most K times), so the cost stays linear.
  for (std::size_t swaps = 0; swaps <= k; ++swaps) {
    Track* challenger = nullptr;
    Track* weakest = nullptr;
    for (Track* t : by_loudness) {
      if (t->held_ticks == 0) {
        challenger = challenger == nullptr ? t : challenger;
      } else if (t->held_ticks >= config_.min_hold_ticks &&
                 (weakest == nullptr || t->loudness < weakest->loudness)) {
        weakest = t;
      }
    }
    if (challenger == nullptr || weakest == nullptr ||
        challenger->loudness <= weakest->loudness + config_.hysteresis_db) {
      break;
    }
    weakest->held_ticks = 0;
    challenger->held_ticks = 1;
  }
  selected_.clear();
  for (Track* t : by_loudness) {
    if (t->held_ticks > 0) {
      selected_.push_back(t->id);
      ++t->held_ticks;
    }
  }
  return selected_;
}

}  // namespace mcu::mixer::core
