// Chooses which participants are mixed this tick: the K loudest active ones, from a smoothed
// level with hysteresis, so that the choice does not flap between two similar voices.
// Levels are RFC 6464 -dBov (0 loud .. 127 silent), from the RTP extension or a decoded frame.
// Pure and single-threaded: the owning room calls update() once per 20 ms tick.
#pragma once

#include <cstddef>
#include <span>
#include <unordered_map>
#include <vector>

#include "mixer/core/audio_frame.h"

namespace mcu::mixer::core {

struct SelectorConfig {
  std::size_t max_speakers = 3;  // K; 0 means everyone who is audible
  int audible_dbov = 70;         // quieter than -70 dBov is silence, never selected
  float hysteresis_db = 6.0F;    // a challenger must be this much louder than the one it replaces
  int min_hold_ticks = 25;       // a new speaker stays selected at least 500 ms
  float attack = 0.5F;           // smoothing towards a louder level, per tick (0..1]
  float release = 0.08F;         // smoothing towards a quieter level, per tick (0..1]
};

struct SourceLevel {
  ParticipantId id;
  int level_dbov = 127;
  bool may_speak = true;  // false when muted, on hold, or with no audio this tick
};

class SpeakerSelector {
 public:
  explicit SpeakerSelector(SelectorConfig config = {});

  // Returns the selected ids, loudest first. Sources missing from `levels` are forgotten.
  const std::vector<ParticipantId>& update(std::span<const SourceLevel> levels);
  const std::vector<ParticipantId>& selected() const { return selected_; }
  // The smoothed loudness (127 - dBov) of a source, for tests and statistics; 0 if unknown.
  float loudness(ParticipantId id) const;
  void setMaxSpeakers(std::size_t k) { config_.max_speakers = k; }
  // How loud (127 - dBov) a source that is not selected must at least be to be selected on
  // the next update: the audible floor while a seat is free, else the weakest speaker's
  // loudness plus the hysteresis. A room spread over threads decodes only the sources near it
  // (and the speakers): smoothing keeps a rising level below its target, so a source this
  // quiet now is chosen next only when its smoothed past carries it (a quiet frame, missed).
  float admissionLoudness() const;

 private:
  struct Track {
    ParticipantId id;
    float loudness;  // smoothed 127 - dBov: higher is louder
    bool may_speak;
    int held_ticks;  // ticks since selected; 0 when not selected
    bool seen;
  };
  Track* find(ParticipantId id);
  bool audible(const Track& t) const;

  SelectorConfig config_;
  std::vector<Track> tracks_;
  std::unordered_map<ParticipantId, std::size_t> index_;  // id -> position in tracks_
  std::vector<Track*> by_loudness_;                       // reused every tick
  std::vector<ParticipantId> selected_;
};

}  // namespace mcu::mixer::core
