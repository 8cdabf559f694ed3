#include "mcu/store/conference_store.h"

#include "mcu/common/log.h"
#include "mcu/store/db_session.h"
#include "mcu/store/room_row_mapping.h"

namespace mcu::store {

void ConferenceStore::submit(DbJob job) {
  const std::string what = job.what;
  if (!worker_.submit(std::move(job))) {
    ++dropped_;
    log::error("db", "db_queue_full").kv("job", what);
  }
}

namespace {

// Rows of on-demand rooms ended more than `ttl` ago go; their calls and events keep the name.
void purgeEnded(pqxx::work& txn, std::chrono::seconds ttl) {
  const auto purged = txn.exec_params(
      "DELETE FROM rooms WHERE on_demand AND deleted_at IS NOT NULL"
      " AND deleted_at <= now() - make_interval(secs => $1)",
      static_cast<double>(ttl.count()));
  if (purged.affected_rows() > 0) {
    log::info("db", "on_demand_rooms_purged")
        .kv("rooms", static_cast<std::uint64_t>(purged.affected_rows()));
  }
}

// The fence of a cluster's writes about a room: it is still `node`'s at `epoch`.
bool ownsRoom(pqxx::work& txn, const std::string& room, const std::string& node,
              std::int64_t epoch) {
  return txn
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM room_owners WHERE room = $1 AND node = $2 AND epoch = $3)",
          room, node, epoch)[0]
      .as<bool>();
}

// The policies of the rooms that have not ended.
std::string liveRoomsQuery() {
  return "SELECT " + roomRecordColumns() + " FROM rooms WHERE deleted_at IS NULL";
}

}  // namespace

void ConferenceStore::loadRooms(std::function<void(std::vector<RoomRow>)> done) {
  submit({"load rooms", [done = std::move(done)](DbSession& session) {
            pqxx::read_transaction txn(session.connection());
            std::vector<RoomRow> rooms;
            for (const auto& r : txn.exec(liveRoomsQuery())) {
              rooms.push_back(roomRecordFromRow(r).policy());
            }
            done(std::move(rooms));
          }});
}

void ConferenceStore::findRoom(const std::string& name,
                               std::function<void(std::optional<RoomRow>)> done) {
  // A caller's INVITE waits for this: ahead of the queued writes.
  const bool queued = worker_.submitUrgent(
      {"find room " + name, [name, done](DbSession& session) {
         pqxx::read_transaction txn(session.connection());
         const auto rows = txn.exec_params(liveRoomsQuery() + " AND name = $1", name);
         done(rows.empty() ? std::nullopt
                           : std::optional<RoomRow>(roomRecordFromRow(rows[0]).policy()));
       }});
  if (!queued) {
    done(std::nullopt);  // queue full: decide from what is known
  }
}

void ConferenceStore::createRoom(const std::string& name, bool on_demand) {
  submit({"create room " + name, [name, on_demand](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params(
                "INSERT INTO rooms (name, on_demand) VALUES ($1, $2)"
                " ON CONFLICT (name) WHERE deleted_at IS NULL DO NOTHING",
                name, on_demand);
            txn.commit();
          }});
}

void ConferenceStore::endOnDemandRoom(const std::string& name) {
  submit({"end on-demand room " + name, [name, ttl = on_demand_ttl_](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params(
                "UPDATE rooms SET deleted_at = now(), version = version + 1, updated_at = now()"
                " WHERE name = $1 AND on_demand AND deleted_at IS NULL",
                name);
            purgeEnded(txn, ttl);
            txn.commit();
          }});
}

