// Rooms as the REST API reads and writes them (the rooms table). Every call waits for the
// database worker, at most the configured timeout; DbOutcome says how it went.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mcu/store/conference_store.h"
#include "mcu/store/db_result.h"
#include "mcu/store/db_worker.h"

namespace mcu::store {

struct RoomRecord {
  std::string name;
  std::string display_name;
  std::optional<std::string> pin_hash;
  std::optional<int> max_participants;
  bool locked = false;
  bool on_demand = false;
  std::vector<std::string> codec_preference;
  std::string mixing_json = "{}";
  std::optional<int> max_speakers;       // from mixing, for the policy
  std::optional<std::string> srtp;       // off | optional | required; none: the server's
  std::optional<bool> entry_exit_tones;  // none: the server's
  std::optional<std::string> moderator_pin_hash;
  bool mute_on_entry = false;
  bool wait_for_moderator = false;
  bool end_with_last_moderator = false;
  int end_grace_s = 0;
  std::map<std::string, std::string, std::less<>> dtmf_menu;  // the room's own keys only
  std::optional<std::string> music;  // a prompt file, "" for none; none: the server's
  std::optional<std::string> node;   // in a cluster, the node that owns it now; none: no owner
  std::int64_t version = 0;
  std::string created_at;
  std::string updated_at;

  // What the conference enforces for this room.
  RoomRow policy() const;
};

// A create or a partial update: only the fields that are set change.
struct RoomFields {
  std::optional<std::string> display_name;
  std::optional<std::optional<std::string>> pin_hash;  // set to nullopt: remove the PIN
  std::optional<std::optional<int>> max_participants;
  std::optional<bool> locked;
  std::optional<bool> on_demand;
  std::optional<std::vector<std::string>> codec_preference;
  std::optional<std::string> mixing_json;
  std::optional<std::optional<std::string>> srtp;       // set to nullopt: the server's policy
  std::optional<std::optional<bool>> entry_exit_tones;  // set to nullopt: the server's
  std::optional<std::optional<std::string>> moderator_pin_hash;  // set to nullopt: remove it
  std::optional<bool> mute_on_entry;
  std::optional<bool> wait_for_moderator;
  std::optional<bool> end_with_last_moderator;
  std::optional<int> end_grace_s;
  std::optional<std::string> dtmf_menu_json;        // the room's own keys as a JSON object
  std::optional<std::optional<std::string>> music;  // set to nullopt: the server's
};

struct RoomQuery {
  std::string name_prefix;
  std::string after_name;                        // cursor: names greater than this
  std::optional<std::vector<std::string>> only;  // restrict to these names
  int limit = 50;
};

class RoomRecords {
 public:
  RoomRecords(DbWorker& worker, std::chrono::milliseconds timeout)
      : worker_(worker), timeout_(timeout) {}

  // Up to limit + 1 rows, by name, so the caller knows whether there is a next page.
  DbResult<std::vector<RoomRecord>> list(const RoomQuery& query);
  DbResult<RoomRecord> get(const std::string& name);
  DbResult<RoomRecord> create(const std::string& name, const RoomFields& fields);
  DbResult<RoomRecord> update(const std::string& name, const RoomFields& fields,
                              std::optional<std::int64_t> if_version);
  DbResult<RoomRecord> remove(const std::string& name, std::optional<std::int64_t> if_version);

 private:
  DbWorker& worker_;
  std::chrono::milliseconds timeout_;
};

}  // namespace mcu::store
