// Calls against the real server when it is pushed: a crash left calls open, on-demand rooms
// made by strangers, a database that cannot take records, and the participant budget (the CPU
// budget, whose verdict must not depend on the machine, is in sip_timers_test.cpp).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <memory>
#include <pqxx/pqxx>
#include <set>

#include "tests/integration/api_client.h"
#include "tests/integration/call_fixture.h"
#include "tests/support/net.h"
#include "tests/support/tls_stream.h"

namespace mcu::test {
namespace {

TEST_F(SipCallTest, CallsLeftOpenByACrashAreClosedAtTheNextStartOfThatNode) {
  server_.reset();
  start({{"MCU_NODE_ID", "crashy"}});
  Caller a = dial("crash", "PCMU", 500);
  runFrames({a.media.get()}, 10);
  ASSERT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE node_id = 'crashy'", "1"), "1");
  // A call of another node, still live there: not ours to close.
  db_.exec(
      "INSERT INTO calls (room_id, room_name, node_id, call_id, direction, from_uri) SELECT id,"
      " name, 'elsewhere', 'other-node-call', 'in', 'sip:x@y' FROM rooms WHERE name = 'crash'");
  server_->process().signal(SIGKILL);
  ASSERT_TRUE(server_->process().waitExit(5s).has_value());
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls WHERE left_at IS NULL"), "2");
  server_.reset();
  start({{"MCU_NODE_ID", "crashy"}});
  EXPECT_EQ(db_.awaitScalar("SELECT leave_reason FROM calls WHERE node_id = 'crashy'"
                            " AND left_at IS NOT NULL"),
            "server_restart")
      << server_->process().output();
  EXPECT_EQ(db_.scalar("SELECT left_at BETWEEN joined_at AND now() FROM calls"
                       " WHERE node_id = 'crashy'"),
            "t")
      << "dated by the last heartbeat, never before the call began";
  EXPECT_EQ(
      db_.scalar("SELECT count(*) FROM calls WHERE node_id = 'elsewhere' AND left_at IS NULL"),
      "1");
}

TEST_F(SipCallTest, OnDemandRoomsGoWithTheirLastCallerAndAreCappedPerSource) {
  server_.reset();
  start({{"MCU_ROOMS_ON_DEMAND_PER_MINUTE", "3"}});
  db_.exec("INSERT INTO rooms (name) VALUES ('kept')");
  {
    Caller a = dial("adhoc", "PCMU", 500);
    Caller b = dial("adhoc", "PCMU", 800);
    runFrames({a.media.get(), b.media.get()}, 10);
    EXPECT_EQ(a.sip->bye().status, 200);
    EXPECT_EQ(db_.scalar("SELECT deleted_at IS NULL FROM rooms WHERE name = 'adhoc'"), "t")
        << "still a caller in it";
    EXPECT_EQ(b.sip->bye().status, 200);
  }
  EXPECT_EQ(db_.awaitScalar("SELECT deleted_at IS NOT NULL FROM rooms WHERE name = 'adhoc'", "t"),
            "t")
      << "an on-demand room goes with its last caller";
  // Awaited: a call's end is written after its final statistics come from the media thread,
  // which on a busy machine can be after the room's end.
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls c JOIN rooms r ON r.id = c.room_id"
                            " WHERE r.name = 'adhoc' AND c.left_at IS NOT NULL",
                            "2"),
            "2")
      << "its call history stays";
  {
    Caller k = dial("kept", "PCMU", 500);
    EXPECT_EQ(k.sip->bye().status, 200);
  }
  // A scan from one address: 'adhoc' above was the first new room of the minute.
  int status = 0;
  dial("scan1", "PCMU", 500, &status);
  EXPECT_EQ(status, 200);
  dial("scan2", "PCMU", 500, &status);
  EXPECT_EQ(status, 200);
  dial("scan3", "PCMU", 500, &status);
  EXPECT_EQ(status, 403) << "the fourth new room in a minute from one address";
  dial("kept", "PCMU", 500, &status);
  EXPECT_EQ(status, 200) << "an existing room is still open to it";
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM rooms WHERE name = 'kept' AND deleted_at IS NULL"),
            "1")
      << "a room an admin made stays when its callers leave";
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM rooms WHERE name = 'scan3'"), "0");
}