void ConferenceStore::setRoomLocked(const std::string& name, bool locked) {
  // A keypad's lock is the room's state: in a cluster only its owner at this epoch writes it.
  const std::int64_t epoch = fence_epoch_of_ ? fence_epoch_of_(name) : 0;
  submit({"lock room " + name, [name, locked, epoch, fence_node = fence_node_,
                                fenced = &fenced_writes_](DbSession& session) {
            pqxx::work txn(session.connection());
            if (epoch != 0 && !ownsRoom(txn, name, fence_node, epoch)) {
              ++*fenced;
              log::warn("db", "write_fenced").kv("room", name).kv("epoch", epoch);
              return;
            }
            txn.exec_params(
                "UPDATE rooms SET locked = $2, version = version + 1, updated_at = now()"
                " WHERE name = $1 AND deleted_at IS NULL",
                name, locked);
            txn.commit();
          }});
}

void ConferenceStore::purgeEndedOnDemandRooms() {
  submit({"purge ended on-demand rooms", [ttl = on_demand_ttl_](DbSession& session) {
            pqxx::work txn(session.connection());
            purgeEnded(txn, ttl);
            txn.commit();
          }});
}

void ConferenceStore::endIdleOnDemandRooms() {
  submit({"end idle on-demand rooms", [](DbSession& session) {
            pqxx::work txn(session.connection());
            const auto ended = txn.exec(
                "UPDATE rooms r SET deleted_at = now(), version = version + 1, updated_at = now()"
                " WHERE r.on_demand AND r.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM calls"
                " c WHERE c.room_id = r.id AND c.left_at IS NULL)");
            txn.commit();
            if (ended.affected_rows() > 0) {
              log::info("db", "on_demand_rooms_ended")
                  .kv("rooms", static_cast<std::uint64_t>(ended.affected_rows()));
            }
          }});
}

void ConferenceStore::callJoined(const CallJoinedRow& row) {
  // 0: no cluster, or a room this node has not claimed (a dial-out): written unfenced.
  const std::int64_t epoch = fence_epoch_of_ ? fence_epoch_of_(row.room) : 0;
  submit({"call joined " + row.call_id,
          [row, epoch, fence_node = fence_node_, fenced = &fenced_writes_](DbSession& session) {
            pqxx::work txn(session.connection());
            // The room row may have been created by a job just before this one (on demand):
            // the queue runs in order, so it is there.
            if (epoch != 0 && !ownsRoom(txn, row.room, fence_node, epoch)) {
              ++*fenced;
              log::warn("db", "write_fenced")
                  .kv("room", row.room)
                  .kv("epoch", epoch)
                  .kv("call_id", row.call_id);
              return;
            }
            // An on-demand room whose last caller has just left is ended by a queued job,
            // while the next caller's INVITE may have found its row first (the look-up is
            // urgent and overtakes the queue): the caller is in the room, so the room lives and
            // gets a row again. Without this its call was never recorded (89 of 400 calls in a
            // churn of five rooms, sequential INVITE/BYE).
            txn.exec_params(
                "INSERT INTO rooms (name, on_demand) VALUES ($1, true)"
                " ON CONFLICT (name) WHERE deleted_at IS NULL DO NOTHING",
                row.room);
            const auto written = txn.exec_params(
                "INSERT INTO calls (room_id, room_name, node_id, call_id, direction, from_uri,"
                " display_name, codec, remote_media, via, leg_index) SELECT id, name, $2, $3, $8,"
                " $4, $5, $6, $7, $9, $10 FROM rooms"
                " WHERE name = $1 AND deleted_at IS NULL",
                row.room, row.node, row.call_id, row.from_uri, row.display_name, row.codec,
                row.remote_media, row.direction, row.via, row.line);
            txn.commit();
            if (written.affected_rows() == 0) {
              log::warn("db", "call_not_recorded")
                  .kv("reason", "no live room row")
                  .kv("room", row.room)
                  .kv("call_id", row.call_id);
            }
          }});
}

void ConferenceStore::callAnswered(const std::string& call_id, const std::string& codec,
                                   const std::string& remote_media, int line) {
  submit({"call answered " + call_id, [call_id, codec, remote_media, line](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params(
                "UPDATE calls SET codec = $2, remote_media = $3 WHERE call_id = $1"
                " AND leg_index = $4 AND left_at IS NULL",
                call_id, codec, remote_media, line);
            txn.commit();
          }});
}

