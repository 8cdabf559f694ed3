// Migrations against a real PostgreSQL: on an empty database, again (no-op), concurrently, and
// the refusal of a database migrated by a newer binary.
#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>
#include <vector>

#include "mcu/store/migration.h"
#include "mcu/store/pg_migrator.h"
#include "tests/support/test_database.h"

namespace mcu::store {
namespace {

std::vector<Migration> shipped() { return *loadMigrations(embeddedMigrationSources()); }

MigrationOutcome mustApply(const std::string& url) {
  pqxx::connection conn(url);
  auto outcome = applyMigrations(conn, shipped());
  if (!outcome) {
    ADD_FAILURE() << outcome.error();
    return {};
  }
  return *outcome;
}

TEST(MigrationsOnPostgres, ApplyOnEmptyDatabase) {
  test::TestDatabase db;
  const auto outcome = mustApply(db.url());
  const int count = static_cast<int>(shipped().size());
  EXPECT_EQ(outcome.applied, count);
  EXPECT_EQ(outcome.schema_version, count);
  for (const char* table : {"rooms", "calls", "events", "api_tokens", "nodes"}) {
    EXPECT_EQ(db.scalar(std::string("SELECT to_regclass('public.") + table + "') IS NOT NULL"), "t")
        << table;
  }
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"), std::to_string(count));
}

TEST(MigrationsOnPostgres, RerunIsANoOp) {
  test::TestDatabase db;
  mustApply(db.url());
  db.exec("INSERT INTO rooms (name) VALUES ('standup')");
  const auto again = mustApply(db.url());
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"), std::to_string(shipped().size()));
  EXPECT_EQ(db.scalar("SELECT name FROM rooms"), "standup");
}

TEST(MigrationsOnPostgres, ConcurrentStartsApplyEachMigrationOnce) {
  test::TestDatabase db;
  constexpr int kStarters = 4;
  std::vector<std::future<MigrationOutcome>> starters;
  for (int i = 0; i < kStarters; ++i) {
    starters.push_back(std::async(std::launch::async, [&] { return mustApply(db.url()); }));
  }
  int applied = 0;
  for (auto& s : starters) {
    const auto outcome = s.get();
    applied += outcome.applied;
    EXPECT_EQ(outcome.schema_version, static_cast<int>(shipped().size()));
  }
  EXPECT_EQ(applied, static_cast<int>(shipped().size()));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"), std::to_string(shipped().size()));
}

TEST(MigrationsOnPostgres, RefusesDatabaseWithUnknownMigration) {
  test::TestDatabase db;
  mustApply(db.url());
  db.exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')");
  pqxx::connection conn(db.url());
  auto outcome = applyMigrations(conn, shipped());
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().find("999"), std::string::npos);
}

TEST(MigrationsOnPostgres, FailedMigrationLeavesNothingBehind) {
  test::TestDatabase db;
  auto broken = shipped();
  Migration bad;
  bad.version = static_cast<int>(broken.size()) + 1;
  bad.name = "broken";
  bad.sql = "CREATE TABLE half_done (x int); SELECT no_such_function();";
  bad.checksum = checksumOf(bad.sql);
  broken.push_back(bad);
  pqxx::connection conn(db.url());
  EXPECT_THROW(static_cast<void>(applyMigrations(conn, broken)), pqxx::sql_error);
  // One transaction: neither the good migrations nor the half of the bad one stayed.
  EXPECT_EQ(db.scalar("SELECT to_regclass('public.schema_migrations') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT to_regclass('public.half_done') IS NULL"), "t");
}

}  // namespace
}  // namespace mcu::store
