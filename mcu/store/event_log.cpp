#include "mcu/store/event_log.h"

#include "mcu/common/log.h"
#include "mcu/store/db_request.h"
#include "mcu/store/event_doorbell.h"

namespace mcu::store {

void EventLog::append(const std::string& type, const std::string& room,
                      const std::string& payload_json) {
  const bool queued = worker_.submit(
      {"event " + type, [this, type, room, payload_json](DbSession& s) {
         pqxx::work txn(s.connection());
         // Events are many and small: their commit does not wait for the WAL flush, so the
         // call records and room look-ups queued behind them are not held up. A PostgreSQL
         // crash (not a server crash) can lose the last fraction of a second of events.
         txn.exec("SET LOCAL synchronous_commit = off");
         txn.exec_params(
             "INSERT INTO events (type, room_name, room_id, payload) VALUES ($1, NULLIF($2, ''),"
             " (SELECT id FROM rooms WHERE name = $2 AND deleted_at IS NULL), $3::jsonb)",
             type, room, payload_json);
         // The other nodes' streams hear of it at the commit (EventDoorbell); nobody listens
         // outside a cluster, and a NOTIFY nobody listens to costs next to nothing.
         txn.exec(std::string("NOTIFY ") + kEventChannel);
         txn.commit();
         written();
       }});
  if (!queued) {
    ++dropped_;
    log::error("db", "db_queue_full").kv("job", "event " + type);
  }
}

void EventLog::written() {
  {
    const std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

DbResult<std::vector<EventRecord>> EventLog::after(std::int64_t id, int limit, bool settled_only) {
  auto rows = requestFromDb<std::vector<EventRecord>>(
      worker_, "read events",
      [id, limit, settled_only](DbSession& s) {
        pqxx::read_transaction txn(s.connection());
        std::vector<EventRecord> events;
        for (const auto& r : txn.exec_params(
                 std::string("SELECT id, to_char(at AT TIME ZONE 'UTC', ") + kIsoFormat +
                     "), type, coalesce(room_name, ''), payload::text FROM events"
                     " WHERE id > $1 AND (NOT $3 OR xid IS NULL OR"
                     " xid < pg_snapshot_xmin(pg_current_snapshot())) ORDER BY id LIMIT $2",
                 id, limit, settled_only)) {
          events.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                            r[3].as<std::string>(), r[4].as<std::string>()});
        }
        return events;
      },
      timeout_);
  if (!rows) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*rows)};
}

DbResult<std::int64_t> EventLog::latestId() {
  auto id = requestFromDb<std::int64_t>(
      worker_, "latest event",
      [](DbSession& s) {
        pqxx::read_transaction txn(s.connection());
        return txn.exec("SELECT coalesce(max(id), 0) FROM events")[0][0].as<std::int64_t>();
      },
      timeout_);
  if (!id) {
    return {};
  }
  return {DbOutcome::kOk, *id};
}

std::uint64_t EventLog::waitForNewer(std::uint64_t seen_generation,
                                     std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return woken_ || generation_ != seen_generation; });
  return generation_;
}

std::uint64_t EventLog::generation() const {
  const std::lock_guard lock(mutex_);
  return generation_;
}

void EventLog::wakeAll() {
  {
    const std::lock_guard lock(mutex_);
    woken_ = true;
  }
  changed_.notify_all();
}

void EventLog::prune(std::chrono::hours retention) {
  worker_.submit({"prune events", [retention](DbSession& s) {
                    pqxx::work txn(s.connection());
                    txn.exec_params(
                        "DELETE FROM events WHERE at < now() - make_interval(hours => $1)",
                        static_cast<int>(retention.count()));
                    txn.commit();
                  }});
}

}  // namespace mcu::store
