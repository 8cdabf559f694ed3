#include "api/recordings_handler.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/query.h"
#include "mcu/common/json_text.h"
#include "mcu/common/text.h"

namespace mcu::api {
namespace {

using nlohmann::json;

json recordingJson(const store::RecordingRecord& r) {
  return {{"id", r.id},
          {"room", r.room},
          {"format", r.format},
          {"state", r.state},
          {"stop_reason", r.stop_reason ? json(*r.stop_reason) : json(nullptr)},
          {"started_at", r.started_at},
          {"ended_at", r.ended_at ? json(*r.ended_at) : json(nullptr)},
          {"duration_ms", r.duration_ms ? json(*r.duration_ms) : json(nullptr)},
          {"size_bytes", r.size_bytes ? json(*r.size_bytes) : json(nullptr)},
          {"participants", json::parse(r.participants_json, nullptr, false)},
          {"participant", r.participant ? json(*r.participant) : json(nullptr)},
          {"audio", "/v1/recordings/" + std::to_string(r.id) + "/audio"}};
}

std::optional<std::int64_t> recordingId(const std::string& text) {
  const auto id = text::parseNumber<std::int64_t>(text);
  return id && *id > 0 ? id : std::nullopt;
}

bool storeProblem(httplib::Response& res, store::DbOutcome outcome, const std::string& what) {
  switch (outcome) {
    case store::DbOutcome::kOk:
      return false;
    case store::DbOutcome::kNotFound:
      sendProblem(res, notFound(what));
      return true;
    default:
      sendProblem(res, unavailable("the database is not available; try again"));
      return true;
  }
}

// The recording the path's first match names, or the problem sent (404, 503).
std::optional<store::RecordingRecord> findRecording(const ApiContext& ctx,
                                                    const httplib::Request& req,
                                                    httplib::Response& res) {
  const auto id = recordingId(req.matches[1]);
  auto row = id ? ctx.recordings->get(*id)
                : store::DbResult<store::RecordingRecord>{store::DbOutcome::kNotFound};
  if (storeProblem(res, row.outcome, "no recording " + req.matches[1].str())) {
    return std::nullopt;
  }
  return std::move(row.value);
}

// `of`: one participant's own voice; none: the room's mix.
void startRecording(const ApiContext& ctx, const httplib::Request& req, httplib::Response& res,
                    std::optional<mixer::ParticipantId> of) {
  const std::string room = req.matches[1];
  std::string format = "ogg";
  if (!req.body.empty()) {
    auto body = parseObject(req.body);
    if (const auto* problem = std::get_if<Problem>(&body)) {
      sendProblem(res, *problem);
      return;
    }
    FieldReader reader(std::get<json>(body), {"format"});
    if (auto v = reader.string("format", 8)) {
      if (*v != "ogg" && *v != "wav") {
        sendProblem(res, invalidField("format", "'format' must be ogg or wav"));
        return;
      }
      format = *v;
    }
    if (reader.problem()) {
      sendProblem(res, *reader.problem());
      return;
    }
  }
  if (ctx.recordings_dir.empty()) {
    sendProblem(res, {409, "recording-off", "Conflict",
                      "recording is off on this server (recordings.dir is not set)"});
    return;
  }
  auto row = ctx.recordings->create(
      room, format, ctx.node_id,
      of ? std::optional<std::int64_t>(of->value()) : std::optional<std::int64_t>());
  if (storeProblem(res, row.outcome, "")) {
    return;
  }
  const auto id = row.value.id;
  const auto answer = ctx.conference->startRecording(
      room, of, id, ctx.recordings_dir + "/" + row.value.file,
      format == "wav" ? mixer::RecordingFormat::kWav : mixer::RecordingFormat::kOgg);
  using Kind = conference::RecordingOutcome::Kind;
  if (!answer || answer->kind != Kind::kStarted) {
    static_cast<void>(ctx.recordings->remove(id));  // nothing was recorded under it
  }
  if (!answer) {
    sendProblem(res, unavailable("the conference did not answer in time"));
    return;
  }
  switch (answer->kind) {
    case Kind::kNoRoom:
      sendProblem(res, notFound("no room named '" + room + "'"));
      return;
    case Kind::kNoParticipant:
      sendProblem(res, notFound("no participant " + req.matches[2].str() + " in '" + room + "'"));
      return;
    case Kind::kRoomIdle:
      sendProblem(res, {409, "room-idle", "Conflict",
                        "'" + room + "' has no calls: there is nothing to record"});
      return;
    case Kind::kBusy:
      sendProblem(res, {409, "already-recording", "Conflict",
                        of ? "participant " + of->text() + " is already being recorded"
                           : "'" + room + "' is already being recorded"});
      return;
    case Kind::kFailed:
      sendProblem(res, {500, "recording-failed", "Internal Server Error", answer->error});
      return;
    case Kind::kStarted:
      res.status = 201;
      res.set_header("Location", "/v1/recordings/" + std::to_string(id));
      res.set_content(jsonText(recordingJson(row.value)), "application/json");
      return;
  }
}

// The file, from `offset` on: cpp-httplib asks for what a Range names and answers 206 (or 416
// for a range beyond the end), so a long recording is never read into memory whole.
void sendAudio(httplib::Response& res, const std::string& path, const std::string& format) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    sendProblem(res, {410, "recording-gone", "Gone", "the recording's file is no longer there"});
    return;
  }
  res.set_header("Content-Disposition", "attachment; filename=\"" +
                                            std::filesystem::path(path).filename().string() + "\"");
  auto fd = std::shared_ptr<int>(new int(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), [](int* p) {
    if (*p >= 0) {
      ::close(*p);
    }
    delete p;
  });
  res.set_content_provider(
      static_cast<std::size_t>(size), format == "wav" ? "audio/wav" : "audio/ogg",
      [fd](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        std::array<char, 65536> chunk{};
        const auto n =
            ::pread(*fd, chunk.data(), std::min(length, chunk.size()), static_cast<off_t>(offset));
        if (n <= 0) {
          return false;
        }
        sink.write(chunk.data(), static_cast<std::size_t>(n));
        return true;
      });
}

}  // namespace

void registerRecordingRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth) {
  server.Post(
      R"(/v1/rooms/([^/]+)/recordings)",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        startRecording(ctx, req, res, std::nullopt);
      }));
  server.Post(
      R"(/v1/rooms/([^/]+)/participants/([^/]+)/recordings)",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const auto of = mixer::ParticipantId::fromText(req.matches[2].str());
        if (!of) {
          sendProblem(res, notFound("no participant " + req.matches[2].str()));
          return;
        }
        startRecording(ctx, req, res, of);
      }));
  // Any recording of the room, of its mix or of one participant: ids are the rows'.
  server.Delete(
      R"(/v1/rooms/([^/]+)/recordings/([^/]+))",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const std::string room = req.matches[1];
        const auto id = recordingId(req.matches[2]);
        const auto stopped = id ? ctx.conference->stopRecording(room, *id) : std::optional(false);
        if (!stopped) {
          sendProblem(res, unavailable("the conference did not answer in time"));
        } else if (!*stopped) {
          sendProblem(res, notFound("'" + room + "' is not recording " + req.matches[2].str()));
        } else {
          res.status = 202;  // the file is finalised, and its row closed, just after
          res.set_content(jsonText(json{{"id", *id}, {"state", "stopping"}}), "application/json");
        }
      }));
  server.Get(R"(/v1/recordings)", auth.protect(Role::kViewer, [&ctx](const httplib::Request& req,
                                                                     httplib::Response& res) {
    QueryReader query(req, {"room"});
    const std::string room = query.string("room", 64);
    if (query.problem()) {
      sendProblem(res, *query.problem());
      return;
    }
    auto rows = ctx.recordings->list(room, 200);
    if (storeProblem(res, rows.outcome, "")) {
      return;
    }
    json items = json::array();
    for (const auto& r : rows.value) {
      items.push_back(recordingJson(r));
    }
    res.set_content(jsonText(json{{"items", items}}), "application/json");
  }));
  server.Get(
      R"(/v1/recordings/([^/]+))",
      auth.protect(Role::kViewer, [&ctx](const httplib::Request& req, httplib::Response& res) {
        if (const auto row = findRecording(ctx, req, res)) {
          res.set_content(jsonText(recordingJson(*row)), "application/json");
        }
      }));
  server.Get(
      R"(/v1/recordings/([^/]+)/audio)",
      auth.protect(Role::kViewer, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const auto row = findRecording(ctx, req, res);
        if (!row) {
          return;
        }
        if (row->state == "recording") {
          sendProblem(res, {409, "still-recording", "Conflict",
                            "recording " + req.matches[1].str() + " is still running"});
          return;
        }
        sendAudio(res, ctx.recordings_dir + "/" + row->file, row->format);
      }));
  server.Delete(
      R"(/v1/recordings/([^/]+))",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const auto row = findRecording(ctx, req, res);
        if (!row) {
          return;
        }
        if (row->state == "recording") {
          sendProblem(res, {409, "still-recording", "Conflict",
                            "stop recording " + req.matches[1].str() + " first"});
          return;
        }
        std::error_code ignored;  // a file already gone is not an error: the row goes
        std::filesystem::remove(ctx.recordings_dir + "/" + row->file, ignored);
        auto removed = ctx.recordings->remove(row->id);
        if (!storeProblem(res, removed.outcome, "no recording " + req.matches[1].str())) {
          res.status = 204;
        }
      }));
}

}  // namespace mcu::api
