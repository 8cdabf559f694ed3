// The REST API against the real server and PostgreSQL: rooms, errors, auth, pagination,
// history, events and metrics. Every response is checked against api/openapi.json.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>
#include <thread>

#include "tests/integration/api_fixture.h"
#include "tests/integration/server_fixture.h"
#include "tests/support/net.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ApiTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    viewer_token_ = createToken(db_.url(), "viewer", "test-viewer");
  }
  ApiReply createRoom(const json& body) { return admin_->post("/v1/rooms", body.dump()); }
  static std::string problemField(const ApiReply& r) { return r.json().value("field", ""); }

  std::string viewer_token_;
};

TEST_F(ApiTest, RoomLifecycleWithEtagsAndConflicts) {
  auto created = createRoom({{"name", "standup"},
                             {"display_name", "Daily stand-up"},
                             {"pin", "4321"},
                             {"max_participants", 12},
                             {"codec_preference", {"opus", "PCMU"}},
                             {"srtp", "required"},
                             {"mixing", {{"max_speakers", 4}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("ETag"), "\"1\"");
  EXPECT_EQ(created.header("Location"), "/v1/rooms/standup");
  EXPECT_EQ(created.json()["has_pin"], true);
  EXPECT_EQ(created.body.find("4321"), std::string::npos) << "the PIN is never shown";
  EXPECT_EQ(db_.scalar("SELECT pin_hash LIKE 'pin1:4:%' FROM rooms WHERE name = 'standup'"), "t")
      << "stored as a salted hash";
  EXPECT_EQ(createRoom({{"name", "standup"}}).status, 409);

  const auto got = admin_->get("/v1/rooms/standup");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["codec_preference"], json({"opus", "PCMU"}));
  EXPECT_EQ(got.json()["srtp"], "required");
  EXPECT_EQ(got.json()["live"]["participants"], 0);

  const auto patched =
      admin_->patch("/v1/rooms/standup", R"({"locked":true,"pin":null})", {{"If-Match", "\"1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.header("ETag"), "\"2\"");
  EXPECT_EQ(patched.json()["locked"], true);
  EXPECT_EQ(patched.json()["has_pin"], false);
  EXPECT_EQ(patched.json()["max_participants"], 12) << "fields not named stay as they were";
  EXPECT_EQ(patched.json()["srtp"], "required");

  // Two admins both read version 2; the second write must not silently win.
  EXPECT_EQ(
      admin_->patch("/v1/rooms/standup", R"({"locked":false})", {{"If-Match", "\"2\""}}).status,
      200);
  const auto lost =
      admin_->patch("/v1/rooms/standup", R"({"display_name":"x"})", {{"If-Match", "\"2\""}});
  EXPECT_EQ(lost.status, 412);
  EXPECT_EQ(admin_->get("/v1/rooms/standup").json()["display_name"], "Daily stand-up");

  EXPECT_EQ(admin_->del("/v1/rooms/standup", {{"If-Match", "\"1\""}}).status, 412);
  EXPECT_EQ(admin_->del("/v1/rooms/standup").status, 204);
  EXPECT_EQ(admin_->get("/v1/rooms/standup").status, 404);
  EXPECT_EQ(admin_->del("/v1/rooms/standup").status, 404);
  EXPECT_EQ(admin_->patch("/v1/rooms/standup", "{}").status, 404);
  EXPECT_EQ(createRoom({{"name", "standup"}}).status, 201) << "a deleted name is free again";
}

TEST_F(ApiTest, BadBodiesAreProblemsNamingTheField) {
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  const std::vector<Case> cases{
      {"{not json", 400, ""},
      {"[1,2]", 400, ""},
      {R"({"name":"a","colour":"red"})", 400, "colour"},
      {R"({"display_name":"no name"})", 422, "name"},
      {R"({"name":"-bad"})", 422, "name"},
      {R"({"name":")" + std::string(65, 'a') + R"("})", 422, "name"},
      {R"({"name":"a","max_participants":0})", 422, "max_participants"},
      {R"({"name":"a","max_participants":"ten"})", 422, "max_participants"},
      {R"({"name":"a","pin":"12"})", 422, "pin"},
      {R"({"name":"a","locked":"yes"})", 422, "locked"},
      {R"({"name":"a","codec_preference":["mp3"]})", 422, "codec_preference"},
      {R"({"name":"a","codec_preference":["opus","opus"]})", 422, "codec_preference"},
      {R"({"name":"a","srtp":"always"})", 422, "srtp"},
      {R"({"name":"a","srtp":true})", 422, "srtp"},
      {R"({"name":"a","mixing":{"max_speakers":99}})", 422, "mixing.max_speakers"},
      {R"({"name":"a","display_name":")" + std::string(129, 'x') + R"("})", 422, "display_name"},
  };
  for (const auto& c : cases) {
    const auto reply = admin_->post("/v1/rooms", c.body);
    EXPECT_EQ(reply.status, c.status) << c.body << " -> " << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/problem+json");
    if (!c.field.empty()) {
      EXPECT_EQ(problemField(reply), c.field) << reply.body;
    }
  }
  const auto huge = admin_->post(
      "/v1/rooms", R"({"name":"a","display_name":")" + std::string(70'000, 'x') + "\"}");
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(admin_->get("/v1/rooms?colour=red").status, 400);
  EXPECT_EQ(problemField(admin_->get("/v1/rooms?limit=0")), "limit");
  EXPECT_EQ(problemField(admin_->get("/v1/calls?since=yesterday")), "since");
  for (const char* impossible : {"0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z",
                                 "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z"}) {
    const auto reply = admin_->get(std::string("/v1/calls?until=") + impossible);
    EXPECT_EQ(reply.status, 422) << impossible << " -> " << reply.body;
    EXPECT_EQ(problemField(reply), "until") << impossible;
  }
  EXPECT_EQ(server_->get("/v1/nothing").status, 404);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM rooms"), "0") << "nothing bad was stored";
  // The server is still there.
  EXPECT_EQ(server_->get("/healthz").status, 200);
}

TEST_F(ApiTest, TokensRolesAndRateLimit) {
  ApiClient anonymous(server_->httpPort(), "");
  const auto none = anonymous.get("/v1/rooms");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("WWW-Authenticate"), R"(Bearer realm="mcu")");
  EXPECT_EQ(anonymous.withToken("mcu_000").get("/v1/rooms").status, 401);

  ApiClient viewer(server_->httpPort(), viewer_token_);
  EXPECT_EQ(viewer.get("/v1/rooms").status, 200);
  EXPECT_EQ(viewer.post("/v1/rooms", R"({"name":"v"})").status, 403);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM rooms"), "0");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM api_tokens WHERE token_hash LIKE 'mcu_%'"), "0")
      << "only hashes are stored";

  const auto revoked =
      runCommand({MCU_BINARY, "token", "revoke", "test-viewer", "--database-url", db_.url()}, 30s);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_EQ(viewer.get("/v1/rooms").status, 401) << "a revoked token is refused at once";
  const auto listed = runCommand({MCU_BINARY, "token", "list", "--database-url", db_.url()}, 30s);
  EXPECT_NE(listed.output.find("revoked"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("mcu_"), std::string::npos) << "list never shows secrets";

  // /healthz, /readyz and /metrics are open.
  EXPECT_EQ(anonymous.get("/metrics").status, 200);
  // Guessing is slowed down: after 10 failures in a minute, 429 even for the next guess.
  for (int i = 0; i < 10; ++i) {
    anonymous.withToken("mcu_guess" + std::to_string(i)).get("/v1/rooms");
  }
  const auto limited = anonymous.withToken("mcu_guess").get("/v1/rooms");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.header("Retry-After").empty());
}

