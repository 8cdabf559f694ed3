// Every query parameter and body field that api/openapi.json documents, sent with values the
// document forbids (wrong type, null where not nullable, out of bounds, off pattern or enum,
// control characters): each must be a 400 or 422 problem naming that field, and nothing may
// be stored. The cases are made from the document, so a field added to it is audited too.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "tests/integration/api_fixture.h"
#include "tests/integration/server_fixture.h"
#include "tests/support/net.h"

namespace mcu::test {
namespace {

using nlohmann::json;

struct BadValue {
  json value;
  std::string why;
};

const json& document() {
  static const json kDoc = json::parse(readFile(std::string(MCU_SOURCE_DIR) + "/api/openapi.json"));
  return kDoc;
}

const json& resolve(const json& schema) {
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    return document()["components"]["schemas"][ref.substr(ref.rfind('/') + 1)];
  }
  return schema;
}

// The JSON types a schema admits ("type" or the types of its enum values).
std::set<std::string> typesOf(const json& schema) {
  std::set<std::string> types;
  if (schema.contains("type")) {
    const json& t = schema["type"];
    for (const auto& one : t.is_array() ? t : json::array({t})) {
      types.insert(one.get<std::string>());
    }
  }
  for (const auto& v : schema.value("enum", json::array())) {
    types.insert(v.is_null() ? "null" : v.is_string() ? "string" : v.type_name());
  }
  if (types.contains("number")) {
    types.insert("integer");
  }
  return types;
}

// Values the schema forbids, each with the reason (for the failure message).
std::vector<BadValue> badValues(const json& raw) {
  const json& schema = resolve(raw);
  const auto types = typesOf(schema);
  std::vector<BadValue> bad;
  const std::vector<std::pair<std::string, json>> samples{
      {"string", "surely-not-valid"}, {"integer", 12345}, {"number", 1.5},  {"boolean", true},
      {"object", {{"k", 1}}},         {"array", {1}},     {"null", nullptr}};
  for (const auto& [type, value] : samples) {
    if (!types.contains(type)) {
      bad.push_back({value, "a " + type});
    }
  }
  if (schema.contains("maxLength")) {
    bad.push_back({std::string(schema["maxLength"].get<std::size_t>() + 1, '7'), "too long"});
  }
  if (schema.contains("pattern") || schema.contains("enum")) {
    bad.push_back({"not valid!", "off pattern or enum"});
  }
  const auto beyond = [](const json& bound, int by) {
    return bound.is_number_integer() ? json(bound.get<std::int64_t>() + by)
                                     : json(bound.get<double>() + by);
  };
  if (schema.contains("minimum")) {
    bad.push_back({beyond(schema["minimum"], -1), "below minimum"});
  }
  if (schema.contains("maximum")) {
    bad.push_back({beyond(schema["maximum"], 1), "above maximum"});
  }
  if (types.contains("string")) {
    bad.push_back({std::string("a\0b", 3), "a NUL character"});
    bad.push_back(
        {"a\x01"
         "b",
         "a control character"});
  }
  if (schema.contains("items")) {
    bad.push_back({json::array({"mp3"}), "an item off its enum"});
  }
  return bad;
}

std::string percentEncoded(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
      out.push_back(ch);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

class ApiValidationTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    ASSERT_EQ(admin_->post("/v1/rooms", R"({"name":"audit"})").status, 201);
  }

  static std::string concretePath(std::string path) {
    for (const auto& [name, value] :
         {std::pair<std::string, std::string>{"{name}", "audit"}, {"{id}", "1"}}) {
      if (const auto at = path.find(name); at != std::string::npos) {
        path.replace(at, name.size(), value);
      }
    }
    return path;
  }

  ApiReply send(const std::string& method, const std::string& path, const std::string& body) {
    if (method == "post") {
      return admin_->post(path, body);
    }
    if (method == "patch") {
      return admin_->patch(path, body);
    }
    return method == "delete" ? admin_->del(path) : admin_->get(path);
  }