void ConferenceStore::callVia(const std::string& call_id, const std::string& via, int line) {
  submit({"call via " + call_id, [call_id, via, line](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params(
                "UPDATE calls SET via = $2 WHERE call_id = $1 AND leg_index = $3"
                " AND left_at IS NULL",
                call_id, via, line);
            txn.commit();
          }});
}

void ConferenceStore::callMoved(const std::string& call_id, const std::string& room, int line) {
  submit({"call moved " + call_id, [call_id, room, line](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params(
                "UPDATE calls SET room_name = $2, room_id = (SELECT id FROM rooms WHERE name = $2"
                " AND deleted_at IS NULL) WHERE call_id = $1 AND leg_index = $3"
                " AND left_at IS NULL",
                call_id, room, line);
            txn.commit();
          }});
}

void ConferenceStore::callLeft(const std::string& call_id, const std::string& reason,
                               const std::string& stats_json, int line) {
  submit({"call left " + call_id, [call_id, reason, stats_json, line](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params(
                "UPDATE calls SET left_at = now(), leave_reason = $2, stats = $3::jsonb"
                " WHERE call_id = $1 AND leg_index = $4 AND left_at IS NULL",
                call_id, reason, stats_json, line);
            txn.commit();
          }});
}

void ConferenceStore::recordingEnded(std::int64_t id, const std::string& reason,
                                     std::int64_t duration_ms, std::int64_t bytes,
                                     const std::string& participants_json) {
  submit({"recording ended " + std::to_string(id),
          [id, reason, duration_ms, bytes, participants_json](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params(
                "UPDATE recordings SET state = 'done', stop_reason = $2, ended_at = now(),"
                " duration_ms = $3, size_bytes = $4, participants = $5::jsonb"
                " WHERE id = $1 AND state = 'recording'",
                id, reason, duration_ms, bytes, participants_json);
            txn.commit();
          }});
}

void ConferenceStore::closeOpenRecordings(const std::string& node, MeasureFile measure) {
  submit({"close open recordings", [node, measure = std::move(measure)](DbSession& session) {
            pqxx::work txn(session.connection());
            const auto open = txn.exec_params(
                "SELECT id, file, format FROM recordings WHERE node = $1 AND state = 'recording'",
                node);
            for (const auto& row : open) {
              const auto length = measure(row[1].as<std::string>(), row[2].as<std::string>());
              txn.exec_params(
                  "UPDATE recordings SET state = 'done', stop_reason = 'server_restart',"
                  " ended_at = now(), size_bytes = $2, duration_ms = $3 WHERE id = $1",
                  row[0].as<std::int64_t>(), length ? std::optional(length->bytes) : std::nullopt,
                  length ? std::optional(length->duration_ms) : std::nullopt);
            }
            txn.commit();
            if (!open.empty()) {
              log::info("db", "recordings_closed_after_restart")
                  .kv("recordings", static_cast<std::uint64_t>(open.size()));
            }
          }});
}

void ConferenceStore::purgeOldRecordings(const std::string& node, std::chrono::hours retention,
                                         std::function<bool(const std::string& file)> remove) {
  submit({"purge old recordings",
          [node, hours = retention.count(), remove = std::move(remove)](DbSession& session) {
            pqxx::work txn(session.connection());
            const auto old = txn.exec_params(
                "SELECT id, file FROM recordings WHERE node = $1 AND state = 'done'"
                " AND ended_at < now() - $2 * interval '1 hour'",
                node, hours);
            std::uint64_t purged = 0;
            for (const auto& row : old) {
              if (remove(row[1].as<std::string>())) {
                txn.exec_params("DELETE FROM recordings WHERE id = $1", row[0].as<std::int64_t>());
                ++purged;
              }
            }
            txn.commit();
            if (!old.empty()) {
              log::info("db", "recordings_purged")
                  .kv("recordings", purged)
                  .kv("kept", static_cast<std::uint64_t>(old.size()) - purged);
            }
          }});
}

}  // namespace mcu::store
