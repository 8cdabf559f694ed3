#include "tests/support/openapi_validator.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace mcu::test {
namespace {

bool hasType(const nlohmann::json& value, const std::string& type) {
  if (type == "null") {
    return value.is_null();
  }
  if (type == "object") {
    return value.is_object();
  }
  if (type == "array") {
    return value.is_array();
  }
  if (type == "string") {
    return value.is_string();
  }
  if (type == "boolean") {
    return value.is_boolean();
  }
  if (type == "integer") {
    return value.is_number_integer();
  }
  if (type == "number") {
    return value.is_number();
  }
  return false;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void collectPatterns(const nlohmann::json& node, std::map<std::string, std::regex>& into) {
  if (node.is_object()) {
    if (const auto it = node.find("pattern"); it != node.end() && it->is_string()) {
      into.try_emplace(it->get<std::string>(), it->get<std::string>());
    }
  }
  if (node.is_structured()) {
    for (const auto& child : node) {
      collectPatterns(child, into);
    }
  }
}

}  // namespace

OpenApiValidator::OpenApiValidator(nlohmann::json document) : doc_(std::move(document)) {
  const std::regex parameter(R"(\{[^}]+\})");
  for (const auto& [templ, item] : doc_.at("paths").items()) {
    // Built in place: `"^" + string` trips GCC 12's -Wrestrict false positive in Release.
    std::string pattern = std::regex_replace(templ, parameter, "[^/]+");
    pattern.insert(pattern.begin(), '^');
    pattern.push_back('$');
    paths_.emplace_back(templ, std::regex(pattern));
  }
  collectPatterns(doc_.at("components"), patterns_);
  collectPatterns(doc_.at("paths"), patterns_);
}

OpenApiValidator OpenApiValidator::fromFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return OpenApiValidator(nlohmann::json::parse(text.str()));
}

const nlohmann::json& OpenApiValidator::resolve(const nlohmann::json& node) const {
  const nlohmann::json* current = &node;
  while (current->is_object() && current->contains("$ref")) {
    const std::string ref = (*current)["$ref"].get<std::string>();
    current = &doc_.at(nlohmann::json::json_pointer(ref.substr(1)));
  }
  return *current;
}

const nlohmann::json* OpenApiValidator::operation(const std::string& method,
                                                  const std::string& path,
                                                  std::string& matched) const {
  const auto& items = doc_.at("paths");
  for (const auto& [templ, pattern] : paths_) {
    const auto& item = items.at(templ);
    if (std::regex_match(path, pattern) && item.contains(lower(method))) {
      matched = templ;
      return &item.at(lower(method));
    }
  }
  return nullptr;
}

std::vector<std::string> OpenApiValidator::check(const std::string& method, const std::string& path,
                                                 int status, const std::string& content_type,
                                                 const std::string& body) const {
  std::vector<std::string> errors;
  const std::string bare_path = path.substr(0, path.find('?'));
  std::string templ;
  const auto* op = operation(method, bare_path, templ);
  if (op == nullptr) {
    return {method + " " + bare_path + " is not in the document"};
  }
  const std::string where = method + " " + templ + " " + std::to_string(status);
  const auto& responses = op->at("responses");
  if (!responses.contains(std::to_string(status))) {
    return {where + ": status not documented"};
  }
  const auto& response = resolve(responses.at(std::to_string(status)));
  if (!response.contains("content")) {
    if (!body.empty()) {
      errors.push_back(where + ": documented without a body, got " + body);
    }
    return errors;
  }
  const std::string media = content_type.substr(0, content_type.find(';'));
  if (!response.at("content").contains(media)) {
    return {where + ": content type '" + content_type + "' not documented"};
  }
  if (media == "application/json" || media == "application/problem+json") {
    const auto value = nlohmann::json::parse(body, nullptr, false);
    if (value.is_discarded()) {
      return {where + ": body is not JSON: " + body};
    }
    validate(response.at("content").at(media).at("schema"), value, where + " body", errors);
  }
  return errors;
}

std::vector<std::string> OpenApiValidator::checkSchema(const std::string& component,
                                                       const nlohmann::json& value) const {
  std::vector<std::string> errors;
  validate(doc_.at("components").at("schemas").at(component), value, component, errors);
  return errors;
}

void OpenApiValidator::validate(const nlohmann::json& schema_node, const nlohmann::json& value,
                                const std::string& at, std::vector<std::string>& errors) const {
  const auto& schema = resolve(schema_node);
  const auto fail = [&](const std::string& what) {
    errors.push_back(at + ": " + what + " (value " + value.dump() + ")");
  };
  if (schema.contains("type")) {
    const auto& type = schema.at("type");
    bool ok = false;
    if (type.is_array()) {
      for (const auto& t : type) {
        ok = ok || hasType(value, t.get<std::string>());
      }
    } else {
      ok = hasType(value, type.get<std::string>());
    }
    if (!ok) {
      fail("type must be " + type.dump());
      return;
    }
  }
  if (schema.contains("enum") && std::find(schema.at("enum").begin(), schema.at("enum").end(),
                                           value) == schema.at("enum").end()) {
    fail("not one of " + schema.at("enum").dump());
  }
  if (value.is_number()) {
    const double n = value.get<double>();
    if (schema.contains("minimum") && n < schema.at("minimum").get<double>()) {
      fail("below minimum");
    }
    if (schema.contains("maximum") && n > schema.at("maximum").get<double>()) {
      fail("above maximum");
    }
  }
  if (value.is_string()) {
    const auto s = value.get<std::string>();
    if (schema.contains("maxLength") && s.size() > schema.at("maxLength").get<std::size_t>()) {
      fail("longer than maxLength");
    }
    if (schema.contains("pattern") &&
        !std::regex_search(s, patterns_.at(schema.at("pattern").get<std::string>()))) {
      fail("does not match " + schema.at("pattern").get<std::string>());
    }
    static const std::regex kDateTime(
        R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
    if (schema.value("format", "") == "date-time" && !std::regex_match(s, kDateTime)) {
      fail("not an RFC 3339 date-time");
    }
  }
  if (value.is_array()) {
    if (schema.contains("maxItems") && value.size() > schema.at("maxItems").get<std::size_t>()) {
      fail("more than maxItems");
    }
    if (schema.value("uniqueItems", false) &&
        std::set<nlohmann::json>(value.begin(), value.end()).size() != value.size()) {
      fail("items are not unique");
    }
    if (schema.contains("items")) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        validate(schema.at("items"), value[i], at + "[" + std::to_string(i) + "]", errors);
      }
    }
  }
  if (value.is_object()) {
    for (const auto& required : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(required.get<std::string>())) {
        fail("missing required '" + required.get<std::string>() + "'");
      }
    }
    const auto properties = schema.value("properties", nlohmann::json::object());
    for (const auto& [key, item] : value.items()) {
      if (properties.contains(key)) {
        validate(properties.at(key), item, at + "." + key, errors);
      } else if (schema.contains("additionalProperties") &&
                 schema.at("additionalProperties") == false) {
        fail("property '" + key + "' is not documented");
      }
    }
  }
}

}  // namespace mcu::test
