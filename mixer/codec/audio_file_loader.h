// Decodes an audio file (WAV, Ogg/Opus, anything GStreamer's decodebin knows) into 48 kHz mono
// PCM in memory, for prompts and announcements. Runs in the calling thread until the file is
// decoded; GStreamer uses a few threads of its own meanwhile, all gone when it returns. Keep
// it off the media threads (the engine calls it before posting the samples).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mcu/common/result.h"

namespace mcu::mixer::codec {

// The samples, or why the file could not be decoded. `max_seconds` bounds what a prompt may
// cost in memory (48 kHz × 2 bytes = 96 KB a second).
Result<std::vector<std::int16_t>> loadAudioFile(const std::string& path, int max_seconds = 600);

}  // namespace mcu::mixer::codec