  // One bad value of `field`: a problem (400 or 422) naming it.
  void expectRefused(const std::string& what, const ApiReply& reply, const std::string& field) {
    SCOPED_TRACE(what);
    EXPECT_TRUE(reply.status == 400 || reply.status == 422) << reply.status << " " << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(reply.json().value("field", ""), field) << reply.body;
    ++checked_;
  }

  // Every property of a body schema (nested objects as "outer.inner"), each bad value in a
  // body that is otherwise valid.
  void auditBody(const std::string& method, const std::string& path, const json& schema,
                 const std::string& prefix, const json& valid_base) {
    const json& object = resolve(schema);
    for (const auto& [name, property] : object["properties"].items()) {
      const std::string field = prefix + name;
      for (const auto& bad : badValues(property)) {
        json body = valid_base;
        json* slot = &body;
        if (!prefix.empty()) {
          slot = &body[prefix.substr(0, prefix.size() - 1)];
        }
        (*slot)[name] = bad.value;
        expectRefused(method + " " + path + " " + field + " as " + bad.why + ": " + body.dump(),
                      send(method, path, body.dump()), field);
      }
      if (resolve(property).contains("properties")) {
        json base = valid_base;
        base[name] = json::object();
        auditBody(method, path, property, field + ".", base);
      }
    }
  }

  int checked_ = 0;
};

TEST_F(ApiValidationTest, EveryDocumentedBodyFieldRefusesWhatTheDocumentForbids) {
  for (const auto& [path, operations] : document()["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      if (!operation.is_object()) {
        continue;
      }
      const json schema =
          operation.value("/requestBody/content/application~1json/schema"_json_pointer, json());
      if (schema.is_null()) {
        continue;
      }
      json base = json::object();
      for (const auto& required : resolve(schema).value("required", json::array())) {
        base[required.get<std::string>()] = required == "uri" ? "sip:x@127.0.0.1" : "fresh";
      }
      auditBody(method, concretePath(path), schema, "", base);
    }
  }
  EXPECT_GT(checked_, 80) << "the document lists fewer fields than it did";
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM rooms"), "1") << "nothing bad was stored";
  EXPECT_EQ(db_.scalar("SELECT version FROM rooms WHERE name = 'audit'"), "1");
  EXPECT_EQ(server_->get("/healthz").status, 200);
}

TEST_F(ApiValidationTest, EveryDocumentedQueryParameterRefusesWhatTheDocumentForbids) {
  for (const auto& [path, operations] : document()["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      if (!operation.is_object()) {
        continue;
      }
      for (const auto& parameter : operation.value("parameters", json::array())) {
        if (parameter["in"] != "query") {
          continue;
        }
        const std::string name = parameter["name"];
        json schema = parameter["schema"];
        std::vector<BadValue> bad;
        const bool textual = typesOf(schema).contains("string");
        for (auto& one : badValues(schema)) {
          // A query has only text: a number is bad only where the parameter is not a string.
          if (one.value.is_string() || (one.value.is_number() && !textual)) {
            bad.push_back(std::move(one));
          }
        }
        if (schema.value("format", "") == "date-time") {
          bad.push_back({"2026-13-01T00:00:00Z", "an impossible date"});
        }
        for (const auto& value : bad) {
          const std::string text =
              value.value.is_string() ? value.value.get<std::string>() : value.value.dump();
          const std::string target = concretePath(path) + "?" + name + "=" + percentEncoded(text);
          expectRefused(method + " " + target + " (" + value.why + ")", send(method, target, ""),
                        name);
        }
      }
    }
  }
  EXPECT_GT(checked_, 25) << "the document lists fewer parameters than it did";
  EXPECT_EQ(server_->get("/healthz").status, 200);
}

}  // namespace
}  // namespace mcu::test
