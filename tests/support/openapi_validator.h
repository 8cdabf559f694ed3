// Checks an HTTP response against api/openapi.json: the path and method are documented, the
// status is one the operation lists, the content type is the documented one, and a JSON body
// satisfies the schema. A JSON Schema subset, enough for our document: $ref, type (with
// "null"), enum, properties, required, additionalProperties false, items, uniqueItems,
// maxItems, minimum, maximum, maxLength, pattern, format date-time.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace mcu::test {

class OpenApiValidator {
 public:
  explicit OpenApiValidator(nlohmann::json document);
  static OpenApiValidator fromFile(const std::string& path);

  // Every way the response differs from the document; empty when it conforms.
  std::vector<std::string> check(const std::string& method, const std::string& path, int status,
                                 const std::string& content_type, const std::string& body) const;
  // A JSON value against a schema of the document (for SSE event data).
  std::vector<std::string> checkSchema(const std::string& component,
                                       const nlohmann::json& value) const;

 private:
  const nlohmann::json& resolve(const nlohmann::json& node) const;
  void validate(const nlohmann::json& schema, const nlohmann::json& value, const std::string& at,
                std::vector<std::string>& errors) const;
  const nlohmann::json* operation(const std::string& method, const std::string& path,
                                  std::string& matched) const;

  nlohmann::json doc_;
  // Compiled once: the path templates as regexes, in document order, and every schema
  // pattern (compiling them per response was most of a REST test's time under ASan).
  std::vector<std::pair<std::string, std::regex>> paths_;
  std::map<std::string, std::regex> patterns_;
};

}  // namespace mcu::test