// Which build answers, three ways that must agree: the command line, the API and the metrics.
TEST_F(ApiTest, TheVersionIsTheSameOnTheCommandLineTheApiAndTheMetrics) {
  EXPECT_EQ(ApiClient(server_->httpPort(), "").get("/v1/version").status, 401);
  const auto reply = ApiClient(server_->httpPort(), viewer_token_).get("/v1/version");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto build = json::parse(reply.body);
  const std::string version = build.at("version");
  const std::string commit = build.at("commit");
  const std::string type = build.at("build_type");
  const auto printed = runCommand({MCU_BINARY, "--version"}, 30s);
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  EXPECT_EQ(printed.output, "mcu " + version + " (commit " + commit + ", " + type + " build)\n");
  EXPECT_NE(commit, "unknown") << "the suite runs in a git clone";
  const auto metrics = server_->get("/metrics").body;
  EXPECT_NE(metrics.find("mcu_build_info{version=\"" + version + "\",commit=\"" + commit +
                         "\",build_type=\"" + type + "\"} 1\n"),
            std::string::npos)
      << metrics.substr(0, 2000);
}

TEST_F(ApiTest, RoomPagesByCursorAndPrefix) {
  for (const auto* name : {"alpha-1", "alpha-2", "alpha-3", "beta-1", "gamma_1"}) {
    ASSERT_EQ(createRoom({{"name", name}}).status, 201);
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const auto page =
        admin_->get("/v1/rooms?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200);
    const auto body = page.json();
    for (const auto& room : body["items"]) {
      seen.push_back(room["name"]);
    }
    cursor =
        page.json()["next_cursor"].is_null() ? "" : page.json()["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha-1", "alpha-2", "alpha-3", "beta-1", "gamma_1"}));
  const auto alpha = admin_->get("/v1/rooms?prefix=alpha&limit=3");
  EXPECT_EQ(alpha.json()["items"].size(), 3U);
  EXPECT_TRUE(alpha.json()["next_cursor"].is_null()) << "exactly a page: no next";
  // "_" is a literal, not a LIKE wildcard.
  EXPECT_EQ(admin_->get("/v1/rooms?prefix=gamma_").json()["items"].size(), 1U);
  EXPECT_EQ(admin_->get("/v1/rooms?prefix=gammax").json()["items"].size(), 0U);
  EXPECT_EQ(admin_->get("/v1/rooms?active=true").json()["items"].size(), 0U);
  EXPECT_EQ(admin_->get("/v1/rooms?active=false").json()["items"].size(), 5U);
}

