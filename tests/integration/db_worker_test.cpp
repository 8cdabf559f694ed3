// The database worker against a real PostgreSQL reached through a relay the test opens and
// closes: jobs queued while the database is away are written when it comes back.
#include "mcu/store/db_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "mcu/store/db_session.h"
#include "tests/support/eventually.h"
#include "tests/support/net.h"
#include "tests/support/test_database.h"

namespace mcu::store {
namespace {

using namespace std::chrono_literals;
using test::eventually;

std::vector<Migration> shipped() { return *loadMigrations(embeddedMigrationSources()); }

DbJob insertRoom(const std::string& name) {
  return {"insert room " + name, [name](DbSession& session) {
            pqxx::work txn(session.connection());
            txn.exec_params("INSERT INTO rooms (name) VALUES ($1)", name);
            txn.commit();
          }};
}

DbWorkerConfig fastRetry(const std::string& url) {
  DbWorkerConfig config;
  config.url = url;
  config.retry_initial = 20ms;
  config.retry_max = 200ms;
  config.health_interval = 100ms;
  return config;
}

TEST(DbWorkerTest, MigratesThenRunsJobsAndFlushesOnStop) {
  test::TestDatabase db;
  std::atomic<int> ready_version{0};
  DbWorker worker(fastRetry(db.url()), shipped(),
                  {.on_ready = [&](int v) { ready_version = v; }, .on_refused = nullptr});
  worker.start();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(worker.submit(insertRoom("room" + std::to_string(i))));
  }
  EXPECT_EQ(worker.stop(std::chrono::steady_clock::now() + 10s), 0U);
  EXPECT_EQ(ready_version.load(), static_cast<int>(shipped().size()));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM rooms"), "50");
}

TEST(DbWorkerTest, KeepsJobsWhileDatabaseIsAwayAndWritesThemWhenItReturns) {
  test::TestDatabase db;
  test::TcpRelay relay(db.port());  // closed: connections are refused
  DbWorker worker(fastRetry(db.urlThroughPort(relay.port())), shipped(), {});
  worker.start();
  ASSERT_TRUE(worker.submit(insertRoom("queued-while-down")));
  std::this_thread::sleep_for(300ms);  // several retries
  EXPECT_FALSE(worker.isReady());
  EXPECT_EQ(worker.pendingJobs(), 1U);
  relay.open();
  // Ready (migrated: the table is there), then the row is awaited: pendingJobs() is 0 from when
  // the job is taken, before it commits.
  ASSERT_TRUE(eventually([&] { return worker.isReady(); }, 10s));
  EXPECT_TRUE(eventually(
      [&] {
        return db.scalar("SELECT count(*) FROM rooms WHERE name = 'queued-while-down'") == "1";
      },
      10s));
  EXPECT_TRUE(worker.isReady());
  EXPECT_EQ(worker.pendingJobs(), 0U);
  worker.stop(std::chrono::steady_clock::now() + 5s);
}

TEST(DbWorkerTest, NoticesALostConnectionAndRecovers) {
  test::TestDatabase db;
  test::TcpRelay relay(db.port());
  relay.open();
  DbWorker worker(fastRetry(db.urlThroughPort(relay.port())), shipped(), {});
  worker.start();
  ASSERT_TRUE(eventually([&] { return worker.isReady(); }, 10s));
  relay.close();
  ASSERT_TRUE(eventually([&] { return !worker.isReady(); }, 5s));
  ASSERT_TRUE(worker.submit(insertRoom("after-blip")));
  relay.open();
  // The row itself is awaited: pendingJobs() falls to 0 when the worker takes the job, before
  // its transaction commits, so on a busy machine the count could still read 0 just after.
  EXPECT_TRUE(eventually(
      [&] { return db.scalar("SELECT count(*) FROM rooms WHERE name = 'after-blip'") == "1"; },
      10s));
  EXPECT_TRUE(worker.isReady());
  EXPECT_EQ(worker.pendingJobs(), 0U);
  EXPECT_EQ(worker.failedJobs(), 0U);
  worker.stop(std::chrono::steady_clock::now() + 5s);
}

TEST(DbWorkerTest, StopGivesUpAtTheDeadlineAndCountsWhatIsLeft) {
  test::TestDatabase db;
  test::TcpRelay relay(db.port());
  DbWorker worker(fastRetry(db.urlThroughPort(relay.port())), shipped(), {});
  worker.start();
  ASSERT_TRUE(worker.submit(insertRoom("never")));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(worker.stop(started + 300ms), 1U);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(DbWorkerTest, RefusesADatabaseFromANewerBinary) {
  test::TestDatabase db;
  db.exec(
      "CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL,"
      " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  db.exec("INSERT INTO schema_migrations VALUES (999, 'future', 'x')");
  std::atomic<bool> refused{false};
  DbWorker worker(fastRetry(db.url()), shipped(),
                  {.on_ready = nullptr, .on_refused = [&](const std::string&) { refused = true; }});
  worker.start();
  ASSERT_TRUE(eventually([&] { return refused.load(); }, 10s));
  EXPECT_FALSE(worker.isReady());
  worker.stop(std::chrono::steady_clock::now());
}

}  // namespace
}  // namespace mcu::store
