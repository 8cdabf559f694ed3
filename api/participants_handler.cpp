#include "api/participants_handler.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "mcu/common/dial_target.h"
#include "mcu/common/json_text.h"

namespace mcu::api {
namespace {

using nlohmann::json;

json participantJson(const conference::ParticipantView& p) {
  return {{"id", p.id.value()},
          {"room", p.room},
          {"state", std::string(conference::callStateText(p.state))},
          {"direction", p.direction},
          {"via", p.via},
          {"line", p.line},
          {"sip_status", p.sip_status == 0 ? json(nullptr) : json(p.sip_status)},
          {"call_id", p.call_id},
          {"from_uri", p.from_uri},
          {"display_name", p.display_name},
          {"codec", p.codec},
          {"joined_at", p.joined_at},
          {"role", std::string(conference::roleText(p.role))},
          {"hand_raised", p.hand_raised},
          {"muted", p.muted},
          {"deaf", p.deaf},
          {"input_gain", p.input_gain},
          {"output_gain", p.output_gain},
          {"talking", p.talking},
          {"level_dbov", p.level_dbov},
          {"on_hold", p.on_hold},
          {"awaiting_pin", p.awaiting_pin},
          {"packet_loss", p.packet_loss},
          {"recovered_frames", p.recovered_frames},
          {"jitter_ms", p.jitter_ms},
          {"remote_packet_loss", p.remote_packet_loss},
          {"remote_jitter_ms", p.remote_jitter_ms}};
}

// A path's participant id; nullopt (then 404) for anything that names none, including numbers
// past 32 bits, which must never wrap onto a live participant.
std::optional<mixer::ParticipantId> participantId(const std::string& text) {
  return mixer::ParticipantId::fromText(text);
}

void controlTimeout(httplib::Response& res) {
  sendProblem(res, unavailable("the conference did not answer in time"));
}

// The live participants of a room; false (and the response written) when there are none to
// give: unknown room or no answer.
bool roomParticipants(const ApiContext& ctx, const std::string& room, httplib::Response& res,
                      std::vector<conference::ParticipantView>& out) {
  const auto answer = ctx.conference->participants(room);
  if (!answer) {
    controlTimeout(res);
    return false;
  }
  if (!*answer) {
    sendProblem(res, notFound("no room named '" + room + "'"));
    return false;
  }
  out = **answer;
  return true;
}

void patchParticipant(const ApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string room = req.matches[1];
  const auto id = participantId(req.matches[2]);
  auto body = parseObject(req.body);
  if (auto* problem = std::get_if<Problem>(&body)) {
    sendProblem(res, *problem);
    return;
  }
  FieldReader reader(std::get<json>(body),
                     {"muted", "deaf", "input_gain", "output_gain", "role", "hand_raised"});
  conference::ParticipantPatch patch;
  if (const auto role = reader.string("role", 16)) {
    patch.role = conference::roleFromText(*role);
    if (!patch.role) {
      sendProblem(res, invalidField("role", "'role' must be moderator, participant or listener"));
      return;
    }
  }
  patch.muted = reader.boolean("muted");
  patch.deaf = reader.boolean("deaf");
  patch.hand_raised = reader.boolean("hand_raised");
  if (auto gain = reader.number("input_gain", 0.0, 4.0)) {
    patch.input_gain = static_cast<float>(*gain);
  }
  if (auto gain = reader.number("output_gain", 0.0, 4.0)) {
    patch.output_gain = static_cast<float>(*gain);
  }
  if (reader.problem()) {
    sendProblem(res, *reader.problem());
    return;
  }
  if (!id) {
    sendProblem(res, notFound("no participant " + req.matches[2].str() + " in '" + room + "'"));
    return;
  }
  const auto answer = ctx.conference->patchParticipant(room, *id, patch);
  if (!answer) {
    controlTimeout(res);
    return;
  }
  if (!*answer) {
    sendProblem(res, notFound("no participant " + id->text() + " in '" + room + "'"));
    return;
  }
  res.set_content(jsonText(participantJson(**answer)), "application/json");
}

void moveParticipant(const ApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string room = req.matches[1];
  const auto id = participantId(req.matches[2]);
  const auto field = singleStringField(req.body, "room", 64, "the room to move to");
  if (const auto* problem = std::get_if<Problem>(&field)) {
    sendProblem(res, *problem);
    return;
  }
  const auto* to = &std::get<std::string>(field);
  // No such id: the answer the conference gives an unknown participant (a braced `{}` here
  // made an empty optional, which read as a timeout: 503 for every id that is not a number).
  const auto answer = id ? ctx.conference->move(room, *id, *to)
                         : std::optional<conference::MoveOutcome>(conference::MoveOutcome{});
  if (!answer) {
    controlTimeout(res);
    return;
  }
  using Kind = conference::MoveOutcome::Kind;
  switch (answer->kind) {
    case Kind::kNoParticipant:
      sendProblem(res, notFound("no participant " + req.matches[2].str() + " in '" + room + "'"));
      return;
    case Kind::kNoRoom:
      sendProblem(res, invalidField("room", "no room named '" + *to + "'"));
      return;
    case Kind::kRefused:
      sendProblem(res, {409, "target-refused", "Conflict",
                        "'" + *to + "' does not take the call: " + answer->reason, "room"});
      return;
    case Kind::kMoved:
      res.set_content(jsonText(participantJson(*answer->participant)), "application/json");
      return;
  }
}

void dialOut(const ApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string room = req.matches[1];
  const auto field = singleStringField(req.body, "uri", 256, "the SIP URI to call");
  if (const auto* problem = std::get_if<Problem>(&field)) {
    sendProblem(res, *problem);
    return;
  }
  const auto* uri = &std::get<std::string>(field);
  if (const auto refusal = checkDialTarget(*uri, ctx.dialout_allow)) {
    if (refusal->status == 403) {
      sendProblem(res, {403, "dial-out-forbidden", "Forbidden", refusal->detail, "uri"});
    } else {
      sendProblem(res, invalidField("uri", refusal->detail));
    }
    return;
  }
  const auto answer = ctx.conference->dialOut(room, *uri);
  if (!answer) {
    controlTimeout(res);
    return;
  }
  switch (answer->status) {
    case 202:
      res.status = 202;
      res.set_header("Location",
                     "/v1/rooms/" + room + "/participants/" + answer->participant->id.text());
      res.set_content(jsonText(participantJson(*answer->participant)), "application/json");
      return;
    case 404:
      sendProblem(res, notFound(answer->reason));
      return;
    case 403:
    case 486:
      sendProblem(res, {409, "room-refused", "Conflict",
                        "'" + room + "' does not take the call: " + answer->reason, ""});
      return;
    default:
      sendProblem(res, unavailable(answer->reason));
  }
}

}  // namespace

void registerParticipantRoutes(httplib::Server& server, const ApiContext& ctx,
                               Authenticator& auth) {
  server.Get(
      R"(/v1/rooms/([^/]+)/participants)",
      auth.protect(Role::kViewer, [&ctx](const httplib::Request& req, httplib::Response& res) {
        std::vector<conference::ParticipantView> live;
        if (!roomParticipants(ctx, req.matches[1], res, live)) {
          return;
        }
        json items = json::array();
        for (const auto& p : live) {
          items.push_back(participantJson(p));
        }
        res.set_content(jsonText(json{{"items", items}}), "application/json");
      }));
  server.Get(
      R"(/v1/rooms/([^/]+)/participants/([^/]+))",
      auth.protect(Role::kViewer, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const auto id = participantId(req.matches[2]);
        const auto answer = id ? ctx.conference->participant(req.matches[1], *id)
                               : std::optional<std::optional<conference::ParticipantView>>(
                                     std::optional<conference::ParticipantView>{});
        if (!answer) {
          controlTimeout(res);
          return;
        }
        if (!*answer) {
          sendProblem(res, notFound("no participant " + req.matches[2].str()));
          return;
        }
        res.set_content(jsonText(participantJson(**answer)), "application/json");
      }));
  server.Post(
      R"(/v1/rooms/([^/]+)/participants)",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        dialOut(ctx, req, res);
      }));
  server.Post(
      R"(/v1/rooms/([^/]+)/participants/([^/]+)/move)",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        moveParticipant(ctx, req, res);
      }));
  server.Patch(
      R"(/v1/rooms/([^/]+)/participants/([^/]+))",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        patchParticipant(ctx, req, res);
      }));
  server.Delete(
      R"(/v1/rooms/([^/]+)/participants/([^/]+))",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const auto id = participantId(req.matches[2]);
        const auto kicked =
            id ? ctx.conference->kick(req.matches[1], *id) : std::optional<bool>(false);
        if (!kicked) {
          controlTimeout(res);
          return;
        }
        if (!*kicked) {
          sendProblem(res, notFound("no participant " + req.matches[2].str()));
          return;
        }
        res.status = 204;
      }));
}

}  // namespace mcu::api
