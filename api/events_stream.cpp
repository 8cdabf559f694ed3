#include "api/events_stream.h"

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/problem.h"
#include "api/query.h"
#include "mcu/common/json_text.h"
#include "mcu/common/text.h"

namespace mcu::api {
namespace {

using Clock = std::chrono::steady_clock;
// Comments keep proxies from closing an idle stream and let us notice a client that left.
constexpr auto kKeepAlive = std::chrono::seconds(2);
constexpr auto kWait = std::chrono::milliseconds(500);
constexpr int kBatch = 100;
// A level meter at 4 Hz moves smoothly enough for an eye and costs one conference query per
// stream each time.
constexpr std::size_t kMaxRoomName = 64;
constexpr std::size_t kMaxTicket = 128;
constexpr auto kLevelsEvery = std::chrono::milliseconds(250);
constexpr std::uint64_t kQualityEvery = 8;

struct StreamState {
  std::int64_t last_id = 0;
  Clock::time_point last_write = Clock::now();
  std::string levels_room;  // empty: no levels
  Clock::time_point last_levels = Clock::now();
  // What this stream last sent of each participant: a message carries only what changed, so a
  // console on a room of 500 mostly silent callers gets the few talkers, not 500 entries. The
  // line quality (loss, jitter) changes at every packet: it goes every 8th message (2 s).
  std::map<std::uint32_t, std::string> sent_level;
  std::map<std::uint32_t, std::string> sent_quality;
  std::uint64_t frames = 0;
};

double rounded(double value, double step) { return std::round(value / step) * step; }

// The room's participants whose figures changed since the stream's last levels message, as a
// message; "" when nothing changed or the conference did not answer (the next turn tries).
std::string levelsFrame(const ApiContext& ctx, StreamState& state) {
  const auto answer = ctx.conference->participants(state.levels_room);
  if (!answer) {
    return "";
  }
  const bool with_quality = state.frames++ % kQualityEvery == 0;
  nlohmann::json changed = nlohmann::json::array();
  std::map<std::uint32_t, std::string> level_now;
  std::map<std::uint32_t, std::string> quality_now;
  const auto differs = [](const auto& sent, std::uint32_t id, const std::string& text) {
    const auto it = sent.find(id);
    return it == sent.end() || it->second != text;
  };
  for (const auto& p : answer->value_or(std::vector<conference::ParticipantView>{})) {
    const std::uint32_t id = p.id.value();
    nlohmann::json entry{{"id", id},
                         {"level_dbov", p.level_dbov},
                         {"talking", p.talking},
                         {"muted", p.muted},
                         {"on_hold", p.on_hold}};
    std::string level_text = jsonText(entry);
    bool include = differs(state.sent_level, id, level_text);
    level_now.emplace(id, std::move(level_text));
    // Rounded to what a meter shows: jitter to 0.1 ms, loss to 0.1 %.
    const nlohmann::json quality{{"packet_loss", rounded(p.packet_loss, 0.001)},
                                 {"jitter_ms", rounded(p.jitter_ms, 0.1)}};
    std::string quality_text = jsonText(quality);
    if (with_quality && differs(state.sent_quality, id, quality_text)) {
      entry.update(quality);
      include = true;
      quality_now.emplace(id, std::move(quality_text));
    } else if (const auto kept = state.sent_quality.find(id); kept != state.sent_quality.end()) {
      quality_now.emplace(id, kept->second);
    }
    if (include) {
      changed.push_back(std::move(entry));
    }
  }
  state.sent_level = std::move(level_now);
  state.sent_quality = std::move(quality_now);
  if (changed.empty()) {
    return "";
  }
  const nlohmann::json data{{"room", state.levels_room}, {"participants", changed}};
  return "event: levels\ndata: " + jsonText(data) + "\n\n";
}

// Sends the levels when they are due; false when the client is gone.
bool sendLevels(const ApiContext& ctx, StreamState& state, httplib::DataSink& sink) {
  if (state.levels_room.empty() || Clock::now() - state.last_levels < kLevelsEvery) {
    return true;
  }
  state.last_levels = Clock::now();
  const std::string text = levelsFrame(ctx, state);
  if (text.empty()) {
    return true;
  }
  state.last_write = state.last_levels;
  return sink.write(text.data(), text.size());
}

std::optional<std::int64_t> parseId(const std::string& text) {
  const auto id = text::parseNumber<std::int64_t>(text);
  return id && *id >= 0 ? id : std::nullopt;
}

std::string frame(const store::EventRecord& e) {
  const nlohmann::json data{{"id", e.id},
                            {"type", e.type},
                            {"at", e.at},
                            {"room", e.room},
                            {"data", nlohmann::json::parse(e.payload_json, nullptr, false)}};
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + jsonText(data) +
         "\n\n";
}

// One turn of the stream: send what is new, or wait a little for it. False ends the stream.
bool pump(const ApiContext& ctx, EventStreams& streams, StreamState& state,
          httplib::DataSink& sink) {
  if (streams.stopping.load()) {
    return false;
  }
  if (!sendLevels(ctx, state, sink)) {
    return false;
  }
  // Read the generation before querying, so an event written in between wakes the wait.
  const auto generation = ctx.events->generation();
  const auto events = ctx.events->after(state.last_id, kBatch, ctx.cluster);
  if (events.outcome == store::DbOutcome::kOk && !events.value.empty()) {
    for (const auto& e : events.value) {
      const std::string text = frame(e);
      if (!sink.write(text.data(), text.size())) {
        return false;
      }
      state.last_id = e.id;
    }
    state.last_write = Clock::now();
    return true;
  }
  ctx.events->waitForNewer(generation, state.levels_room.empty() ? kWait : kLevelsEvery);
  if (Clock::now() - state.last_write >= kKeepAlive) {
    constexpr std::string_view kComment = ": keep-alive\n\n";
    if (!sink.write(kComment.data(), kComment.size())) {
      return false;
    }
    state.last_write = Clock::now();
  }
  return true;
}

}  // namespace

void registerEventRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth,
                         EventStreams& streams) {
  server.Post("/v1/events/tickets", auth.protect(Role::kViewer, [&streams](const httplib::Request&,
                                                                           httplib::Response& res,
                                                                           Role caller) {
    const auto ticket = streams.tickets.issue(caller, Clock::now());
    if (!ticket) {
      // Outstanding tickets expire within their lifetime: by then there is room.
      res.set_header("Retry-After",
                     std::to_string(std::chrono::seconds(EventTickets::kLifetime).count()));
      sendProblem(res, unavailable("too many tickets outstanding; try later"));
      return;
    }
    const nlohmann::json body{
        {"ticket", *ticket}, {"expires_in", std::chrono::seconds(EventTickets::kLifetime).count()}};
    res.status = 201;
    res.set_header("Cache-Control", "no-store");
    res.set_content(jsonText(body), "application/json");
  }));
  const auto stream = [&ctx, &streams](const httplib::Request& req, httplib::Response& res) {
    QueryReader query(req, {"after", "ticket", "levels"});
    query.string("ticket", kMaxTicket);  // spent already; read to refuse what is no ticket
    const std::string levels_room = query.string("levels", kMaxRoomName);
    if (query.problem()) {
      sendProblem(res, *query.problem());
      return;
    }
    std::optional<std::int64_t> start;
    const std::string named = req.has_header("Last-Event-ID")
                                  ? req.get_header_value("Last-Event-ID")
                                  : req.get_param_value("after");
    if (!named.empty()) {
      start = parseId(named);
      if (!start) {
        sendProblem(res, invalidField(req.has_header("Last-Event-ID") ? "Last-Event-ID" : "after",
                                      "an event id is a non-negative integer"));
        return;
      }
    } else {
      const auto latest = ctx.events->latestId();
      if (latest.outcome != store::DbOutcome::kOk) {
        sendProblem(res, unavailable("the database is not available now"));
        return;
      }
      start = latest.value;
    }
    if (streams.open.fetch_add(1) >= ctx.max_event_streams) {
      --streams.open;
      sendProblem(res, unavailable("too many event streams open; close one"));
      return;
    }
    auto state = std::make_shared<StreamState>();
    state->last_id = *start;
    state->levels_room = levels_room;
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [&ctx, &streams, state](std::size_t /*offset*/, httplib::DataSink& sink) {
          if (!pump(ctx, streams, *state, sink)) {
            sink.done();
          }
          return true;
        },
        [&streams](bool /*success*/) { --streams.open; });
  };
  server.Get("/v1/events", auth.protectStream(Role::kViewer, streams.tickets, stream));
}

}  // namespace mcu::api
