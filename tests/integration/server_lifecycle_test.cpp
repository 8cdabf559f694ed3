// The real binary's life: ready only with a migrated database, health endpoints, a database that
// is down at start-up, refusal of a newer schema, bad configuration, concurrent starts, and a
// clean, bounded exit on SIGTERM and SIGINT.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/server_fixture.h"
#include "tests/support/net.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;

TEST(ServerLifecycleTest, HealthAndReadinessWhenAllIsWell) {
  TestDatabase db;
  ServerProcess server(db.url());
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  const auto health = server.get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.content_type, "application/json");
  const auto ready = server.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"status\":\"ready\""), std::string::npos) << ready.body;
  const auto missing = server.get("/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.content_type, "application/problem+json");
  // The migrations ran before `ready`.
  EXPECT_EQ(db.scalar("SELECT count(*) > 0 FROM schema_migrations"), "t");
}

TEST(ServerLifecycleTest, SigtermEndsCleanlyWithExitZero) {
  TestDatabase db;
  ServerProcess server(db.url());
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  const auto started = std::chrono::steady_clock::now();
  server.process().signal(SIGTERM);
  const auto code = server.process().waitExit(15s);
  ASSERT_TRUE(code.has_value()) << "still running 15 s after SIGTERM";
  EXPECT_EQ(*code, 0) << server.process().output();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 12s);
  const std::string out = server.process().output();
  EXPECT_NE(out.find("event=sip_draining"), std::string::npos) << out;
  EXPECT_NE(out.find("event=shutdown_complete"), std::string::npos) << out;
}

TEST(ServerLifecycleTest, SigintEndsCleanlyWithExitZero) {
  TestDatabase db;
  ServerProcess server(db.url());
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  server.process().signal(SIGINT);
  const auto code = server.process().waitExit(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << server.process().output();
}

TEST(ServerLifecycleTest, DatabaseDownAtStartUpIsRetriedAndReadyzSays503) {
  TestDatabase db;
  TcpRelay relay(db.port());  // closed for now
  ServerProcess server(db.urlThroughPort(relay.port()));
  ASSERT_TRUE(server.process().waitForOutput("event=db_retry", 10s)) << server.process().output();
  ASSERT_TRUE(server.process().waitForOutput("event=http_listening", 10s));
  EXPECT_EQ(server.get("/healthz").status, 200);
  const auto not_ready = server.get("/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_NE(not_ready.body.find("\"database\":{\"detail\":\"not reachable\",\"ok\":false}"),
            std::string::npos)
      << not_ready.body;
  EXPECT_EQ(server.process().output().find("event=ready"), std::string::npos);
  relay.open();
  ASSERT_TRUE(server.waitReady(15s)) << server.process().output();
  EXPECT_EQ(server.get("/readyz").status, 200);
  server.process().signal(SIGTERM);
  EXPECT_EQ(server.process().waitExit(15s), 0);
}

TEST(ServerLifecycleTest, ADatabaseThatHangsMakesReadyzSay503UntilItAnswersAgain) {
  TestDatabase db;
  TcpRelay relay(db.port());
  relay.open();
  ServerProcess server(db.urlThroughPort(relay.port()));
  ASSERT_TRUE(server.waitReady(15s)) << server.process().output();
  EXPECT_EQ(server.get("/readyz").status, 200);
  relay.freeze();  // the connection stays up; nothing comes back
  int status = 200;
  for (int i = 0; i < 100 && status == 200; ++i) {
    std::this_thread::sleep_for(100ms);
    status = server.get("/readyz").status;
  }
  EXPECT_EQ(status, 503) << "a hung database is not ready";
  EXPECT_EQ(server.get("/healthz").status, 200) << "the process lives";
  relay.thaw();
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(100ms);
    status = server.get("/readyz").status;
  }
  EXPECT_EQ(status, 200) << "ready again once it answers";
  server.process().signal(SIGTERM);
  EXPECT_EQ(server.process().waitExit(15s), 0);
}

TEST(ServerLifecycleTest, RefusesToStartOnADatabaseFromANewerVersion) {
  TestDatabase db;
  db.exec(
      "CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL,"
      " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  db.exec("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 'x')");
  ServerProcess server(db.url());
  const auto code = server.process().waitExit(20s);
  ASSERT_TRUE(code.has_value()) << server.process().output();
  EXPECT_EQ(*code, 1);
  const std::string out = server.process().output();
  EXPECT_NE(out.find("event=database_refused"), std::string::npos) << out;
  EXPECT_NE(out.find("migration 999"), std::string::npos) << out;
}

TEST(ServerLifecycleTest, BadConfigurationNamesTheKeyAndExitsWithTwo) {
  const auto result = runCommand(
      {MCU_BINARY}, 10s,
      {{"DATABASE_URL", "postgresql://x@127.0.0.1/x"}, {"MCU_HTTP_LISTEN", "127.0.0.1:99999"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("key=http.listen"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("out of range"), std::string::npos) << result.output;
  // One line: the error and nothing else.
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

TEST(ServerLifecycleTest, HelpDocumentsOptionsAndExitsZero) {
  const auto result = runCommand({MCU_BINARY, "--help"}, 10s);
  EXPECT_EQ(result.exit_code, 0);
  for (const char* needle : {"--sip-listen", "MCU_SIP_LISTEN", "--http-listen", "DATABASE_URL",
                             "--shutdown-timeout-s", "--config"}) {
    EXPECT_NE(result.output.find(needle), std::string::npos) << needle;
  }
}

TEST(ServerLifecycleTest, TwoServersStartingTogetherShareOneDatabaseSafely) {
  TestDatabase db;
  ServerProcess first(db.url());
  ServerProcess second(db.url());
  ASSERT_TRUE(first.waitReady()) << first.process().output();
  ASSERT_TRUE(second.waitReady()) << second.process().output();
  EXPECT_EQ(db.scalar("SELECT count(*) = count(DISTINCT version) FROM schema_migrations"), "t");
  EXPECT_EQ(db.scalar("SELECT max(version) = count(*) FROM schema_migrations"), "t");
}

TEST(ServerLifecycleTest, SipPortInUseFailsWithAMessage) {
  TestDatabase db;
  ServerProcess first(db.url());
  ASSERT_TRUE(first.waitReady()) << first.process().output();
  const auto result =
      runCommand({MCU_BINARY}, 10s,
                 {{"DATABASE_URL", db.url()},
                  {"MCU_SIP_LISTEN", "127.0.0.1:" + std::to_string(first.sipPort())},
                  {"MCU_HTTP_LISTEN", "127.0.0.1:" + std::to_string(freeUdpTcpPort())}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("event=sip_listen_failed"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace mcu::test
