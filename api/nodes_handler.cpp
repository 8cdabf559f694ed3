#include "api/nodes_handler.h"

#include <nlohmann/json.hpp>

#include "api/problem.h"
#include "mcu/common/json_text.h"

namespace mcu::api {
namespace {

using nlohmann::json;

json nodeJson(const store::NodeRecord& n) {
  return {{"id", n.id},
          {"sip_address", n.sip_address},
          {"http_url", n.http_url},
          {"state", n.state},
          {"alive", n.alive},
          {"lease_until", n.lease_until ? json(*n.lease_until) : json(nullptr)},
          {"rooms", n.rooms}};
}

}  // namespace

void registerNodeRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth) {
  server.Get("/v1/nodes",
             auth.protect(Role::kViewer, [&ctx](const httplib::Request&, httplib::Response& res) {
               auto nodes = ctx.nodes->list();
               if (nodes.outcome != store::DbOutcome::kOk) {
                 sendProblem(res, unavailable("the database is not available now"));
                 return;
               }
               json items = json::array();
               for (const auto& node : nodes.value) {
                 items.push_back(nodeJson(node));
               }
               res.set_content(jsonText(json{{"items", items}}), "application/json");
             }));
  // The node reads its row at its next lease renewal (about a second), on whichever node this
  // request came to: hence 202.
  server.Post(
      R"(/v1/nodes/([^/]+)/drain)",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const std::string id = req.matches[1];
        auto node = ctx.nodes->drain(id);
        if (node.outcome != store::DbOutcome::kOk) {
          sendProblem(res, unavailable("the database is not available now"));
          return;
        }
        if (!node.value) {
          sendProblem(res, notFound("no node '" + id + "'"));
          return;
        }
        res.status = 202;
        res.set_content(jsonText(nodeJson(*node.value)), "application/json");
      }));
}

}  // namespace mcu::api
