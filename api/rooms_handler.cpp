#include "api/rooms_handler.h"

#include <nlohmann/json.hpp>
#include <regex>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/query.h"
#include "mcu/common/json_text.h"
#include "mcu/common/secret.h"
#include "mcu/conference/dtmf_menu.h"
#include "mcu/conference/prompt_library.h"

namespace mcu::api {
namespace {

using nlohmann::json;

const std::regex kNamePattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
constexpr const char* kNamePatternText = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";
const std::regex kPinPattern("^[0-9]{4,12}$");
constexpr const char* kPinPatternText = "^[0-9]{4,12}$";
const std::regex kMenuKeyPattern("^([*#][0-9])?$");
constexpr const char* kMenuKeyPatternText = "^([*#][0-9])?$";
const std::set<std::string> kCodecs = {"opus", "G722", "PCMU", "PCMA"};

json liveJson(const std::map<std::string, conference::RoomLive>& live, const std::string& name) {
  const auto it = live.find(name);
  if (it == live.end()) {
    return {{"participants", 0}, {"talking", 0}, {"started_at", nullptr}};
  }
  return {{"participants", it->second.participants},
          {"talking", it->second.talking},
          {"started_at", it->second.started_at}};
}

json roomJson(const store::RoomRecord& room, const json& live) {
  return {
      {"name", room.name},
      {"display_name", room.display_name},
      {"has_pin", room.pin_hash.has_value()},
      {"max_participants", room.max_participants ? json(*room.max_participants) : json(nullptr)},
      {"locked", room.locked},
      {"on_demand", room.on_demand},
      {"codec_preference", room.codec_preference},
      {"srtp", room.srtp ? json(*room.srtp) : json(nullptr)},
      {"entry_exit_tones", room.entry_exit_tones ? json(*room.entry_exit_tones) : json(nullptr)},
      {"has_moderator_pin", room.moderator_pin_hash.has_value()},
      {"mute_on_entry", room.mute_on_entry},
      {"wait_for_moderator", room.wait_for_moderator},
      {"end_with_last_moderator", room.end_with_last_moderator},
      {"end_grace_s", room.end_grace_s},
      {"dtmf_menu", conference::effectiveMenu(room.dtmf_menu)},
      {"music", room.music ? json(*room.music) : json(nullptr)},
      {"mixing", json::parse(room.mixing_json, nullptr, false)},
      {"version", room.version},
      {"created_at", room.created_at},
      {"updated_at", room.updated_at},
      {"node", room.node ? json(*room.node) : json(nullptr)},
      {"live", live}};
}

std::string etag(std::int64_t version) {
  // Built in place: `"\"" + to_string(...)` trips GCC 12's -Wrestrict false positive.
  std::string tag = std::to_string(version);
  tag.insert(tag.begin(), '"');
  tag.push_back('"');
  return tag;
}

// The meeting controls of a room body: the moderator PIN (hashed here, like the PIN) and the
// options.
std::optional<Problem> readMeetingFields(FieldReader& reader, store::RoomFields& fields) {
  if (reader.isNull("moderator_pin")) {
    fields.moderator_pin_hash = std::optional<std::string>{};
  } else if (auto v = reader.string("moderator_pin", 12, &kPinPattern, kPinPatternText)) {
    fields.moderator_pin_hash = secret::hashPin(*v);
  }
  fields.mute_on_entry = reader.boolean("mute_on_entry");
  fields.wait_for_moderator = reader.boolean("wait_for_moderator");
  fields.end_with_last_moderator = reader.boolean("end_with_last_moderator");
  fields.end_grace_s = reader.integer("end_grace_s", 0, 600);
  if (reader.isNull("dtmf_menu")) {
    fields.dtmf_menu_json = "{}";  // the defaults again
  } else if (const auto menu = reader.object("dtmf_menu")) {
    std::set<std::string> actions;
    for (const auto action : conference::allMenuActions()) {
      actions.emplace(conference::menuActionText(action));
    }
    FieldReader keys_reader(*menu, actions);
    conference::MenuKeys keys;
    for (const auto& action : actions) {
      if (auto key = keys_reader.string(action, 2, &kMenuKeyPattern, kMenuKeyPatternText)) {
        keys.emplace(action, *key);
      }
    }
    if (keys_reader.problem()) {
      Problem p = *keys_reader.problem();
      p.field = "dtmf_menu." + p.field;
      return p;
    }
    if (const std::string problem = conference::menuProblem(keys); !problem.empty()) {
      return invalidField("dtmf_menu", problem);
    }
    fields.dtmf_menu_json = jsonText(json(keys));
  }
  return std::nullopt;
}

// The room fields of a POST or PATCH body, validated; the problem if any.
std::variant<store::RoomFields, Problem> readRoomFields(const json& body, bool create) {
  std::set<std::string> known = {"display_name",
                                 "pin",
                                 "max_participants",
                                 "locked",
                                 "on_demand",
                                 "codec_preference",
                                 "mixing",
                                 "srtp",
                                 "entry_exit_tones",
                                 "moderator_pin",
                                 "mute_on_entry",
                                 "wait_for_moderator",
                                 "end_with_last_moderator",
                                 "end_grace_s",
                                 "dtmf_menu",
                                 "music"};
  if (create) {
    known.insert("name");
  }
  FieldReader reader(body, known);
  store::RoomFields fields;
  if (auto v = reader.string("display_name", 128)) {
    fields.display_name = *v;
  }
  if (reader.isNull("pin")) {
    fields.pin_hash = std::optional<std::string>{};
  } else if (auto v = reader.string("pin", 12, &kPinPattern, kPinPatternText)) {
    fields.pin_hash = secret::hashPin(*v);
  }
  if (reader.isNull("max_participants")) {
    fields.max_participants = std::optional<int>{};
  } else if (auto v = reader.integer("max_participants", 1, 10000)) {
    fields.max_participants = *v;
  }
  fields.locked = reader.boolean("locked");
  fields.on_demand = reader.boolean("on_demand");
  if (auto v = reader.array("codec_preference")) {
    std::vector<std::string> codecs;
    for (const auto& item : *v) {
      if (!item.is_string() || !kCodecs.contains(item.get<std::string>())) {
        return invalidField("codec_preference",
                            "'codec_preference' items must be one of opus, G722, PCMU, PCMA");
      }
      if (std::find(codecs.begin(), codecs.end(), item.get<std::string>()) != codecs.end()) {
        return invalidField("codec_preference", "'codec_preference' lists a codec twice");
      }
      codecs.push_back(item.get<std::string>());
    }
    fields.codec_preference = codecs;
  }
  if (reader.isNull("srtp")) {
    fields.srtp = std::optional<std::string>{};
  } else if (auto v = reader.string("srtp", 16)) {
    if (*v != "off" && *v != "optional" && *v != "required") {
      return invalidField("srtp", "'srtp' must be off, optional, required or null");
    }
    fields.srtp = *v;
  }
  if (reader.isNull("entry_exit_tones")) {
    fields.entry_exit_tones = std::optional<bool>{};
  } else if (auto v = reader.boolean("entry_exit_tones")) {
    fields.entry_exit_tones = *v;
  }
  if (auto problem = readMeetingFields(reader, fields)) {
    return *problem;
  }
  if (reader.isNull("music")) {
    fields.music = std::optional<std::string>{};
  } else if (auto v = reader.string("music", 255)) {
    fields.music = *v;
  }
  if (auto v = reader.object("mixing")) {
    FieldReader mixing(*v, {"max_speakers"});
    const auto speakers = mixing.integer("max_speakers", 0, 32);
    if (mixing.problem()) {
      Problem p = *mixing.problem();
      p.field = "mixing." + p.field;
      return p;
    }
    fields.mixing_json = speakers ? jsonText(json{{"max_speakers", *speakers}}) : "{}";
  }
  if (reader.problem()) {
    return *reader.problem();
  }
  return fields;
}

// A music file a body names is decoded now (a prompt in prompts.dir, cached): a bad name or a
// file that is not audio is the 422 of this request, never silence in the room later.
std::optional<Problem> checkMusic(const ApiContext& ctx, const store::RoomFields& fields) {
  if (!fields.music || !*fields.music || (*fields.music)->empty()) {
    return std::nullopt;
  }
  if (ctx.prompts == nullptr) {
    return invalidField("music", "no prompts directory is configured (prompts.dir)");
  }
  if (auto loaded = ctx.prompts->load(**fields.music); !loaded) {
    return invalidField("music", loaded.error());
  }
  return std::nullopt;
}

// The room's music as the conference plays it: decoded here, on this HTTP worker (from the
// cache), never on the control thread.
mixer::MediaEngine::Samples musicOf(const ApiContext& ctx, const store::RoomRecord& room) {
  if (!room.music || room.music->empty() || ctx.prompts == nullptr) {
    return nullptr;
  }
  auto loaded = ctx.prompts->load(*room.music);
  return loaded ? loaded->pcm : nullptr;
}

// The version an If-Match names: nullopt for none or "*", -1 for one that is not ours.
std::optional<std::int64_t> ifMatch(const httplib::Request& req) {
  if (!req.has_header("If-Match")) {
    return std::nullopt;
  }
  std::string value = req.get_header_value("If-Match");
  if (value == "*") {
    return std::nullopt;
  }
  if (value.rfind("W/", 0) == 0) {
    value = value.substr(2);
  }
  static const std::regex kQuoted("^\"([0-9]{1,18})\"$");
  std::smatch m;
  if (!std::regex_match(value, m, kQuoted)) {
    return -1;
  }
  return std::stoll(m[1].str());
}

void sendStoreProblem(httplib::Response& res, store::DbOutcome outcome, const std::string& name) {
  switch (outcome) {
    case store::DbOutcome::kNotFound:
      sendProblem(res, notFound("no room named '" + name + "'"));
      return;
    case store::DbOutcome::kConflict:
      sendProblem(res, {409, "conflict", "Conflict", "a room named '" + name + "' exists", "name"});
      return;
    case store::DbOutcome::kStale:
      sendProblem(res, {412, "precondition-failed", "Precondition Failed",
                        "the room changed since that ETag; GET it again"});
      return;
    case store::DbOutcome::kUnavailable:
    case store::DbOutcome::kOk:
      sendProblem(res, unavailable("the database is not available now"));
      return;
  }
}

std::map<std::string, conference::RoomLive> liveRooms(const ApiContext& ctx) {
  return ctx.conference->liveRooms().value_or(std::map<std::string, conference::RoomLive>{});
}

void listRooms(const ApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  QueryReader query(req, {"prefix", "active", "limit", "cursor"});
  store::RoomQuery q;
  q.name_prefix = query.string("prefix", 64);
  q.after_name = query.string("cursor", 64);
  q.limit = query.integer("limit", 1, 200, 50);
  const auto active = query.boolean("active");
  if (query.problem()) {
    sendProblem(res, *query.problem());
    return;
  }
  const auto live = liveRooms(ctx);
  if (active) {
    std::vector<std::string> names;
    for (const auto& [name, summary] : live) {
      names.push_back(name);
    }
    if (*active) {
      q.only = names;
    }
  }
  auto rooms = ctx.rooms->list(q);
  if (rooms.outcome != store::DbOutcome::kOk) {
    sendStoreProblem(res, rooms.outcome, "");
    return;
  }
  json items = json::array();
  std::string next;
  for (std::size_t i = 0; i < rooms.value.size(); ++i) {
    if (static_cast<int>(i) == q.limit) {
      next = rooms.value[i - 1].name;
      break;
    }
    const auto& room = rooms.value[i];
    if (active && !*active && live.contains(room.name)) {
      continue;  // "active=false": the idle ones (filtered here: the live set is small)
    }
    items.push_back(roomJson(room, liveJson(live, room.name)));
  }
  res.set_content(
      jsonText(json{{"items", items}, {"next_cursor", next.empty() ? json(nullptr) : json(next)}}),
      "application/json");
}

void sendRoom(const ApiContext& ctx, httplib::Response& res, const store::RoomRecord& room,
              int status) {
  res.status = status;
  res.set_header("ETag", etag(room.version));
  res.set_content(jsonText(roomJson(room, liveJson(liveRooms(ctx), room.name))),
                  "application/json");
}

}  // namespace

void registerRoomRoutes(httplib::Server& server, const ApiContext& ctx, Authenticator& auth) {
  server.Get("/v1/rooms", auth.protect(Role::kViewer,
                                       [&ctx](const httplib::Request& req, httplib::Response& res) {
                                         listRooms(ctx, req, res);
                                       }));
  server.Post("/v1/rooms", auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req,
                                                             httplib::Response& res) {
    auto body = parseObject(req.body);
    if (auto* problem = std::get_if<Problem>(&body)) {
      sendProblem(res, *problem);
      return;
    }
    const auto& object = std::get<json>(body);
    auto fields = readRoomFields(object, true);
    if (auto* problem = std::get_if<Problem>(&fields)) {
      sendProblem(res, *problem);
      return;
    }
    const auto name = object.contains("name") && object["name"].is_string()
                          ? std::optional<std::string>(object["name"].get<std::string>())
                          : std::nullopt;
    if (!name) {
      sendProblem(res, invalidField("name", "'name' is required and must be a string"));
      return;
    }
    if (!std::regex_match(*name, kNamePattern)) {
      sendProblem(res, invalidField("name", std::string("'name' must match ") + kNamePatternText));
      return;
    }
    if (auto problem = checkMusic(ctx, std::get<store::RoomFields>(fields))) {
      sendProblem(res, *problem);
      return;
    }
    auto created = ctx.rooms->create(*name, std::get<store::RoomFields>(fields));
    if (created.outcome != store::DbOutcome::kOk) {
      sendStoreProblem(res, created.outcome, *name);
      return;
    }
    ctx.conference->roomChanged(created.value.policy(), musicOf(ctx, created.value));
    ctx.events->append("room.created", *name, jsonText(json{{"room", *name}}));
    res.set_header("Location", "/v1/rooms/" + *name);
    sendRoom(ctx, res, created.value, 201);
  }));
  server.Get(R"(/v1/rooms/([^/]+))", auth.protect(Role::kViewer, [&ctx](const httplib::Request& req,
                                                                        httplib::Response& res) {
    const std::string name = req.matches[1];
    auto room = ctx.rooms->get(name);
    if (room.outcome != store::DbOutcome::kOk) {
      sendStoreProblem(res, room.outcome, name);
      return;
    }
    sendRoom(ctx, res, room.value, 200);
  }));
  server.Patch(
      R"(/v1/rooms/([^/]+))",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1];
        auto body = parseObject(req.body);
        if (auto* problem = std::get_if<Problem>(&body)) {
          sendProblem(res, *problem);
          return;
        }
        auto fields = readRoomFields(std::get<json>(body), false);
        if (auto* problem = std::get_if<Problem>(&fields)) {
          sendProblem(res, *problem);
          return;
        }
        if (auto problem = checkMusic(ctx, std::get<store::RoomFields>(fields))) {
          sendProblem(res, *problem);
          return;
        }
        const auto version = ifMatch(req);
        auto updated = ctx.rooms->update(name, std::get<store::RoomFields>(fields), version);
        if (updated.outcome != store::DbOutcome::kOk) {
          sendStoreProblem(res, updated.outcome, name);
          return;
        }
        ctx.conference->roomChanged(updated.value.policy(), musicOf(ctx, updated.value));
        ctx.events->append("room.updated", name,
                           jsonText(json{{"room", name}, {"version", updated.value.version}}));
        sendRoom(ctx, res, updated.value, 200);
      }));
  server.Delete(
      R"(/v1/rooms/([^/]+))",
      auth.protect(Role::kAdmin, [&ctx](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1];
        auto removed = ctx.rooms->remove(name, ifMatch(req));
        if (removed.outcome != store::DbOutcome::kOk) {
          sendStoreProblem(res, removed.outcome, name);
          return;
        }
        // Live calls get their BYE from the control thread; the record is already gone.
        ctx.conference->roomDeleted(name);
        ctx.events->append("room.deleted", name, jsonText(json{{"room", name}}));
        res.status = 204;
      }));
}

}  // namespace mcu::api
