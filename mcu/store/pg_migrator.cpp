#include "mcu/store/pg_migrator.h"

#include <vector>

namespace mcu::store {
namespace {

// Arbitrary but fixed: every mcu binary must take the same lock ("mcu-migr" in ASCII).
constexpr long long kMigrationLockKey = 0x6d63752d6d696772LL;

}  // namespace

Result<MigrationOutcome> applyMigrations(pqxx::connection& conn, std::span<const Migration> known) {
  pqxx::work txn(conn);
  txn.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
  txn.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY,"
      " name text NOT NULL,"
      " checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  std::vector<AppliedMigration> applied;
  for (const auto& row : txn.exec("SELECT version, checksum FROM schema_migrations ORDER BY 1")) {
    applied.push_back({row[0].as<int>(), row[1].as<std::string>()});
  }
  auto plan = planMigrations(known, applied);
  if (!plan) {
    return Error{plan.error()};
  }
  MigrationOutcome outcome;
  for (const Migration* m : *plan) {
    txn.exec(m->sql);
    txn.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    m->version, m->name, m->checksum);
    ++outcome.applied;
  }
  outcome.schema_version =
      txn.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
  txn.commit();
  return outcome;
}

}  // namespace mcu::store
