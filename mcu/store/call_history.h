// Call records as the REST API lists them (the calls table), newest first, by cursor.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mcu/store/db_result.h"
#include "mcu/store/db_worker.h"

namespace mcu::store {

struct CallRecord {
  std::int64_t id = 0;
  std::string room;
  std::string call_id;
  std::string direction;
  std::string via;
  int line = 0;  // its m= line in a dialog of several callers (RFC 3264 §8.1)
  std::string from_uri;
  std::string display_name;
  std::string codec;
  std::string remote_media;
  std::string joined_at;
  std::optional<std::string> left_at;
  std::optional<std::string> leave_reason;
  std::string stats_json = "{}";
};

struct CallQuery {
  std::string room;            // "" for all
  std::string since;           // RFC 3339, "" for no bound; joined at or after
  std::string until;           // joined before
  std::string from_uri;        // exact match
  std::int64_t before_id = 0;  // cursor: ids below this (0: from the newest)
  int limit = 50;
};

class CallHistory {
 public:
  CallHistory(DbWorker& worker, std::chrono::milliseconds timeout)
      : worker_(worker), timeout_(timeout) {}
  // Up to limit + 1 rows, so the caller knows whether there is a next page.
  DbResult<std::vector<CallRecord>> list(const CallQuery& query);

 private:
  DbWorker& worker_;
  std::chrono::milliseconds timeout_;
};

}  // namespace mcu::store
