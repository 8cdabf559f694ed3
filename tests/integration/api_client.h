// The REST API as a test uses it: requests with a bearer token, and every response checked
// against api/openapi.json (a difference fails the test), so the document cannot drift.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/openapi_validator.h"

namespace mcu::test {

struct ApiReply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const;
};

class ApiClient {
 public:
  ApiClient(std::uint16_t port, std::string token);
  ApiReply get(const std::string& path, const httplib::Headers& headers = {}) const;
  ApiReply post(const std::string& path, const std::string& body) const;
  ApiReply patch(const std::string& path, const std::string& body,
                 const httplib::Headers& headers = {}) const;
  ApiReply del(const std::string& path, const httplib::Headers& headers = {}) const;
  ApiClient withToken(std::string token) const { return {port_, std::move(token)}; }
  static const OpenApiValidator& validator();

 private:
  ApiReply checked(const std::string& method, const std::string& path,
                   const httplib::Result& result) const;
  httplib::Headers auth(httplib::Headers headers) const;

  std::uint16_t port_;
  std::string token_;
};

// Reads the SSE stream GET /v1/events (from after `last_id`, "" for new ones only) for
// `duration`; every event's data is checked against the document's Event schema and
// returned. `on_event`, if given, sees each event as it is read (the stream is open then).
std::vector<nlohmann::json> readEvents(
    std::uint16_t port, const std::string& token, const std::string& last_id,
    std::chrono::milliseconds duration,
    const std::function<void(const nlohmann::json&)>& on_event = {});

// `mcu token create` against a database; returns the printed token ("" and a test failure if
// it did not work).
std::string createToken(const std::string& database_url, const std::string& role,
                        const std::string& name);

}  // namespace mcu::test
