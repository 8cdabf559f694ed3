#include "mixer/engine/recording_writer.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "mixer/codec/ogg_opus_writer.h"
#include "mixer/codec/wav_writer.h"

namespace mcu::mixer {

struct RecordingWriter::File {
  RecordingFormat format = RecordingFormat::kOgg;
  std::string dir;  // where its disk's free space is read
  codec::OggOpusWriter ogg;
  codec::WavWriter wav;

  bool failed() const { return format == RecordingFormat::kOgg ? ogg.failed() : wav.failed(); }
  bool sync() { return format == RecordingFormat::kOgg ? ogg.sync() : wav.sync(); }
  RecordingEnd close(std::string reason) {
    if (format == RecordingFormat::kOgg) {
      ogg.close();
    } else {
      wav.close();
    }
    const std::uint64_t samples = format == RecordingFormat::kOgg ? ogg.samples() : wav.samples();
    return {.reason = std::move(reason),
            .bytes = format == RecordingFormat::kOgg ? ogg.bytes() : wav.bytes(),
            .duration_ms = static_cast<std::int64_t>(samples / 48)};
  }
};

RecordingWriter::RecordingWriter(Config config, Ended on_end)
    : config_(config), on_end_(std::move(on_end)), thread_([this] { run(); }) {}

RecordingWriter::~RecordingWriter() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

Result<RecordingKey> RecordingWriter::open(const std::string& path, RecordingFormat format) {
  auto file = std::make_unique<File>();
  file->format = format;
  // An absolute path: never empty, and no short-literal assignment (GCC 12 at -O2 warns of a
  // -Wrestrict overlap in `dir = "."`, a known false positive).
  file->dir = std::filesystem::absolute(path).parent_path().string();
  // The serial only has to differ between streams of one file: one stream a file here.
  const bool opened =
      format == RecordingFormat::kOgg ? file->ogg.open(path, 1, 1) : file->wav.open(path);
  if (!opened) {
    return Error{"cannot create " + path};
  }
  const std::lock_guard lock(mutex_);
  const RecordingKey key = next_key_++;
  pending_[key] = {};
  opened_[key] = std::move(file);
  return key;
}

void RecordingWriter::push(RecordingKey key, std::span<const std::uint8_t> frame) {
  const std::lock_guard lock(mutex_);
  const auto it = pending_.find(key);
  if (it == pending_.end() || it->second.closing || frame.empty()) {
    return;
  }
  it->second.bytes.insert(it->second.bytes.end(), frame.begin(), frame.end());
  it->second.sizes.push_back(static_cast<std::uint32_t>(frame.size()));
}

void RecordingWriter::close(RecordingKey key, std::string reason) {
  {
    const std::lock_guard lock(mutex_);
    const auto it = pending_.find(key);
    if (it == pending_.end() || it->second.closing) {
      return;
    }
    it->second.closing = true;
    it->second.reason = std::move(reason);
  }
  wake_.notify_all();
}

bool RecordingWriter::finishAll(const std::string& reason, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  for (auto& [key, pending] : pending_) {
    if (!pending.closing) {
      pending.closing = true;
      pending.reason = reason;
    }
  }
  wake_.notify_all();
  return idle_.wait_for(lock, timeout, [this] { return pending_.empty(); });
}

bool RecordingWriter::isOpen(RecordingKey key) const {
  const std::lock_guard lock(mutex_);
  return pending_.contains(key);
}

void RecordingWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, config_.sync_every, [this] {
      return stopping_ || std::any_of(pending_.begin(), pending_.end(),
                                      [](const auto& p) { return p.second.closing; });
    });
    for (auto& [key, file] : opened_) {
      files_[key] = std::move(file);
    }
    opened_.clear();
    // What the media threads handed over, taken in one go: they wait at most for this swap.
    std::map<RecordingKey, Pending> taken;
    for (auto& [key, pending] : pending_) {
      Pending& mine = taken[key];
      mine.bytes.swap(pending.bytes);
      mine.sizes.swap(pending.sizes);
      mine.closing = pending.closing;
      mine.reason = pending.reason;
    }
    const bool stopping = stopping_;
    lock.unlock();
    std::vector<std::pair<RecordingKey, RecordingEnd>> ended;
    for (auto& [key, pending] : taken) {
      const auto f = files_.find(key);
      if (f == files_.end()) {
        continue;
      }
      File& file = *f->second;
      std::string reason = pending.closing ? pending.reason : "";
      if (drain(file, pending) && reason.empty()) {
        reason = "write_failed";
      } else if (reason.empty() && belowFloor(file)) {
        reason = "disk_full";
      } else if (reason.empty() && stopping) {
        reason = "shutdown";
      }
      if (!reason.empty()) {
        ended.emplace_back(key, file.close(reason));
        files_.erase(f);
      }
    }
    // Told before the key goes, so that whoever waits for the writer to be idle (finishAll)
    // finds every end reported.
    for (const auto& [key, end] : ended) {
      if (on_end_) {
        on_end_(key, end);
      }
    }
    lock.lock();
    for (const auto& [key, end] : ended) {
      pending_.erase(key);  // its later frames are dropped
    }
    if (pending_.empty()) {
      idle_.notify_all();
    }
    if (stopping && pending_.empty()) {
      return;
    }
  }
}

bool RecordingWriter::drain(File& file, Pending& pending) {
  std::size_t at = 0;
  for (const std::uint32_t size : pending.sizes) {
    const std::span<const std::uint8_t> frame(pending.bytes.data() + at, size);
    if (file.format == RecordingFormat::kOgg) {
      file.ogg.write(frame, static_cast<std::uint32_t>(core::kFrameSamples));
    } else {
      file.wav.write(frame);
    }
    at += size;
  }
  return !file.sync() || file.failed();
}

bool RecordingWriter::belowFloor(const File& file) const {
  if (config_.min_free_bytes == 0) {
    return false;
  }
  struct statvfs disk {};
  if (::statvfs(file.dir.c_str(), &disk) != 0) {
    return false;  // unknown: the writes themselves say when the disk is full
  }
  return static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize < config_.min_free_bytes;
}

}  // namespace mcu::mixer
