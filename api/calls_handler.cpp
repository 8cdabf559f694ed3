#include "api/calls_handler.h"

#include <nlohmann/json.hpp>

#include "api/problem.h"
#include "api/query.h"
#include "api/timestamp.h"
#include "mcu/common/json_text.h"

namespace mcu::api {
namespace {

using nlohmann::json;

json callJson(const store::CallRecord& c) {
  return {{"id", c.id},
          {"room", c.room},
          {"call_id", c.call_id},
          {"direction", c.direction},
          {"via", c.via},
          {"line", c.line},
          {"from_uri", c.from_uri},
          {"display_name", c.display_name},
          {"codec", c.codec},
          {"remote_media", c.remote_media},
          {"joined_at", c.joined_at},
          {"left_at", c.left_at ? json(*c.left_at) : json(nullptr)},
          {"leave_reason", c.leave_reason ? json(*c.leave_reason) : json(nullptr)},
          {"stats", json::parse(c.stats_json, nullptr, false)}};
}

}  // namespace

void registerCallRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth) {
  server.Get("/v1/calls", auth.protect(Role::kViewer, [&ctx](const httplib::Request& req,
                                                             httplib::Response& res) {
    QueryReader query(req, {"room", "since", "until", "uri", "limit", "cursor"});
    store::CallQuery q;
    q.room = query.string("room", 64);
    q.since = query.string("since", 40);
    q.until = query.string("until", 40);
    q.from_uri = query.string("uri", 512);
    q.limit = query.integer("limit", 1, 200, 50);
    q.before_id = query.integer("cursor", 1, std::numeric_limits<int>::max(), 0);
    if (query.problem()) {
      sendProblem(res, *query.problem());
      return;
    }
    for (const auto* name : {"since", "until"}) {
      const std::string value = req.get_param_value(name);
      if (!value.empty() && !isRfc3339Timestamp(value)) {
        sendProblem(
            res, invalidField(name, std::string("'") + name + "' must be an RFC 3339 timestamp"));
        return;
      }
    }
    auto calls = ctx.calls->list(q);
    if (calls.outcome != store::DbOutcome::kOk) {
      sendProblem(res, unavailable("the database is not available now"));
      return;
    }
    json items = json::array();
    json next = nullptr;
    for (std::size_t i = 0; i < calls.value.size(); ++i) {
      if (static_cast<int>(i) == q.limit) {
        next = std::to_string(calls.value[i - 1].id);
        break;
      }
      items.push_back(callJson(calls.value[i]));
    }
    res.set_content(jsonText(json{{"items", items}, {"next_cursor", next}}), "application/json");
  }));
}

}  // namespace mcu::api
