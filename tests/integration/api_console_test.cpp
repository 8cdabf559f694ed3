// What the web console stands on (issue 17): its files served with a strict policy, GET /v1/me,
// and event-stream tickets, which must open one stream once and nothing else, so that a ticket
// seen in a log is worth nothing. The browser itself is driven in console_test.cpp.
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>

#include "tests/integration/api_fixture.h"
#include "tests/integration/server_fixture.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;

class ApiConsoleTest : public ApiServerTest {
 protected:
  std::string ticket(const ApiClient& as) {
    const auto reply = as.post("/v1/events/tickets", "");
    EXPECT_EQ(reply.status, 201) << reply.body;
    EXPECT_EQ(reply.header("Cache-Control"), "no-store");
    EXPECT_EQ(reply.json()["expires_in"], 30);
    return reply.json().value("ticket", "");
  }

  // Opens /v1/events with `query` and no Authorization header; the status, and what the stream
  // carried within `listen` (or the error body).
  std::pair<int, std::string> openStream(const std::string& query,
                                         std::chrono::milliseconds listen = 1500ms) {
    httplib::Client client("127.0.0.1", server_->httpPort());
    client.set_read_timeout(5, 0);
    std::string body;
    const auto until = std::chrono::steady_clock::now() + listen;
    const auto res = client.Get("/v1/events?" + query, [&](const char* data, std::size_t size) {
      body.append(data, size);
      return std::chrono::steady_clock::now() < until;
    });
    if (res) {
      return {res->status, res->body.empty() ? body : res->body};
    }
    // The receiver hung up: the stream had been opened (200).
    return {body.empty() ? 0 : 200, body};
  }
};

TEST_F(ApiConsoleTest, ATicketOpensOneEventStreamOnceAndNothingElse) {
  ASSERT_EQ(admin_->post("/v1/rooms", R"({"name":"ticketed"})").status, 201);
  const ApiClient viewer(server_->httpPort(), createToken(db_.url(), "viewer", "console-viewer"));
  const std::string t = ticket(viewer);
  ASSERT_TRUE(std::regex_match(t, std::regex("[0-9a-f]{64}"))) << t;

  const auto [status, stream] = openStream("ticket=" + t + "&after=0");
  EXPECT_EQ(status, 200) << stream;
  EXPECT_NE(stream.find("event: room.created"), std::string::npos) << stream;

  const auto again = openStream("ticket=" + t + "&after=0");
  EXPECT_EQ(again.first, 401) << "a ticket is spent by its first use";
  EXPECT_NE(again.second.find("used or expired"), std::string::npos) << again.second;
  EXPECT_EQ(openStream("ticket=" + std::string(64, 'a')).first, 401) << "an unknown ticket";

  // Anywhere else a ticket is no credential at all, even an admin's, even unspent.
  const std::string admins = ticket(*admin_);
  httplib::Client client("127.0.0.1", server_->httpPort());
  EXPECT_EQ(client.Get("/v1/rooms?ticket=" + admins)->status, 401);
  EXPECT_EQ(
      client.Post("/v1/rooms?ticket=" + admins, R"({"name":"x"})", "application/json")->status,
      401);
  EXPECT_EQ(openStream("ticket=" + admins).first, 200) << "the failed tries did not spend it";
  // Asking for a ticket needs the token itself.
  EXPECT_EQ(client.Post("/v1/events/tickets")->status, 401);
}

TEST_F(ApiConsoleTest, AStreamForAnEmptyRoomCarriesNoLevelsAndABadRoomIsRefused) {
  ASSERT_EQ(admin_->post("/v1/rooms", R"({"name":"meters"})").status, 201);
  const auto [status, stream] = openStream("ticket=" + ticket(*admin_) + "&levels=meters", 1200ms);
  EXPECT_EQ(status, 200) << stream;
  // Nobody in: nothing changes, so no levels message (a room's callers are in
  // console_test.cpp, whose meters move for the talker only); never an id either way.
  EXPECT_EQ(stream.find("event: levels"), std::string::npos) << stream;
  EXPECT_EQ(stream.find("id: "), std::string::npos) << stream;
  const auto too_long = openStream("ticket=" + ticket(*admin_) + "&levels=" + std::string(65, 'r'));
  EXPECT_EQ(too_long.first, 422);
  EXPECT_NE(too_long.second.find("\"field\":\"levels\""), std::string::npos) << too_long.second;
}

TEST_F(ApiConsoleTest, MeNamesTheRoleOfTheToken) {
  EXPECT_EQ(admin_->get("/v1/me").json()["role"], "admin");
  const ApiClient viewer(server_->httpPort(), createToken(db_.url(), "viewer", "me-viewer"));
  EXPECT_EQ(viewer.get("/v1/me").json()["role"], "viewer");
}

TEST_F(ApiConsoleTest, TheConsoleIsServedWithAStrictPolicyAndNoInlineScript) {
  httplib::Client client("127.0.0.1", server_->httpPort());
  const auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string policy = page->get_header_value("Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  // Every script is a file of ours: the policy would refuse inline code anyway.
  const std::regex script("<script([^>]*)>");
  int scripts = 0;
  for (auto it = std::sregex_iterator(page->body.begin(), page->body.end(), script);
       it != std::sregex_iterator(); ++it, ++scripts) {
    EXPECT_NE((*it)[1].str().find("src=\"/console/"), std::string::npos) << (*it)[0].str();
  }
  EXPECT_EQ(scripts, 1);

  const auto app = client.Get("/console/app.js");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->status, 200);
  EXPECT_EQ(app->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  const auto same =
      client.Get("/console/app.js", {{"If-None-Match", app->get_header_value("ETag")}});
  EXPECT_EQ(same->status, 304) << "an unchanged file is not sent again";
  EXPECT_EQ(client.Get("/console/nothing.js")->status, 404);
  EXPECT_EQ(client.Get("/console/../api/openapi.json")->status, 404);
}

}  // namespace
}  // namespace mcu::test
