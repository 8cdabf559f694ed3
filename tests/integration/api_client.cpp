#include "tests/integration/api_client.h"

#include <gtest/gtest.h>

#include <regex>

namespace mcu::test {

using namespace std::chrono_literals;

std::string ApiReply::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

ApiClient::ApiClient(std::uint16_t port, std::string token)
    : port_(port), token_(std::move(token)) {}

const OpenApiValidator& ApiClient::validator() {
  static const OpenApiValidator kValidator =
      OpenApiValidator::fromFile(std::string(MCU_SOURCE_DIR) + "/api/openapi.json");
  return kValidator;
}

httplib::Headers ApiClient::auth(httplib::Headers headers) const {
  if (!token_.empty()) {
    headers.emplace("Authorization", "Bearer " + token_);
  }
  return headers;
}

ApiReply ApiClient::checked(const std::string& method, const std::string& path,
                            const httplib::Result& result) const {
  if (!result) {
    ADD_FAILURE() << method << " " << path << ": no response ("
                  << httplib::to_string(result.error()) << ")";
    return {};
  }
  ApiReply reply{result->status, result->body, result->headers};
  for (const auto& error : validator().check(
           method, path, reply.status, result->get_header_value("Content-Type"), reply.body)) {
    ADD_FAILURE() << "response differs from api/openapi.json: " << error;
  }
  return reply;
}

ApiReply ApiClient::get(const std::string& path, const httplib::Headers& headers) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  return checked("GET", path, client.Get(path.c_str(), auth(headers)));
}

ApiReply ApiClient::post(const std::string& path, const std::string& body) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  return checked("POST", path, client.Post(path.c_str(), auth({}), body, "application/json"));
}

ApiReply ApiClient::patch(const std::string& path, const std::string& body,
                          const httplib::Headers& headers) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  return checked("PATCH", path,
                 client.Patch(path.c_str(), auth(headers), body, "application/json"));
}

ApiReply ApiClient::del(const std::string& path, const httplib::Headers& headers) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  return checked("DELETE", path, client.Delete(path.c_str(), auth(headers)));
}

std::string createToken(const std::string& database_url, const std::string& role,
                        const std::string& name) {
  const auto result = runCommand({MCU_BINARY, "token", "create", "--role", role, "--name", name,
                                  "--database-url", database_url},
                                 30s);
  std::smatch m;
  static const std::regex kToken(R"(\n  (mcu_[0-9a-f]{48})\n)");
  if (result.exit_code != 0 || !std::regex_search(result.output, m, kToken)) {
    ADD_FAILURE() << "mcu token create failed: " << result.output;
    return "";
  }
  return m[1].str();
}

// Reads an SSE stream for `duration` and returns the (id, type) of each event.
std::vector<nlohmann::json> readEvents(std::uint16_t port, const std::string& token,
                                       const std::string& last_id,
                                       std::chrono::milliseconds duration,
                                       const std::function<void(const nlohmann::json&)>& on_event) {
  std::vector<nlohmann::json> events;
  httplib::Client client("127.0.0.1", port);
  httplib::Headers headers{{"Authorization", "Bearer " + token}};
  if (!last_id.empty()) {
    headers.emplace("Last-Event-ID", last_id);
  }
  const auto until = std::chrono::steady_clock::now() + duration;
  std::string buffer;
  client.Get("/v1/events", headers, [&](const char* data, std::size_t size) {
    buffer.append(data, size);
    for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
      const std::string message = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      if (message.rfind("id: ", 0) != 0) {
        continue;  // a keep-alive comment
      }
      const auto data_at = message.find("\ndata: ");
      const auto payload = nlohmann::json::parse(message.substr(data_at + 7));
      for (const auto& error : ApiClient::validator().checkSchema("Event", payload)) {
        ADD_FAILURE() << "event differs from api/openapi.json: " << error;
      }
      events.push_back(payload);
      if (on_event) {
        on_event(payload);
      }
    }
    return std::chrono::steady_clock::now() < until;  // false: the client hangs up
  });
  return events;
}

}  // namespace mcu::test
