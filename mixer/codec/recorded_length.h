// The length of a recording a crash left open (issue 15 item 4): the writer syncs whole Ogg
// pages and the WAV header's sizes every second, so what is on disk says how long it is. Read
// at the next start, when its row is closed (state done, stop_reason server_restart), so that
// the row lists a size and a duration like any other recording.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mcu::mixer::codec {

struct RecordedLength {
  std::uint64_t bytes = 0;       // of the file
  std::int64_t duration_ms = 0;  // of the audio up to its last complete page or header update
};

// Ogg/Opus (`ogg` true) or WAV; nullopt if the file is missing or not one of ours.
std::optional<RecordedLength> recordedLength(const std::string& path, bool ogg);

}  // namespace mcu::mixer::codec
