#include "mcu/store/node_liveness.h"

#include <pqxx/pqxx>

#include "mcu/store/db_session.h"

namespace mcu::store {

void NodeLiveness::recover(std::function<void(std::size_t)> done) {
  worker_.submit(
      {"recover node " + node_id_, [node = node_id_, sip = sip_address_, done](DbSession& s) {
         pqxx::work txn(s.connection());
         // The last heartbeat dates the crash; a call that joined after it ends when it began
         // (nothing says it lasted longer).
         const auto closed = txn.exec_params(
             "UPDATE calls c SET left_at = GREATEST(c.joined_at,"
             "   COALESCE((SELECT heartbeat_at FROM nodes WHERE id = $1), c.joined_at)),"
             " leave_reason = 'server_restart'"
             " WHERE c.node_id = $1 AND c.left_at IS NULL",
             node);
         txn.exec_params(
             "INSERT INTO nodes (id, sip_address) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE"
             " SET sip_address = EXCLUDED.sip_address, started_at = now(), heartbeat_at = now()",
             node, sip);
         txn.commit();
         done(static_cast<std::size_t>(closed.affected_rows()));
       }});
}

void NodeLiveness::heartbeat() {
  worker_.submit({"heartbeat", [node = node_id_](DbSession& s) {
                    pqxx::work txn(s.connection());
                    txn.exec_params("UPDATE nodes SET heartbeat_at = now() WHERE id = $1", node);
                    txn.commit();
                  }});
}

}  // namespace mcu::store
