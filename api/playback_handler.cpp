#include "api/playback_handler.h"

#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "mcu/common/json_text.h"
#include "mcu/common/text.h"

namespace mcu::api {
namespace {

using nlohmann::json;

json playbackJson(const conference::PlaybackView& p) {
  return {{"id", p.id},
          {"room", p.room},
          {"participant", p.participant ? json(p.participant->value()) : json(nullptr)},
          {"file", p.file},
          {"duration_ms", p.duration_ms},
          {"started_at", p.started_at}};
}

// POST: the file named in the body, to the room or (`participant` given) to one caller.
void startPlayback(const ApiContext& ctx, const httplib::Request& req, httplib::Response& res,
                   std::optional<mixer::ParticipantId> participant) {
  const std::string room = req.matches[1];
  const auto field = singleStringField(req.body, "file", 128, "a file of the prompt directory");
  if (const auto* problem = std::get_if<Problem>(&field)) {
    sendProblem(res, *problem);
    return;
  }
  const auto& file = std::get<std::string>(field);
  auto prompt = ctx.prompts->load(file);
  if (!prompt) {
    sendProblem(res, invalidField("file", prompt.error()));
    return;
  }
  const auto answer = ctx.conference->play(room, participant, file, *prompt);
  if (!answer) {
    sendProblem(res, unavailable("the conference did not answer in time"));
    return;
  }
  using Kind = conference::PlaybackOutcome::Kind;
  switch (answer->kind) {
    case Kind::kNoRoom:
      sendProblem(res, notFound("no room named '" + room + "'"));
      return;
    case Kind::kNoParticipant:
      sendProblem(res, notFound("no participant " + req.matches[2].str() + " in '" + room + "'"));
      return;
    case Kind::kRoomIdle:
      sendProblem(res, {409, "room-idle", "Conflict",
                        "'" + room + "' has no calls: there is no one to play to"});
      return;
    case Kind::kStarted:
      res.status = 201;
      res.set_header("Location",
                     "/v1/rooms/" + room + "/playback/" + std::to_string(answer->playback->id));
      res.set_content(jsonText(playbackJson(*answer->playback)), "application/json");
      return;
  }
}

std::optional<std::uint64_t> playbackId(const std::string& text) {
  const auto id = text::parseNumber<std::uint64_t>(text);
  return id && *id != 0 ? id : std::nullopt;
}

}  // namespace

void registerPlaybackRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth) {
  server.Post(
      R"(/v1/rooms/([^/]+)/playback)",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        startPlayback(ctx, req, res, std::nullopt);
      }));
  server.Post(
      R"(/v1/rooms/([^/]+)/participants/([^/]+)/playback)",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const auto id = mixer::ParticipantId::fromText(req.matches[2].str());
        if (!id) {
          sendProblem(res, notFound("no participant " + req.matches[2].str()));
          return;
        }
        startPlayback(ctx, req, res, id);
      }));
  // Any playback of the room, to everyone or to one caller: ids are the server's, not the
  // participant's.
  server.Delete(
      R"(/v1/rooms/([^/]+)/playback/([^/]+))",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const auto id = playbackId(req.matches[2]);
        const auto stopped =
            id ? ctx.conference->stopPlayback(req.matches[1], *id) : std::optional<bool>(false);
        if (!stopped) {
          sendProblem(res, unavailable("the conference did not answer in time"));
          return;
        }
        if (!*stopped) {
          sendProblem(res, notFound("no playback " + req.matches[2].str() + " in '" +
                                    req.matches[1].str() + "' (it may have ended)"));
          return;
        }
        res.status = 204;
      }));
}

}  // namespace mcu::api
