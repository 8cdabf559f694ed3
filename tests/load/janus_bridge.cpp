#include "tests/load/janus_bridge.h"

#include <chrono>
#include <cstdio>

namespace mcu::test {

JanusBridge::JanusBridge(std::uint16_t http_port, std::uint64_t room)
    : http_("127.0.0.1", http_port), room_(room) {
  http_.set_read_timeout(35, 0);  // a long poll holds up to 30 s
}

std::optional<nlohmann::json> JanusBridge::post(const std::string& path, nlohmann::json body) {
  body["transaction"] = std::to_string(++transaction_);
  const auto res = http_.Post(path, body.dump(), "application/json");
  if (!res || res->status != 200) {
    std::fprintf(stderr, "janus: POST %s failed (%d)\n", path.c_str(), res ? res->status : -1);
    return std::nullopt;
  }
  auto reply = nlohmann::json::parse(res->body, nullptr, false);
  if (reply.is_discarded() || reply.value("janus", "") == "error") {
    std::fprintf(stderr, "janus: POST %s: %s\n", path.c_str(), res->body.c_str());
    return std::nullopt;
  }
  return reply;
}

bool JanusBridge::open() {
  const auto reply = post("/janus", {{"janus", "create"}});
  if (!reply) {
    return false;
  }
  session_ = (*reply)["data"]["id"].get<std::uint64_t>();
  return true;
}

std::optional<std::uint16_t> JanusBridge::join(const JanusRtpJoin& rtp) {
  const std::string session_path = "/janus/" + std::to_string(session_);
  const auto attached =
      post(session_path, {{"janus", "attach"}, {"plugin", "janus.plugin.audiobridge"}});
  if (!attached) {
    return std::nullopt;
  }
  const auto handle = (*attached)["data"]["id"].get<std::uint64_t>();
  const nlohmann::json join_body = {{"request", "join"},
                                    {"room", room_},
                                    {"rtp",
                                     {{"ip", "127.0.0.1"},
                                      {"port", rtp.local_port},
                                      {"payload_type", rtp.payload_type},
                                      {"audiolevel_ext", rtp.level_ext},
                                      {"fec", false}}}};
  const auto sent = post(session_path + "/" + std::to_string(handle),
                         {{"janus", "message"}, {"body", join_body}});
  if (!sent) {
    return std::nullopt;
  }
  const std::string wanted = (*sent)["transaction"].get<std::string>();
  // The answer comes as an event on the session's long poll, among the other participants'.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    const auto res = http_.Get(session_path + "?maxev=50");
    if (!res || res->status != 200) {
      break;
    }
    auto events = nlohmann::json::parse(res->body, nullptr, false);
    if (!events.is_array()) {
      events = nlohmann::json::array({events});
    }
    for (const auto& e : events) {
      if (e.value("transaction", "") != wanted) {
        continue;
      }
      const auto& data = e["plugindata"]["data"];
      if (data.value("audiobridge", "") != "joined" || !data.contains("rtp")) {
        std::fprintf(stderr, "janus: join refused: %s\n", e.dump().c_str());
        return std::nullopt;
      }
      return data["rtp"]["port"].get<std::uint16_t>();
    }
  }
  std::fprintf(stderr, "janus: no answer to join %s\n", wanted.c_str());
  return std::nullopt;
}

}  // namespace mcu::test
