// The audio files an admin may play into rooms (config prompts.dir). A prompt is named by its
// file name alone, never a path; it is decoded once, the first time it is asked for, and kept
// (a file changed on disk, by size or modification time, is decoded again). Decoding runs in
// the asking thread, an HTTP worker: never the control thread or a media thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "mcu/common/result.h"
#include "mixer/engine/media_engine.h"

namespace mcu::conference {

struct Prompt {
  mixer::MediaEngine::Samples pcm;  // 48 kHz mono
  std::int64_t duration_ms = 0;
};

class PromptLibrary {
 public:
  // `dir`: empty when none is configured (every load() then says so).
  explicit PromptLibrary(std::string dir) : dir_(std::move(dir)) {}

  // The prompt, or why not, in words for the REST answer: playback not configured, a name that
  // is not a plain file name, no such file, not audio.
  Result<Prompt> load(const std::string& name);
  // What the decoded prompts hold in memory (2 bytes a sample).
  std::size_t cachedBytes() const;

 private:
  struct Entry {
    Prompt prompt;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified;
  };

  const std::string dir_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> cache_;
};

}  // namespace mcu::conference
