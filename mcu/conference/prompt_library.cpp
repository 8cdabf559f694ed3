#include "mcu/conference/prompt_library.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include "mixer/codec/audio_file_loader.h"
#include "mixer/core/audio_frame.h"

namespace mcu::conference {
namespace {

// A file name a shell and a URL carry as they are: letters, digits, '.', '_', '-', not
// starting with '.', at most 128 characters. No '/' and no "..": a prompt can never name a
// file outside the directory.
bool plainFileName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.' || name.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// A prompt may be long music on hold, not a film: 10 minutes (57.6 MB decoded) at most.
constexpr int kMaxPromptSeconds = 600;

}  // namespace

Result<Prompt> PromptLibrary::load(const std::string& name) {
  if (dir_.empty()) {
    return Error{"playback is off: no prompts.dir is configured"};
  }
  if (!plainFileName(name)) {
    return Error{"'" + name + "' is not a plain file name (letters, digits, . _ -)"};
  }
  const std::filesystem::path path = std::filesystem::path(dir_) / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{"no file '" + name + "' in the prompt directory"};
  }
  const auto size = std::filesystem::file_size(path, ec);
  const auto modified = std::filesystem::last_write_time(path, ec);
  if (ec) {
    return Error{"cannot read '" + name + "': " + ec.message()};
  }
  {
    const std::lock_guard lock(mutex_);
    const auto it = cache_.find(name);
    if (it != cache_.end() && it->second.size == size && it->second.modified == modified) {
      return it->second.prompt;
    }
  }
  auto decoded = mixer::codec::loadAudioFile(path.string(), kMaxPromptSeconds);
  if (!decoded) {
    return Error{"'" + name + "' is not audio this server can play: " + decoded.error()};
  }
  if (decoded->empty()) {
    return Error{"'" + name + "' holds no audio"};
  }
  Prompt prompt;
  prompt.duration_ms = static_cast<std::int64_t>(decoded->size()) * 1000 / mixer::core::kMixRate;
  prompt.pcm = std::make_shared<const std::vector<std::int16_t>>(std::move(*decoded));
  const std::lock_guard lock(mutex_);
  cache_[name] = Entry{prompt, size, modified};
  return prompt;
}

std::size_t PromptLibrary::cachedBytes() const {
  const std::lock_guard lock(mutex_);
  std::size_t bytes = 0;
  for (const auto& [name, entry] : cache_) {
    bytes += entry.prompt.pcm->size() * sizeof(std::int16_t);
  }
  return bytes;
}

}  // namespace mcu::conference
