// RFC 9457 problem details: every error the API returns has this shape.
#pragma once

#include <string>
#include <string_view>

namespace mcu::api {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

// `type_slug` becomes a stable type URI "https://mcu.invalid/problems/<slug>".
std::string problemBody(int status, std::string_view type_slug, std::string_view title,
                        std::string_view detail);

}  // namespace mcu::api
