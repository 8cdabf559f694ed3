#include "api/room_forwarding.h"

#include <regex>

#include "api/problem.h"
#include "mcu/common/log.h"

namespace mcu::api {
namespace {

constexpr const char* kForwardedBy = "X-Mcu-Forwarded-By";
constexpr std::chrono::seconds kForwardTimeout{5};

// The room a request acts on live, or "" for requests any node serves.
std::string liveRoomOf(const httplib::Request& req) {
  static const std::regex kLive(R"(^/v1/rooms/([^/]+)/(participants|playback|recordings)(/.*)?$)");
  static const std::regex kRoom(R"(^/v1/rooms/([^/]+)$)");
  std::smatch match;
  if (std::regex_match(req.path, match, kLive)) {
    return match[1];
  }
  // A change of the room's policy (lock, PIN, options) must reach the conference holding it.
  if ((req.method == "PATCH" || req.method == "DELETE") &&
      std::regex_match(req.path, match, kRoom)) {
    return match[1];
  }
  return "";
}

void forward(const ApiContext& ctx, const std::string& url, const httplib::Request& req,
             httplib::Response& res) {
  httplib::Client client(url);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(kForwardTimeout);
  client.set_write_timeout(kForwardTimeout);
  httplib::Headers headers;
  for (const auto& [name, value] : req.headers) {
    if (name == "Host" || name == "Content-Length" || name == "Connection" ||
        name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    headers.emplace(name, value);
  }
  headers.emplace(kForwardedBy, ctx.node_id);
  httplib::Request out;
  out.method = req.method;
  out.path = req.target.empty() ? req.path : req.target;
  out.headers = std::move(headers);
  out.body = req.body;
  const auto answer = client.send(out);
  if (!answer) {
    log::warn("http", "forward_failed").kv("url", url).kv("path", req.path);
    sendProblem(res, unavailable("the room's node did not answer; try again"));
    return;
  }
  res.status = answer->status;
  for (const char* name : {"ETag", "Location", "Retry-After", "Content-Range", "Accept-Ranges",
                           "Content-Disposition"}) {
    if (answer->has_header(name)) {
      res.set_header(name, answer->get_header_value(name));
    }
  }
  res.set_content(answer->body, answer->get_header_value("Content-Type"));
}

// A dial-out places a caller in the room here: the room must be this node's first, or a caller
// of it dialling in through the proxy could be taken by another node (a split). True when the
// request was answered here (refused, or forwarded to a node that claimed the room meanwhile).
bool claimForDialOut(const ApiContext& ctx, const std::string& room, const httplib::Request& req,
                     httplib::Response& res) {
  static const std::regex kDialOut(R"(^/v1/rooms/[^/]+/participants$)");
  if (req.method != "POST" || !ctx.claim_room || !std::regex_match(req.path, kDialOut)) {
    return false;
  }
  const auto place = ctx.claim_room(room);
  using Where = conference::RoomPlace::Where;
  if (place && place->where == Where::kHere) {
    return false;
  }
  if (!place || place->where != Where::kElsewhere) {
    sendProblem(res, unavailable("this node may not take the room now; try again"));
    return true;
  }
  const auto moved = ctx.nodes->ownerOf(room);
  if (moved.outcome != store::DbOutcome::kOk || !moved.value || !moved.value->alive) {
    sendProblem(res, unavailable("the room is moving between nodes; try again"));
    return true;
  }
  forward(ctx, moved.value->http_url, req, res);
  return true;
}

}  // namespace

bool forwardToRoomOwner(const ApiContext& ctx, const httplib::Request& req,
                        httplib::Response& res) {
  if (!ctx.cluster || ctx.nodes == nullptr || req.has_header(kForwardedBy)) {
    return false;  // one hop at most: a forwarded request is served where it lands
  }
  const std::string room = liveRoomOf(req);
  if (room.empty()) {
    return false;
  }
  const auto owner = ctx.nodes->ownerOf(room);
  if (owner.outcome != store::DbOutcome::kOk) {
    sendProblem(res, unavailable("the database is not available now"));
    return true;
  }
  if (!owner.value || owner.value->node == ctx.node_id) {
    return claimForDialOut(ctx, room, req, res);
  }
  if (!owner.value->alive) {
    // Its node is gone; the room's next caller claims it on a live node.
    sendProblem(res, unavailable("the room's node is gone and the room is being re-homed"));
    return true;
  }
  forward(ctx, owner.value->http_url, req, res);
  return true;
}

}  // namespace mcu::api