TEST_F(ApiTest, CallHistoryFiltersAndPages) {
  db_.exec("INSERT INTO rooms (name) VALUES ('r1'), ('r2')");
  db_.exec(
      "INSERT INTO calls (room_id, room_name, call_id, direction, from_uri, codec, joined_at,"
      " left_at, leave_reason) SELECT (SELECT id FROM rooms WHERE name = CASE WHEN i % 2 = 0"
      " THEN 'r1' ELSE 'r2' END), CASE WHEN i % 2 = 0 THEN 'r1' ELSE 'r2' END, 'c' || i, 'in', "
      "'sip:u' || i || '@x', 'opus',"
      " '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 hour',"
      " '2026-01-01T00:30:00Z'::timestamptz + i * interval '1 hour', 'bye'"
      " FROM generate_series(1, 7) i");
  const auto first = admin_->get("/v1/calls?limit=3");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["items"][0]["call_id"], "c7") << "newest first";
  EXPECT_EQ(first.json()["items"][0]["via"], "dial-in") << "the column's default";
  const auto cursor = first.json()["next_cursor"].get<std::string>();
  const auto second = admin_->get("/v1/calls?limit=3&cursor=" + cursor);
  EXPECT_EQ(second.json()["items"][0]["call_id"], "c4");
  EXPECT_EQ(admin_->get("/v1/calls?room=r1").json()["items"].size(), 3U);
  EXPECT_EQ(admin_->get("/v1/calls?since=2026-01-01T05:00:00Z").json()["items"].size(), 3U);
  EXPECT_EQ(admin_->get("/v1/calls?until=2026-01-01T03:00:00Z").json()["items"].size(), 2U);
  EXPECT_EQ(admin_->get("/v1/calls?uri=sip:u3@x").json()["items"][0]["leave_reason"], "bye");
}

TEST_F(ApiTest, EventStreamReplaysWhatAReconnectingClientMissed) {
  ASSERT_EQ(createRoom({{"name", "e1"}}).status, 201);
  // A client that saw nothing yet gets it all from the start.
  auto first = readEvents(server_->httpPort(), viewer_token_, "0", 1500ms);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0]["type"], "room.created");
  // While it is away, more happens.
  ASSERT_EQ(admin_->patch("/v1/rooms/e1", R"({"locked":true})").status, 200);
  ASSERT_EQ(createRoom({{"name", "e2"}}).status, 201);
  ASSERT_EQ(admin_->del("/v1/rooms/e1").status, 204);
  // Live: what happens while the stream is open arrives too. Made once the replay is read.
  int replayed = 0;
  auto second = readEvents(server_->httpPort(), viewer_token_, first[0]["id"].dump(), 2500ms,
                           [&](const nlohmann::json&) {
                             if (++replayed == 3) {
                               createRoom({{"name", "e3"}});
                             }
                           });
  std::vector<std::string> types;
  for (std::size_t i = 0; i < second.size(); ++i) {
    types.push_back(second[i]["type"]);
    EXPECT_EQ(second[i]["id"].get<std::int64_t>(),
              first[0]["id"].get<std::int64_t>() + 1 + static_cast<std::int64_t>(i))
        << "consecutive ids: nothing missed, nothing twice";
  }
  EXPECT_EQ(types, (std::vector<std::string>{"room.updated", "room.created", "room.deleted",
                                             "room.created"}));
  EXPECT_EQ(admin_->get("/v1/events?after=x").status, 422);
}

TEST_F(ApiTest, OpenApiDocumentAndMetricsAreServed) {
  const auto doc = admin_->get("/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.json()["openapi"], "3.1.0");
  EXPECT_TRUE(doc.json()["paths"].contains("/v1/rooms/{name}/participants/{id}"));
  const auto metrics = admin_->get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const auto* name : {"mcu_participants 0", "mcu_http_requests_total{code=\"2xx\"}",
                           "mcu_http_request_duration_seconds_bucket", "mcu_db_queue_depth",
                           "mcu_mixer_late_ticks_total", "mcu_calls_joined_total 0",
                           "mcu_rtp_frames_recovered_total 0"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name << "\n" << metrics.body;
  }
}

}  // namespace
}  // namespace mcu::test
