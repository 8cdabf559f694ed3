#include "mcu/store/room_leases.h"

#include <pqxx/pqxx>

#include "mcu/common/log.h"
#include "mcu/store/db_session.h"

namespace mcu::store {
namespace {

// Someone waits for the answer (an INVITE, the lease's timer): a statement that fails answers
// `failed` rather than never, unless the connection broke, when the worker runs the job again.
template <typename Body, typename Failed>
void answering(const Body& body, const Failed& failed) {
  try {
    body();
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (...) {
    failed();
    throw;
  }
}

}  // namespace

void RoomLeases::join(std::string sip_address, std::string http_url) {
  // Urgent: ahead of the first renewal and claim, which are urgent too and keep their order.
  worker_.submitUrgent(
      {"join cluster " + node_,
       [node = node_, sip = std::move(sip_address), http = std::move(http_url)](DbSession& s) {
         pqxx::work txn(s.connection());
         txn.exec_params(
             "INSERT INTO nodes (id, sip_address, http_url) VALUES ($1, $2, $3)"
             " ON CONFLICT (id) DO UPDATE SET sip_address = EXCLUDED.sip_address,"
             " http_url = EXCLUDED.http_url, state = 'up'",
             node, sip, http);
         txn.exec_params("UPDATE room_owners SET node = NULL WHERE node = $1", node);
         txn.commit();
       }});
}

void RoomLeases::renew(std::chrono::milliseconds lease, std::function<void(Renewal)> done) {
  const bool queued = worker_.submitUrgent(
      {"renew lease " + node_, [node = node_, ms = lease.count(), done](DbSession& s) {
         answering(
             [&] {
               pqxx::work txn(s.connection());
               const auto r = txn.exec_params(
                   "UPDATE nodes SET lease_until = now() + make_interval(secs => $2::double"
                   " precision / 1000), heartbeat_at = now() WHERE id = $1 RETURNING state",
                   node, ms);
               txn.commit();
               done(Renewal{.ok = r.size() == 1,
                            .draining = r.size() == 1 && r[0][0].as<std::string>() == "draining"});
             },
             [&] { done(Renewal{}); });
       }});
  if (!queued) {
    done(Renewal{});
  }
}

void RoomLeases::claim(const std::string& room, std::function<void(ClaimReply)> done) {
  const bool queued = worker_.submitUrgent(
      {"claim room " + room, [node = node_, room, done](DbSession& s) {
         answering(
             [&] {
               pqxx::work txn(s.connection());
               ClaimReply reply;
               // The row exists before it is locked, so two nodes claiming a new room queue on it.
               txn.exec_params(
                   "INSERT INTO room_owners (room, node, epoch) VALUES ($1, NULL, 0)"
                   " ON CONFLICT (room) DO NOTHING",
                   room);
               const auto row = txn.exec_params1(
                   "SELECT o.node, o.epoch, coalesce(n.sip_address, ''),"
                   " (o.node IS NULL OR o.node = $2 OR n.lease_until <= now()),"
                   " EXISTS (SELECT 1 FROM nodes m WHERE m.id = $2 AND m.lease_until > now())"
                   " FROM room_owners o LEFT JOIN nodes n ON n.id = o.node"
                   " WHERE o.room = $1 FOR UPDATE OF o",
                   room, node);
               const auto owner = row[0].as<std::string>(std::string());
               reply.epoch = row[1].as<std::int64_t>();
               const bool free = row[3].as<bool>();
               if (!row[4].as<bool>()) {
                 reply.kind = ClaimReply::Kind::kNotLeased;
               } else if (!free) {
                 reply.kind = ClaimReply::Kind::kElsewhere;
                 reply.owner_node = owner;
                 reply.owner_sip = row[2].as<std::string>();
               } else {
                 reply.kind = ClaimReply::Kind::kOwned;
                 if (owner != node) {
                   reply.epoch += 1;
                   txn.exec_params(
                       "UPDATE room_owners SET node = $2, epoch = $3, claimed_at = now()"
                       " WHERE room = $1",
                       room, node, reply.epoch);
                 }
                 if (!owner.empty() && owner != node) {
                   // The dead owner's callers went with it: their rows end when its lease did.
                   const auto closed = txn.exec_params(
                       "UPDATE calls c SET left_at = GREATEST(c.joined_at, LEAST(now(),"
                       "   (SELECT lease_until FROM nodes WHERE id = $2))), leave_reason = "
                       "'node_lost'"
                       " WHERE c.node_id = $2 AND c.room_name = $1 AND c.left_at IS NULL",
                       room, owner);
                   reply.calls_closed = static_cast<std::size_t>(closed.affected_rows());
                 }
               }
               txn.commit();
               done(reply);
             },
             [&] { done(ClaimReply{}); });
       }});
  if (!queued) {
    done(ClaimReply{});
  }
}

void RoomLeases::closeLostCalls(std::chrono::milliseconds grace) {
  worker_.submit(
      {"close lost calls", [ms = grace.count()](DbSession& s) {
         pqxx::work txn(s.connection());
         // Only nodes that ever held a lease (a node outside any cluster has -infinity).
         const auto closed = txn.exec_params(
             "UPDATE calls c SET left_at = GREATEST(c.joined_at, n.lease_until),"
             " leave_reason = 'node_lost' FROM nodes n"
             " WHERE c.node_id = n.id AND c.left_at IS NULL AND n.lease_until > '-infinity'"
             " AND n.lease_until < now() - make_interval(secs => $1::double precision / 1000)",
             ms);
         txn.commit();
         if (closed.affected_rows() > 0) {
           log::info("cluster", "lost_calls_closed")
               .kv("calls", static_cast<std::uint64_t>(closed.affected_rows()));
         }
       }});
}

void RoomLeases::setState(const std::string& state) {
  worker_.submit({"node state " + node_, [node = node_, state](DbSession& s) {
                    pqxx::work txn(s.connection());
                    txn.exec_params("UPDATE nodes SET state = $2 WHERE id = $1", node, state);
                    txn.commit();
                  }});
}

}  // namespace mcu::store
