#include "api/query.h"

#include <charconv>

#include "mcu/common/text.h"

namespace mcu::api {

QueryReader::QueryReader(const httplib::Request& req, const std::set<std::string>& known)
    : req_(req) {
  for (const auto& [key, value] : req.params) {
    if (!known.contains(key)) {
      fail(badRequest("unknown-parameter", "unknown query parameter '" + key + "'", key));
      break;
    }
  }
}

void QueryReader::fail(Problem problem) {
  if (!problem_) {
    problem_ = std::move(problem);
  }
}

std::string QueryReader::string(const std::string& name, std::size_t max_length) {
  const std::string value = req_.get_param_value(name);
  if (mcu::text::hasControlCharacter(value)) {
    fail(invalidField(name, "'" + name + "' must not contain control characters"));
    return "";
  }
  if (value.size() > max_length) {
    fail(invalidField(name, "'" + name + "' is longer than " + std::to_string(max_length)));
    return "";
  }
  return value;
}

int QueryReader::integer(const std::string& name, int min, int max, int fallback) {
  if (!req_.has_param(name)) {
    return fallback;
  }
  const std::string value = req_.get_param_value(name);
  int n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max) {
    fail(invalidField(name, "'" + name + "' must be an integer between " + std::to_string(min) +
                                " and " + std::to_string(max)));
    return fallback;
  }
  return n;
}

std::optional<bool> QueryReader::boolean(const std::string& name) {
  if (!req_.has_param(name)) {
    return std::nullopt;
  }
  const std::string value = req_.get_param_value(name);
  if (value == "true") {
    return true;
  }
  if (value == "false") {
    return false;
  }
  fail(invalidField(name, "'" + name + "' must be true or false"));
  return std::nullopt;
}

}  // namespace mcu::api
