#include "mcu/store/call_history.h"

#include "mcu/store/db_request.h"

namespace mcu::store {

DbResult<std::vector<CallRecord>> CallHistory::list(const CallQuery& query) {
  auto rows = requestFromDb<std::vector<CallRecord>>(
      worker_, "list calls",
      [query](DbSession& s) {
        pqxx::read_transaction txn(s.connection());
        const std::string iso = kIsoFormat;
        std::vector<CallRecord> calls;
        for (const auto& r : txn.exec_params(
                 "SELECT c.id, c.room_name, c.call_id, c.direction, c.from_uri, c.display_name,"
                 " coalesce(c.codec, ''), coalesce(c.remote_media, ''),"
                 " to_char(c.joined_at AT TIME ZONE 'UTC', " +
                     iso +
                     "),"
                     " to_char(c.left_at AT TIME ZONE 'UTC', " +
                     iso +
                     "), c.leave_reason,"
                     " c.stats::text, c.via, c.leg_index FROM calls c"
                     " WHERE ($1 = '' OR c.room_name = $1)"
                     " AND ($2 = '' OR c.joined_at >= NULLIF($2, '')::timestamptz)"
                     " AND ($3 = '' OR c.joined_at < NULLIF($3, '')::timestamptz)"
                     " AND ($4 = '' OR c.from_uri = $4)"
                     " AND ($5 = 0 OR c.id < $5)"
                     " ORDER BY c.id DESC LIMIT $6",
                 query.room, query.since, query.until, query.from_uri, query.before_id,
                 query.limit + 1)) {
          CallRecord call;
          call.id = r[0].as<std::int64_t>();
          call.room = r[1].as<std::string>();
          call.call_id = r[2].as<std::string>();
          call.direction = r[3].as<std::string>();
          call.from_uri = r[4].as<std::string>();
          call.display_name = r[5].as<std::string>();
          call.codec = r[6].as<std::string>();
          call.remote_media = r[7].as<std::string>();
          call.joined_at = r[8].as<std::string>();
          if (!r[9].is_null()) {
            call.left_at = r[9].as<std::string>();
          }
          if (!r[10].is_null()) {
            call.leave_reason = r[10].as<std::string>();
          }
          call.stats_json = r[11].as<std::string>();
          call.via = r[12].as<std::string>();
          call.line = r[13].as<int>();
          calls.push_back(std::move(call));
        }
        return calls;
      },
      timeout_);
  if (!rows) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*rows)};
}

}  // namespace mcu::store
