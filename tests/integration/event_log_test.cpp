// The events of several nodes (issue 16) against a real PostgreSQL: a stream in a cluster never
// passes an event still to commit (two nodes' inserts may commit out of id order), and the
// doorbell rings when any connection writes one.
#include "mcu/store/event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>

#include "mcu/store/event_doorbell.h"
#include "tests/support/eventually.h"
#include "tests/support/test_database.h"

namespace mcu::store {
namespace {

using namespace std::chrono_literals;

std::vector<Migration> shipped() { return *loadMigrations(embeddedMigrationSources()); }

std::vector<std::int64_t> ids(const DbResult<std::vector<EventRecord>>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events.value) {
    out.push_back(e.id);
  }
  return out;
}

TEST(EventLogOnPostgres, AClusterStreamWaitsForAnEarlierEventStillToCommit) {
  test::TestDatabase db;
  DbWorker worker(DbWorkerConfig{.url = db.url()}, shipped(), {});
  worker.start();
  EventLog log(worker, 5s);
  ASSERT_TRUE(test::eventually([&] { return worker.isReady(); }, 20s));
  // Another node's insert: its id is taken now, its commit comes later.
  pqxx::connection other(db.url());
  pqxx::work open(other);
  open.exec("INSERT INTO events (type, payload) VALUES ('participant.joined', '{}')");
  const auto first = open.exec("SELECT max(id) FROM events")[0][0].as<std::int64_t>();
  db.exec("INSERT INTO events (type, payload) VALUES ('participant.left', '{}')");
  const auto all = log.after(0, 10, false);
  ASSERT_EQ(all.outcome, DbOutcome::kOk);
  ASSERT_EQ(ids(all).size(), 1U) << "the later event is visible, the earlier not yet";
  EXPECT_GT(ids(all)[0], first);
  const auto settled = log.after(0, 10, true);
  ASSERT_EQ(settled.outcome, DbOutcome::kOk);
  EXPECT_TRUE(settled.value.empty()) << "a cursor past the later event would skip the earlier";
  open.commit();
  // Settled once no older transaction runs anywhere on the server: xids are server-wide, so
  // another test's transaction in another database may hold both back for a moment.
  DbResult<std::vector<EventRecord>> after_commit;
  ASSERT_TRUE(test::eventually(
      [&] {
        after_commit = log.after(0, 10, true);
        return after_commit.value.size() == 2;
      },
      10s))
      << ids(after_commit).size();
  EXPECT_EQ(ids(after_commit)[0], first) << "both, in id order";
  worker.stop(std::chrono::steady_clock::now() + 5s);
}

TEST(EventLogOnPostgres, TheDoorbellRingsWhenAnyConnectionWritesAnEvent) {
  test::TestDatabase db;
  {
    DbWorker migrate(DbWorkerConfig{.url = db.url()}, shipped(), {});
    migrate.start();
    ASSERT_TRUE(test::eventually([&] { return migrate.isReady(); }, 20s));
    migrate.stop(std::chrono::steady_clock::now() + 5s);
  }
  std::atomic<int> rings{0};
  EventDoorbell doorbell(db.url(), [&] { ++rings; });
  doorbell.start();
  ASSERT_TRUE(test::eventually([&] { return rings.load() >= 1; }, 10s)) << "the first ring";
  const int before = rings.load();
  DbWorker worker(DbWorkerConfig{.url = db.url()}, shipped(), {});
  worker.start();
  EventLog log(worker, 5s);
  log.append("room.created", "", "{}");
  EXPECT_TRUE(test::eventually([&] { return rings.load() > before; }, 10s))
      << "another connection's event did not ring";
  worker.stop(std::chrono::steady_clock::now() + 5s);
  doorbell.stop();
}

}  // namespace
}  // namespace mcu::store
