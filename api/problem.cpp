#include "api/problem.h"

#include <nlohmann/json.hpp>

namespace mcu::api {

std::string problemBody(int status, std::string_view type_slug, std::string_view title,
                        std::string_view detail) {
  nlohmann::json body{
      {"type", "https://mcu.invalid/problems/" + std::string(type_slug)},
      {"title", title},
      {"status", status},
      {"detail", detail},
  };
  return body.dump();
}

}  // namespace mcu::api
