#include "api/json_body.h"

#include "mcu/common/json_text.h"
#include "mcu/common/text.h"

namespace mcu::api {

std::variant<nlohmann::json, Problem> parseObject(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return badRequest("malformed-json", "the request body is not valid JSON");
  }
  if (!parsed.is_object()) {
    return badRequest("malformed-json", "the request body must be a JSON object");
  }
  return parsed;
}

std::variant<std::string, Problem> singleStringField(const std::string& body,
                                                     const std::string& field,
                                                     std::size_t max_length,
                                                     const std::string& meaning) {
  auto parsed = parseObject(body);
  if (auto* problem = std::get_if<Problem>(&parsed)) {
    return *problem;
  }
  FieldReader reader(std::get<nlohmann::json>(parsed), {field});
  const auto value = reader.string(field, max_length);
  if (reader.problem()) {
    return *reader.problem();
  }
  if (!value) {
    return invalidField(field, "'" + field + "' is required: " + meaning);
  }
  return *value;
}

FieldReader::FieldReader(const nlohmann::json& object, const std::set<std::string>& known)
    : object_(object) {
  for (const auto& [key, value] : object.items()) {
    if (!known.contains(key)) {
      fail(badRequest("unknown-field", "unknown field '" + key + "'", key));
      break;
    }
  }
}

void FieldReader::fail(Problem problem) {
  if (!problem_) {
    problem_ = std::move(problem);
  }
}

bool FieldReader::isNull(const std::string& field) const {
  const auto it = object_.find(field);
  return it != object_.end() && it->is_null();
}

const nlohmann::json* FieldReader::get(const std::string& field, nlohmann::json::value_t type,
                                       const char* type_name) {
  const auto it = object_.find(field);
  if (it == object_.end()) {
    return nullptr;
  }
  // null is a value only where the handler asked isNull() first (pin, srtp...); anywhere else
  // it is a mistake worth naming rather than a silent "leave as it is".
  if (it->is_null()) {
    fail(invalidField(field, "'" + field + "' must be " + type_name + ", not null"));
    return nullptr;
  }
  const bool ok = type == nlohmann::json::value_t::number_float     ? it->is_number()
                  : type == nlohmann::json::value_t::number_integer ? it->is_number_integer()
                                                                    : it->type() == type;
  if (!ok) {
    fail(invalidField(field, "'" + field + "' must be " + type_name));
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> FieldReader::string(const std::string& field, std::size_t max_length,
                                               const std::regex* pattern,
                                               const char* pattern_text) {
  const auto* value = get(field, nlohmann::json::value_t::string, "a string");
  if (value == nullptr) {
    return std::nullopt;
  }
  auto text = value->get<std::string>();
  if (mcu::text::hasControlCharacter(text)) {
    fail(invalidField(field, "'" + field + "' must not contain control characters"));
    return std::nullopt;
  }
  if (text.size() > max_length) {
    fail(invalidField(
        field, "'" + field + "' is longer than " + std::to_string(max_length) + " characters"));
    return std::nullopt;
  }
  if (pattern != nullptr && !std::regex_match(text, *pattern)) {
    fail(invalidField(field, "'" + field + "' must match " + pattern_text));
    return std::nullopt;
  }
  return text;
}

std::optional<bool> FieldReader::boolean(const std::string& field) {
  const auto* value = get(field, nlohmann::json::value_t::boolean, "true or false");
  return value == nullptr ? std::nullopt : std::optional<bool>(value->get<bool>());
}

std::optional<int> FieldReader::integer(const std::string& field, int min, int max) {
  const auto* value = get(field, nlohmann::json::value_t::number_integer, "an integer");
  if (value == nullptr) {
    return std::nullopt;
  }
  const auto n = value->get<std::int64_t>();
  if (n < min || n > max) {
    fail(invalidField(field, "'" + field + "' must be between " + std::to_string(min) + " and " +
                                 std::to_string(max)));
    return std::nullopt;
  }
  return static_cast<int>(n);
}

std::optional<double> FieldReader::number(const std::string& field, double min, double max) {
  const auto* value = get(field, nlohmann::json::value_t::number_float, "a number");
  if (value == nullptr) {
    return std::nullopt;
  }
  const auto n = value->get<double>();
  if (!(n >= min && n <= max)) {
    fail(invalidField(field, "'" + field + "' must be between " + jsonText(nlohmann::json(min)) +
                                 " and " + jsonText(nlohmann::json(max))));
    return std::nullopt;
  }
  return n;
}

std::optional<nlohmann::json> FieldReader::array(const std::string& field) {
  const auto* value = get(field, nlohmann::json::value_t::array, "an array");
  return value == nullptr ? std::nullopt : std::optional<nlohmann::json>(*value);
}

std::optional<nlohmann::json> FieldReader::object(const std::string& field) {
  const auto* value = get(field, nlohmann::json::value_t::object, "an object");
  return value == nullptr ? std::nullopt : std::optional<nlohmann::json>(*value);
}

}  // namespace mcu::api
