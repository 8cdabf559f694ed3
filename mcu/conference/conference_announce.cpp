// Entry and exit tones (rooms.entry_exit_tones, or the room's own entry_exit_tones): the room
// hears a short rising pair of tones when a caller comes in and a falling pair when one goes,
// as FreeSWITCH's enter/exit sounds and ConfBridge's join/leave sounds do.
#include "mcu/conference/conference.h"
#include "mcu/conference/tone_prompts.h"

namespace mcu::conference {

void Conference::announce(const std::string& room, bool entering) {
  const auto it = rooms_.find(room);
  if (it == rooms_.end() || !it->second.media_room ||
      !it->second.policy.entry_exit_tones.value_or(config_.entry_exit_tones)) {
    return;
  }
  engine_.playToRoom(*it->second.media_room, entering ? entryTones() : exitTones(),
                     mixer::PlaybackId::kNone);
}

}  // namespace mcu::conference