// With rooms.on_demand_ttl_s = 0 an on-demand room's row goes as its last caller leaves (the
// default keeps it an hour); the calls made in it keep the room's name and are still listed
// by it, and an admin's room is never purged.
TEST_F(SipCallTest, EndedOnDemandRoomsArePurgedAfterTheirTtlAndTheirCallsStayListed) {
  server_.reset();
  start({{"MCU_ROOMS_ON_DEMAND_TTL_S", "0"}});
  db_.exec("INSERT INTO rooms (name) VALUES ('admins')");
  for (const char* room : {"scan-a", "scan-b", "admins"}) {
    Caller c = dial(room, "PCMU", 500);
    EXPECT_EQ(c.sip->bye().status, 200);
  }
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM rooms WHERE name LIKE 'scan-%'", "0"), "0")
      << "the rows of ended on-demand rooms are purged";
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM rooms WHERE name = 'admins' AND deleted_at IS NULL"),
            "1");
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE left_at IS NOT NULL", "3"), "3");
  const ApiClient api(server_->httpPort(), createToken(db_.url(), "viewer", "purged"));
  const auto listed = api.get("/v1/calls?room=scan-b");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto items = listed.json()["items"];
  ASSERT_EQ(items.size(), 1U) << listed.body;
  EXPECT_EQ(items[0]["room"], "scan-b");
  EXPECT_NE(items[0]["left_at"], nullptr);
}

TEST_F(SipCallTest, WhenRecordsCannotBeWrittenNewCallsGet503AndNoAnsweredCallLosesItsRecord) {
  TcpRelay relay(db_.port());
  relay.open();
  server_.reset();
  start({{"DATABASE_URL", db_.urlThroughPort(relay.port())},
         {"MCU_DATABASE_QUEUE_LIMIT", "100"},
         {"MCU_ROOMS_ON_DEMAND_PER_MINUTE", "0"}});
  db_.exec("INSERT INTO rooms (name) VALUES ('busy')");
  // A first caller in the room proves the server knows it: a later look-up would wait on the
  // frozen database.
  std::vector<Caller> answered;
  answered.push_back(dial("busy", "PCMU", 500));
  relay.freeze();  // PostgreSQL hangs: every write waits in the queue
  int status = 200;
  for (int i = 0; i < 40 && status == 200; ++i) {
    Caller c = dial("busy", "PCMU", 500, &status);
    if (status == 200) {
      answered.push_back(std::move(c));
    }
  }
  EXPECT_EQ(status, 503) << "new calls are refused before the queue is full";
  EXPECT_GT(answered.size(), 3U);
  for (auto& c : answered) {
    EXPECT_EQ(c.sip->bye().status, 200);
  }
  relay.thaw();
  const std::string expected = std::to_string(answered.size());
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE left_at IS NOT NULL", expected, 15s),
            expected)
      << "every answered call has its row and its end";
  EXPECT_EQ(server_->process().output().find("db_queue_full"), std::string::npos);
}

TEST_F(SipCallTest, OverTheParticipantBudgetNewCallsGet503AndOthersKeepTalking) {
  server_.reset();
  start({{"MCU_ROOMS_MAX_PARTICIPANTS", "2"}, {"MCU_SIP_RETRY_AFTER_S", "17"}});
  Caller a = dial("busy", "opus", 500);
  Caller b = dial("busy", "opus", 800);
  SipUac third(server_->sipPort());
  const auto refused = third.invite("busy", sdpOffer(9, "opus"));
  EXPECT_EQ(refused.status, 503) << refused.message;
  EXPECT_EQ(headerValue(refused.message, "Retry-After"), "17");
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_GT(level(a, 800), kHeard);
  EXPECT_GT(level(b, 500), kHeard);
}

}  // namespace
}  // namespace mcu::test
