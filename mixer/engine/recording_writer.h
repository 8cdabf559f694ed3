// The one thread that writes every recording of the engine to disk (issue 15 item 4). A media
// thread only hands over each tick's frame (an Opus packet, or the PCM for WAV) under a mutex
// held for a copy: it never waits on the disk, however slow or full it is, and the number of
// threads does not grow with the recordings. Every second (and at a stop) the writer puts what
// it holds in the files and syncs them, so a crash loses at most the last second; a recording
// whose disk falls below the free-space floor, or refuses a write, is finalised and ended by
// the writer itself (its end says why).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "mcu/common/result.h"
#include "mixer/engine/media_types.h"

namespace mcu::mixer {

class RecordingWriter {
 public:
  struct Config {
    std::uint64_t min_free_bytes = 0;  // the disk's floor: below it, recordings there end
    std::chrono::milliseconds sync_every{1000};
  };
  // Runs on the writer thread when a recording is finalised, whoever ended it.
  using Ended = std::function<void(RecordingKey, const RecordingEnd&)>;

  RecordingWriter(Config config, Ended on_end);
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;
  // Finalises every recording still open (reason "shutdown").
  ~RecordingWriter();

  // Creates the file on the caller's thread (so a bad path is the caller's error at once) and
  // writes its header.
  Result<RecordingKey> open(const std::string& path, RecordingFormat format);
  // A media thread's frame of 20 ms: an Opus packet (Ogg) or little-endian PCM (WAV). Frames
  // of a recording that has ended are dropped.
  void push(RecordingKey key, std::span<const std::uint8_t> frame);
  // Ends it: what it holds is written, the file finalised, and on_end told.
  void close(RecordingKey key, std::string reason);
  bool isOpen(RecordingKey key) const;
  // Ends every recording still open and waits (at most `timeout`) until their files are
  // finalised and on_end told. True if all were.
  bool finishAll(const std::string& reason, std::chrono::milliseconds timeout);

 private:
  struct File;
  struct Pending {
    std::vector<std::uint8_t> bytes;
    std::vector<std::uint32_t> sizes;  // one per frame
    bool closing = false;
    std::string reason;
  };
  void run();
  // Writer thread: puts a recording's frames in its file; true if it must end.
  bool drain(File& file, Pending& pending);
  bool belowFloor(const File& file) const;

  const Config config_;
  const Ended on_end_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;  // pending_ became empty
  bool stopping_ = false;
  RecordingKey next_key_ = 1;
  std::map<RecordingKey, Pending> pending_;               // guarded: what media threads handed over
  std::map<RecordingKey, std::unique_ptr<File>> files_;   // writer thread only, once opened
  std::map<RecordingKey, std::unique_ptr<File>> opened_;  // guarded: opened, not yet taken
  std::thread thread_;
};

}  // namespace mcu::mixer
