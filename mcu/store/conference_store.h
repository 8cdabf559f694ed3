// What the conference keeps in PostgreSQL: room policies (read at start-up, created on demand)
// and one call record per participant leg. Every call queues a job on the database worker and
// returns at once; while PostgreSQL is away the jobs wait there and are written when it is back.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mcu/store/db_worker.h"

namespace mcu::store {

struct RoomRow {
  std::string name;
  bool locked = false;
  std::optional<int> max_participants;
  std::optional<std::string> pin;
  bool on_demand = false;
  std::vector<std::string> codec_preference;  // empty: the server's order
  std::optional<std::string> srtp;            // off | optional | required; none: the server's
  std::optional<int> max_speakers;            // mixed at once; empty: the server's default
  std::optional<bool> entry_exit_tones;       // empty: the server's rooms.entry_exit_tones
  // Meeting controls: a caller with the moderator PIN is a moderator (as stored, like pin).
  std::optional<std::string> moderator_pin;
  bool mute_on_entry = false;            // participants (not moderators) join muted
  bool wait_for_moderator = false;       // participants are not mixed until a moderator is in
  bool end_with_last_moderator = false;  // the last moderator's leaving ends the room's calls
  int end_grace_s = 0;                   // ... after this long, if no moderator came back
  // The keypad menu's own keys (action -> "*6", "" off) over the defaults (dtmf_menu.h).
  std::map<std::string, std::string, std::less<>> dtmf_menu;
  // Heard while a caller is alone or everyone waits for the moderator: a file in prompts.dir,
  // "" for none; empty: the server's prompts.music.
  std::optional<std::string> music;
};

struct CallJoinedRow {
  std::string room;
  std::string call_id;
  std::string from_uri;
  std::string display_name;
  std::string codec;
  std::string remote_media;
  std::string node;
  std::string direction = "in";  // "out": dialled by the server
  std::string via = "dial-in";   // dial-in, dial-out, refer, replaces, line
  int line = 0;                  // its m= line in a dialog of several callers (leg_index)
};

class ConferenceStore {
 public:
  // `on_demand_ttl`: how long an ended on-demand room's row is kept before it is purged.
  explicit ConferenceStore(DbWorker& worker,
                           std::chrono::seconds on_demand_ttl = std::chrono::hours(1))
      : worker_(worker), on_demand_ttl_(on_demand_ttl) {}

  // `done` runs on the database thread with every room that is not deleted.
  void loadRooms(std::function<void(std::vector<RoomRow>)> done);
  void createRoom(const std::string& name, bool on_demand);
  // An on-demand room whose last caller left: marked deleted (its call history stays), unless
  // an admin has since made it a room of their own (on_demand false). Rooms ended more than
  // the TTL ago are purged in the same job.
  void endOnDemandRoom(const std::string& name);
  // A caller's keypad locked or unlocked the room (a new version, like a REST change).
  void setRoomLocked(const std::string& name, bool locked);
  // Deletes the rows of on-demand rooms ended more than the TTL ago; their calls and events
  // keep the room's name (periodic: rooms of a scan end without anyone leaving later).
  void purgeEndedOnDemandRooms();
  // At start-up: on-demand rooms in which no node has a live call are ended the same way
  // (rooms left behind by an earlier run, or by strangers' scans before this fix).
  void endIdleOnDemandRooms();
  // One live room by name; `done` runs on the database thread (nullopt if there is none).
  void findRoom(const std::string& name, std::function<void(std::optional<RoomRow>)> done);
  bool available() const { return worker_.isReady(); }
  void callJoined(const CallJoinedRow& row);
  // A call is its Call-ID and, in a dialog that carries several callers, its m= line (`line`,
  // the calls.leg_index of its row).
  // A dialled call was answered: its codec and media address are known now.
  void callAnswered(const std::string& call_id, const std::string& codec,
                    const std::string& remote_media, int line = 0);
  // A live call learnt how it came in after it joined (Replaces takes over a seat).
  void callVia(const std::string& call_id, const std::string& via, int line = 0);
  // A live call moved to another room: its record follows.
  void callMoved(const std::string& call_id, const std::string& room, int line = 0);
  void callLeft(const std::string& call_id, const std::string& reason,
                const std::string& stats_json, int line = 0);
  // A recording's file is finalised: its row is closed with what the writer says of it.
  void recordingEnded(std::int64_t id, const std::string& reason, std::int64_t duration_ms,
                      std::int64_t bytes, const std::string& participants_json);
  // A file's size and duration as it is on disk; nullopt if it is not there or unreadable.
  struct FileLength {
    std::int64_t bytes = 0;
    std::int64_t duration_ms = 0;
  };
  using MeasureFile =
      std::function<std::optional<FileLength>(const std::string& file, const std::string& format)>;
  // At start: the rows of `node` a crash (or a stop that could not write them) left open are
  // closed as server_restart, with the size and duration `measure` reads from their files
  // (which stop at the last second the writer synced).
  void closeOpenRecordings(const std::string& node, MeasureFile measure);
  // Recordings of `node` that ended more than `retention` ago go: `remove` deletes each file,
  // then its row goes (a file that cannot be removed keeps its row, for the next pass).
  void purgeOldRecordings(const std::string& node, std::chrono::hours retention,
                          std::function<bool(const std::string& file)> remove);
  // Jobs refused because the queue was full (each is also logged).
  std::uint64_t dropped() const { return dropped_; }
  // In a cluster: the epoch at which this node holds a room (0: not held), asked on the
  // calling thread when a call's join or a keypad's lock of the room is queued. The row is written
  // only if the room is still this node's at that epoch when the job runs: a node that lost the
  // room meanwhile (a partition, a lease that lapsed) cannot record callers into another node's
  // room.
  void setFence(std::string node, std::function<std::int64_t(const std::string& room)> epoch_of) {
    fence_node_ = std::move(node);
    fence_epoch_of_ = std::move(epoch_of);
  }
  // Writes refused by that check (any thread).
  std::uint64_t fencedWrites() const { return fenced_writes_.load(); }
  // Whether `jobs` more writes fit in the queue now: a flood (or a database that is away) must
  // be refused at the door, not lose the records of calls already answered.
  bool hasRoomFor(std::size_t jobs) const {
    return worker_.pendingJobs() + jobs <= worker_.capacity();
  }

 private:
  void submit(DbJob job);

  DbWorker& worker_;
  std::chrono::seconds on_demand_ttl_;
  std::atomic<std::uint64_t> dropped_{0};
  std::string fence_node_;
  std::function<std::int64_t(const std::string& room)> fence_epoch_of_;  // caller's thread
  // Counted on the database thread, whose jobs end before this store (ServerParts' order).
  std::atomic<std::uint64_t> fenced_writes_{0};
};

}  // namespace mcu::store
