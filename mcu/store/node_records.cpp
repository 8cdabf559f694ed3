#include "mcu/store/node_records.h"

#include "mcu/store/db_request.h"

namespace mcu::store {
namespace {

// The columns nodeFromRow reads, for a query over `nodes n`.
std::string nodeColumns() {
  return std::string(
             "n.id, n.sip_address, n.http_url, n.state, n.lease_until > now(),"
             " CASE WHEN n.lease_until = '-infinity' THEN NULL ELSE"
             " to_char(n.lease_until AT TIME ZONE 'UTC', ") +
         kIsoFormat + ") END, (SELECT count(*) FROM room_owners o WHERE o.node = n.id)";
}

NodeRecord nodeFromRow(const pqxx::row& r) {
  NodeRecord node;
  node.id = r[0].as<std::string>();
  node.sip_address = r[1].as<std::string>();
  node.http_url = r[2].as<std::string>();
  node.state = r[3].as<std::string>();
  node.alive = r[4].as<bool>();
  if (!r[5].is_null()) {
    node.lease_until = r[5].as<std::string>();
  }
  node.rooms = r[6].as<std::int64_t>();
  return node;
}

}  // namespace

DbResult<std::vector<NodeRecord>> NodeRecords::list() {
  auto rows = requestFromDb<std::vector<NodeRecord>>(
      worker_, "list nodes",
      [](DbSession& s) {
        pqxx::read_transaction txn(s.connection());
        std::vector<NodeRecord> nodes;
        for (const auto& r : txn.exec("SELECT " + nodeColumns() + " FROM nodes n ORDER BY n.id")) {
          nodes.push_back(nodeFromRow(r));
        }
        return nodes;
      },
      timeout_);
  if (!rows) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*rows)};
}

DbResult<std::optional<RoomOwnerRecord>> NodeRecords::ownerOf(const std::string& room) {
  auto row = requestFromDb<std::optional<RoomOwnerRecord>>(
      worker_, "owner of " + room,
      [room](DbSession& s) -> std::optional<RoomOwnerRecord> {
        pqxx::read_transaction txn(s.connection());
        const auto rows = txn.exec_params(
            "SELECT n.id, n.http_url, n.lease_until > now() FROM room_owners o"
            " JOIN nodes n ON n.id = o.node WHERE o.room = $1",
            room);
        if (rows.empty()) {
          return std::nullopt;
        }
        return RoomOwnerRecord{.node = rows[0][0].as<std::string>(),
                               .http_url = rows[0][1].as<std::string>(),
                               .alive = rows[0][2].as<bool>()};
      },
      timeout_);
  if (!row) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*row)};
}

DbResult<std::optional<NodeRecord>> NodeRecords::drain(const std::string& id) {
  auto row = requestFromDb<std::optional<NodeRecord>>(
      worker_, "drain node " + id,
      [id](DbSession& s) -> std::optional<NodeRecord> {
        pqxx::work txn(s.connection());
        txn.exec_params("UPDATE nodes SET state = 'draining' WHERE id = $1", id);
        const auto rows =
            txn.exec_params("SELECT " + nodeColumns() + " FROM nodes n WHERE n.id = $1", id);
        txn.commit();
        if (rows.empty()) {
          return std::nullopt;
        }
        return nodeFromRow(rows[0]);
      },
      timeout_);
  if (!row) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*row)};
}

}  // namespace mcu::store
