#include "api/problem.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "mcu/common/json_text.h"

namespace mcu::api {

std::string problemBody(const Problem& problem) {
  nlohmann::json body{
      {"type", "https://mcu.invalid/problems/" + problem.slug},
      {"title", problem.title},
      {"status", problem.status},
      {"detail", problem.detail},
  };
  if (!problem.field.empty()) {
    body["field"] = problem.field;
  }
  return jsonText(body);
}

std::string problemBody(int status, std::string_view type_slug, std::string_view title,
                        std::string_view detail) {
  return problemBody({status, std::string(type_slug), std::string(title), std::string(detail), ""});
}

void sendProblem(httplib::Response& res, const Problem& problem) {
  res.status = problem.status;
  if (problem.status == 503) {
    res.set_header("Retry-After", "2");
  }
  res.set_content(problemBody(problem), std::string(kProblemContentType));
}

Problem notFound(std::string detail) { return {404, "not-found", "Not Found", std::move(detail)}; }

Problem unavailable(std::string detail) {
  return {503, "unavailable", "Service Unavailable", std::move(detail)};
}

Problem invalidField(std::string field, std::string detail) {
  return {422, "invalid-field", "Invalid Field", std::move(detail), std::move(field)};
}

Problem badRequest(std::string slug, std::string detail, std::string field) {
  return {400, std::move(slug), "Bad Request", std::move(detail), std::move(field)};
}

}  // namespace mcu::api
