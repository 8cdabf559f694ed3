// Reading a JSON request body strictly: malformed JSON and unknown fields are 400, a field of
// the wrong type or out of its documented bounds is 422, each naming the field. Handlers list
// the fields they know and read each with a typed getter.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <variant>

#include "api/problem.h"

namespace mcu::api {

// The body as a JSON object, or the problem (400).
std::variant<nlohmann::json, Problem> parseObject(const std::string& body);

// A body that is an object with exactly one field, a required string (`{"uri": ...}`): the
// value, or the problem (400 malformed or unknown field, 422 missing, wrong type or too long).
std::variant<std::string, Problem> singleStringField(const std::string& body,
                                                     const std::string& field,
                                                     std::size_t max_length,
                                                     const std::string& meaning);

class FieldReader {
 public:
  FieldReader(const nlohmann::json& object, const std::set<std::string>& known);
  // The first problem met so far (unknown field first), if any.
  const std::optional<Problem>& problem() const { return problem_; }
  bool has(const std::string& field) const { return object_.contains(field); }
  bool isNull(const std::string& field) const;

  std::optional<std::string> string(const std::string& field, std::size_t max_length,
                                    const std::regex* pattern = nullptr,
                                    const char* pattern_text = nullptr);
  std::optional<bool> boolean(const std::string& field);
  std::optional<int> integer(const std::string& field, int min, int max);
  std::optional<double> number(const std::string& field, double min, double max);
  std::optional<nlohmann::json> array(const std::string& field);
  std::optional<nlohmann::json> object(const std::string& field);

 private:
  void fail(Problem problem);
  const nlohmann::json* get(const std::string& field, nlohmann::json::value_t type,
                            const char* type_name);

  const nlohmann::json& object_;
  std::optional<Problem> problem_;
};

}  // namespace mcu::api
