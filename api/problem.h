// RFC 9457 problem details: every error the API returns has this shape, with a stable type
// URI, a human detail and, for a bad request body or query, the field at fault.
#pragma once

#include <string>
#include <string_view>

namespace httplib {
struct Response;
}  // namespace httplib

namespace mcu::api {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

struct Problem {
  int status = 500;
  std::string slug;  // type URI "https://mcu.invalid/problems/<slug>"
  std::string title;
  std::string detail;
  std::string field{};  // JSON pointer-ish name of the offending field, if any
};

std::string problemBody(const Problem& problem);
std::string problemBody(int status, std::string_view type_slug, std::string_view title,
                        std::string_view detail);
void sendProblem(httplib::Response& res, const Problem& problem);

// The usual ones.
Problem notFound(std::string detail);
Problem unavailable(std::string detail);
Problem invalidField(std::string field, std::string detail);  // 422
Problem badRequest(std::string slug, std::string detail, std::string field = "");

}  // namespace mcu::api
