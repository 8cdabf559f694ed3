// Recordings as the REST API starts, lists and removes them (the recordings table). The row is
// made before the engine starts writing (its id names the file) and closed when the writer has
// finalised the file (ConferenceStore::recordingEnded, queued like any call record).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mcu/store/db_result.h"
#include "mcu/store/db_worker.h"

namespace mcu::store {

struct RecordingRecord {
  std::int64_t id = 0;
  std::string room;
  std::string format;  // ogg | wav
  std::string file;    // in recordings.dir
  std::string node;
  std::string state;  // recording | done
  std::optional<std::string> stop_reason;
  std::string participants_json = "[]";
  std::string started_at;
  std::optional<std::string> ended_at;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> size_bytes;
  std::optional<std::int64_t> participant;  // a participant's own recording: its id
};

class RecordingRecords {
 public:
  RecordingRecords(DbWorker& worker, std::chrono::milliseconds timeout)
      : worker_(worker), timeout_(timeout) {}
  // A new row, state recording; its file is "<room>-<id>.<format>".
  // `participant`: a recording of that participant's own voice; none: of the room's mix.
  DbResult<RecordingRecord> create(const std::string& room, const std::string& format,
                                   const std::string& node,
                                   std::optional<std::int64_t> participant = std::nullopt);
  DbResult<RecordingRecord> get(std::int64_t id);
  // Newest first; `room` "" for all.
  DbResult<std::vector<RecordingRecord>> list(const std::string& room, int limit);
  DbResult<bool> remove(std::int64_t id);

 private:
  DbWorker& worker_;
  std::chrono::milliseconds timeout_;
};

}  // namespace mcu::store
