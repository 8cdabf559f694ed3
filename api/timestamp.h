// RFC 3339 timestamps as the REST API takes them (?since=, ?until=): the shape and the
// calendar, so an impossible date (month 13, February 30, year 0000) is a 422 naming the
// parameter, not a PostgreSQL error turned into a 500.
#pragma once

#include <string_view>

namespace mcu::api {

bool isRfc3339Timestamp(std::string_view text);

}  // namespace mcu::api
