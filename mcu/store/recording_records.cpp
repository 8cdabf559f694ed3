#include "mcu/store/recording_records.h"

#include "mcu/store/db_request.h"

namespace mcu::store {
namespace {

std::string columns() {
  const std::string iso = kIsoFormat;
  return "id, room_name, format, file, node, state, stop_reason, participants::text,"
         " to_char(started_at AT TIME ZONE 'UTC', " +
         iso + "), to_char(ended_at AT TIME ZONE 'UTC', " + iso +
         "), duration_ms, size_bytes, participant_id";
}

RecordingRecord fromRow(const pqxx::row& r) {
  RecordingRecord rec;
  rec.id = r[0].as<std::int64_t>();
  rec.room = r[1].as<std::string>();
  rec.format = r[2].as<std::string>();
  rec.file = r[3].as<std::string>();
  rec.node = r[4].as<std::string>();
  rec.state = r[5].as<std::string>();
  if (!r[6].is_null()) {
    rec.stop_reason = r[6].as<std::string>();
  }
  rec.participants_json = r[7].as<std::string>();
  rec.started_at = r[8].as<std::string>();
  if (!r[9].is_null()) {
    rec.ended_at = r[9].as<std::string>();
  }
  if (!r[10].is_null()) {
    rec.duration_ms = r[10].as<std::int64_t>();
  }
  if (!r[11].is_null()) {
    rec.size_bytes = r[11].as<std::int64_t>();
  }
  if (!r[12].is_null()) {
    rec.participant = r[12].as<std::int64_t>();
  }
  return rec;
}

}  // namespace

DbResult<RecordingRecord> RecordingRecords::create(const std::string& room,
                                                   const std::string& format,
                                                   const std::string& node,
                                                   std::optional<std::int64_t> participant) {
  auto made = requestFromDb<RecordingRecord>(
      worker_, "create recording",
      [room, format, node, participant](DbSession& s) {
        pqxx::work txn(s.connection());
        // The file is named after the id, given in the same statement.
        const auto rows = txn.exec_params(
            "INSERT INTO recordings (id, room_name, format, file, node, participant_id)"
            " SELECT n, $1, $2, $1 || '-' || n || '.' || $2, $3, $4"
            " FROM (SELECT nextval('recordings_id_seq') AS n) s RETURNING " +
                columns(),
            room, format, node, participant);
        txn.commit();
        return fromRow(rows[0]);
      },
      timeout_);
  if (!made) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*made)};
}

DbResult<RecordingRecord> RecordingRecords::get(std::int64_t id) {
  auto found = requestFromDb<std::optional<RecordingRecord>>(
      worker_, "get recording",
      [id](DbSession& s) -> std::optional<RecordingRecord> {
        pqxx::read_transaction txn(s.connection());
        const auto rows =
            txn.exec_params("SELECT " + columns() + " FROM recordings WHERE id = $1", id);
        if (rows.empty()) {
          return std::nullopt;
        }
        return fromRow(rows[0]);
      },
      timeout_);
  if (!found) {
    return {};
  }
  if (!*found) {
    return {DbOutcome::kNotFound, {}};
  }
  return {DbOutcome::kOk, std::move(**found)};
}

DbResult<std::vector<RecordingRecord>> RecordingRecords::list(const std::string& room, int limit) {
  auto rows = requestFromDb<std::vector<RecordingRecord>>(
      worker_, "list recordings",
      [room, limit](DbSession& s) {
        pqxx::read_transaction txn(s.connection());
        std::vector<RecordingRecord> out;
        for (const auto& r :
             txn.exec_params("SELECT " + columns() +
                                 " FROM recordings WHERE ($1 = '' OR room_name = $1)"
                                 " ORDER BY id DESC LIMIT $2",
                             room, limit)) {
          out.push_back(fromRow(r));
        }
        return out;
      },
      timeout_);
  if (!rows) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*rows)};
}

DbResult<bool> RecordingRecords::remove(std::int64_t id) {
  auto removed = requestFromDb<bool>(
      worker_, "remove recording",
      [id](DbSession& s) {
        pqxx::work txn(s.connection());
        const auto rows = txn.exec_params("DELETE FROM recordings WHERE id = $1 RETURNING id", id);
        txn.commit();
        return !rows.empty();
      },
      timeout_);
  if (!removed) {
    return {};
  }
  return {*removed ? DbOutcome::kOk : DbOutcome::kNotFound, *removed};
}

}  // namespace mcu::store
